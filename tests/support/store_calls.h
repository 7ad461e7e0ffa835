// Calls a Store and waits for its answer, for tests: every Store call is asynchronous
// (hitcounter/store.h), and a test wants the answer on its own thread.
#ifndef HITCOUNTER_TESTS_SUPPORT_STORE_CALLS_H_
#define HITCOUNTER_TESTS_SUPPORT_STORE_CALLS_H_

#include <future>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "hitcounter/store.h"

namespace hitcounter::testing {

// Waits for the one answer `call` passes to its callback.
template <typename T, typename Call>
T Await(Call&& call) {
  std::promise<T> promise;
  std::future<T> answer = promise.get_future();
  call([&promise](T value) { promise.set_value(std::move(value)); });
  return answer.get();
}

inline Result<CountedHit> IncrementNow(Store& store, std::string route, UnixMillis now,
                                       std::optional<RateLimit> limit = std::nullopt,
                                       Deadline deadline = kNoDeadline) {
  return Await<Result<CountedHit>>([&](auto done) {
    store.Increment(Hit{std::move(route), now, limit}, deadline, std::move(done));
  });
}

inline Result<RouteStats> GetNow(Store& store, std::string route, Deadline deadline = kNoDeadline) {
  return Await<Result<RouteStats>>(
      [&](auto done) { store.Get(std::move(route), deadline, std::move(done)); });
}

inline Result<StatsPage> ListNow(Store& store, StatsQuery query, Deadline deadline = kNoDeadline) {
  return Await<Result<StatsPage>>(
      [&](auto done) { store.List(std::move(query), deadline, std::move(done)); });
}

inline Result<DeletedRoutes> DeleteNow(Store& store, std::vector<std::string> routes,
                                       Deadline deadline = kNoDeadline) {
  return Await<Result<DeletedRoutes>>(
      [&](auto done) { store.Delete(std::move(routes), deadline, std::move(done)); });
}

inline Result<ImportedRoutes> ImportNow(Store& store, std::vector<RouteStats> records,
                                        ImportMode mode, Deadline deadline = kNoDeadline) {
  return Await<Result<ImportedRoutes>>(
      [&](auto done) { store.Import(std::move(records), mode, deadline, std::move(done)); });
}

inline Status HealthNow(Store& store, Deadline deadline = kNoDeadline) {
  return Await<Status>([&](auto done) { store.CheckHealth(deadline, std::move(done)); });
}

}  // namespace hitcounter::testing

#endif  // HITCOUNTER_TESTS_SUPPORT_STORE_CALLS_H_
