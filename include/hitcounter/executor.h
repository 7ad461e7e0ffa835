// Executor: where a store hands its answers back.
//
// A store works on threads of its own (a writer, a reader, DynamoDB workers) and answers through
// callbacks. A front end with an event loop gives the store an Executor that runs work on that
// loop, so the answers arrive where the connections live, and a whole batch of them arrives in
// one Post (one wake-up of the loop) rather than one per hit.
//
// Thread safety: Post may be called from any thread, concurrently.
#ifndef HITCOUNTER_EXECUTOR_H_
#define HITCOUNTER_EXECUTOR_H_

#include <functional>

namespace hitcounter {

class Executor {
 public:
  virtual ~Executor() = default;

  // Runs `work` soon, once, on the executor's thread(s); never before Post returns. Work posted
  // from one thread runs in the order it was posted.
  virtual void Post(std::function<void()> work) = 0;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_EXECUTOR_H_
