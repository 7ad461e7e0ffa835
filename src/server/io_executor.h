// IoExecutor: an Executor (hitcounter/executor.h) that runs work on an io_context's thread, so
// that stores answer the server where its connections live.
#ifndef HITCOUNTER_SERVER_IO_EXECUTOR_H_
#define HITCOUNTER_SERVER_IO_EXECUTOR_H_

#include "hitcounter/executor.h"
#include "server/asio.h"

namespace hitcounter::server {

class IoExecutor final : public Executor {
 public:
  // `io` must outlive the executor.
  explicit IoExecutor(asio::io_context& io) : io_(io) {}

  void Post(std::function<void()> work) override { asio::post(io_, std::move(work)); }

 private:
  asio::io_context& io_;
};

}  // namespace hitcounter::server

#endif  // HITCOUNTER_SERVER_IO_EXECUTOR_H_
