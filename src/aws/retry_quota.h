// RetryQuota: the retry budget shared by the AWS clients of a process, as in the AWS SDKs'
// standard retry mode: a bucket of tokens that retries draw from and successful calls refill.
//
// Backoff alone spreads one caller's retries in time, but under a long throttling episode or an
// outage every call still makes all its attempts, so a fleet of servers multiplies the load on
// the service exactly when it can least take it. With a shared quota, once failures have drained
// it, calls make their first attempt only and fail at once (the server answers 503 with
// Retry-After) until successes refill it. The figures are the SDKs' (aws-sdk-cpp
// StandardRetryStrategy, botocore's standard mode): 500 tokens, 5 per retry (10 after a
// timeout or a broken connection), and a success gives back what its last retry took, or 1.
//
// Thread safety: every method may be called from any thread.
#ifndef HITCOUNTER_AWS_RETRY_QUOTA_H_
#define HITCOUNTER_AWS_RETRY_QUOTA_H_

#include "core/mutex.h"

namespace hitcounter::aws {

// The tokens a full quota holds: 100 retries' worth after throttling or 5xx answers, 50 after
// timeouts, before every call stops retrying.
inline constexpr int kRetryQuotaCapacity = 500;
// What one retry takes after a throttling or 5xx answer.
inline constexpr int kRetryCost = 5;
// What one retry takes after a timeout or a broken connection: those cost the service (and the
// caller) more, so fewer of them are allowed.
inline constexpr int kTimeoutRetryCost = 10;
// What a call that succeeded at its first attempt gives back.
inline constexpr int kNoRetryIncrement = 1;

class RetryQuota {
 public:
  explicit RetryQuota(int capacity = kRetryQuotaCapacity);

  // Takes `cost` tokens for one retry and returns true; false, taking nothing, when fewer are
  // left.
  bool TryAcquire(int cost);

  // A call succeeded: gives back `last_retry_cost` (what its last retry took), or
  // kNoRetryIncrement when it took none (0), never past the capacity.
  void Release(int last_retry_cost);

  // The tokens left.
  int available() const;

 private:
  const int capacity_;
  mutable Mutex mutex_;
  int available_ GUARDED_BY(mutex_);
};

}  // namespace hitcounter::aws

#endif  // HITCOUNTER_AWS_RETRY_QUOTA_H_
