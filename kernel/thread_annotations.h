// Clang thread-safety annotations (-Wthread-safety). The compiler checks that data marked
// GUARDED_BY is touched only with its lock held, and that functions marked REQUIRES are called with
// it held.
#pragma once

#define LAZYV6_TSA(x) __attribute__((x))

#define CAPABILITY(x) LAZYV6_TSA(capability(x))
#define SCOPED_CAPABILITY LAZYV6_TSA(scoped_lockable)
#define GUARDED_BY(x) LAZYV6_TSA(guarded_by(x))
#define ACQUIRE(...) LAZYV6_TSA(acquire_capability(__VA_ARGS__))
#define RELEASE(...) LAZYV6_TSA(release_capability(__VA_ARGS__))
#define TRY_ACQUIRE(...) LAZYV6_TSA(try_acquire_capability(__VA_ARGS__))
#define REQUIRES(...) LAZYV6_TSA(requires_capability(__VA_ARGS__))
#define EXCLUDES(...) LAZYV6_TSA(locks_excluded(__VA_ARGS__))
#define ASSERT_CAPABILITY(x) LAZYV6_TSA(assert_capability(x))
#define NO_THREAD_SAFETY_ANALYSIS LAZYV6_TSA(no_thread_safety_analysis)

// Holds `Lock` (anything with acquire() ACQUIRE() and release() RELEASE()) for the guard's
// lifetime: SpinGuard, SleepGuard.
template <typename Lock> class SCOPED_CAPABILITY LockGuard {
public:
  explicit LockGuard(Lock& lock) ACQUIRE(lock) : lock_(lock) { lock_.acquire(); }
  ~LockGuard() RELEASE() { lock_.release(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;

private:
  Lock& lock_;
};
