// Mutex, MutexLock and CondVar: std::mutex and std::condition_variable with Clang's
// thread-safety annotations, so that which lock guards what is checked by the compiler
// (-Wthread-safety, on in clang builds: cmake/warnings.cmake), not only written in comments.
//
//   Mutex mutex_;
//   int hits_ GUARDED_BY(mutex_) = 0;
//   void Add() EXCLUDES(mutex_) { MutexLock lock(mutex_); ++hits_; }
//   void AddLocked() REQUIRES(mutex_) { ++hits_; }
//
// Condition waits are loops over CondVar::Wait, not predicate lambdas: the analysis cannot see
// that a lambda runs with the lock held. g++ ignores the annotations.
#ifndef HITCOUNTER_CORE_MUTEX_H_
#define HITCOUNTER_CORE_MUTEX_H_

#include <chrono>
#include <condition_variable>
#include <mutex>

#if defined(__clang__)
#define HC_THREAD_ANNOTATION(x) __attribute__((x))
#else
#define HC_THREAD_ANNOTATION(x)
#endif

#define CAPABILITY(x) HC_THREAD_ANNOTATION(capability(x))
#define SCOPED_CAPABILITY HC_THREAD_ANNOTATION(scoped_lockable)
#define GUARDED_BY(x) HC_THREAD_ANNOTATION(guarded_by(x))
#define PT_GUARDED_BY(x) HC_THREAD_ANNOTATION(pt_guarded_by(x))
#define REQUIRES(...) HC_THREAD_ANNOTATION(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) HC_THREAD_ANNOTATION(locks_excluded(__VA_ARGS__))
#define ACQUIRE(...) HC_THREAD_ANNOTATION(acquire_capability(__VA_ARGS__))
#define RELEASE(...) HC_THREAD_ANNOTATION(release_capability(__VA_ARGS__))

namespace hitcounter {

class CAPABILITY("mutex") Mutex {
 public:
  Mutex() = default;
  Mutex(const Mutex&) = delete;
  Mutex& operator=(const Mutex&) = delete;

  void Lock() ACQUIRE() { mutex_.lock(); }
  void Unlock() RELEASE() { mutex_.unlock(); }

 private:
  friend class CondVar;
  std::mutex mutex_;
};

// Holds `mutex` for its scope.
class SCOPED_CAPABILITY MutexLock {
 public:
  explicit MutexLock(Mutex& mutex) ACQUIRE(mutex) : mutex_(mutex) { mutex_.Lock(); }
  ~MutexLock() RELEASE() { mutex_.Unlock(); }
  MutexLock(const MutexLock&) = delete;
  MutexLock& operator=(const MutexLock&) = delete;

 private:
  Mutex& mutex_;
};

// A condition variable over a Mutex the caller holds.
class CondVar {
 public:
  // Releases `mutex` while waiting for a notification (or a spurious wake-up), and holds it
  // again on return.
  void Wait(Mutex& mutex) REQUIRES(mutex) {
    std::unique_lock lock(mutex.mutex_, std::adopt_lock);
    condition_.wait(lock);
    lock.release();
  }

  // As Wait, up to `deadline`; false when the deadline passed.
  template <typename Clock, typename Duration>
  bool WaitUntil(Mutex& mutex, std::chrono::time_point<Clock, Duration> deadline) REQUIRES(mutex) {
    std::unique_lock lock(mutex.mutex_, std::adopt_lock);
    const bool woken = condition_.wait_until(lock, deadline) == std::cv_status::no_timeout;
    lock.release();
    return woken;
  }

  void NotifyOne() { condition_.notify_one(); }
  void NotifyAll() { condition_.notify_all(); }

 private:
  std::condition_variable condition_;
};

}  // namespace hitcounter

#endif  // HITCOUNTER_CORE_MUTEX_H_
