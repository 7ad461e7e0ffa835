#include "aws/retry_quota.h"

#include <algorithm>

namespace hitcounter::aws {

RetryQuota::RetryQuota(int capacity) : capacity_(capacity), available_(capacity) {}

bool RetryQuota::TryAcquire(int cost) {
  MutexLock lock(mutex_);
  if (available_ < cost) return false;
  available_ -= cost;
  return true;
}

void RetryQuota::Release(int last_retry_cost) {
  MutexLock lock(mutex_);
  const int refill = last_retry_cost > 0 ? last_retry_cost : kNoRetryIncrement;
  available_ = std::min(capacity_, available_ + refill);
}

int RetryQuota::available() const {
  MutexLock lock(mutex_);
  return available_;
}

}  // namespace hitcounter::aws
