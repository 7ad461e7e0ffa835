#include "aws/retry_quota.h"

#include <algorithm>

namespace hitcounter::aws {

RetryQuota::RetryQuota(int capacity) : capacity_(capacity), available_(capacity) {}

bool RetryQuota::TryAcquire(int cost) {
  std::lock_guard lock(mutex_);
  if (available_ < cost) return false;
  available_ -= cost;
  return true;
}

void RetryQuota::Release(int last_retry_cost) {
  std::lock_guard lock(mutex_);
  const int refill = last_retry_cost > 0 ? last_retry_cost : kNoRetryIncrement;
  available_ = std::min(capacity_, available_ + refill);
}

int RetryQuota::available() const {
  std::lock_guard lock(mutex_);
  return available_;
}

}  // namespace hitcounter::aws
