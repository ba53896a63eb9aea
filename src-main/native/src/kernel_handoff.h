// Hand-offs that go through the kernel, told to ThreadSanitizer. An io_uring operation is posted
// by one thread (its fields written, then io_uring_enter) and taken back by another from the
// completion ring; the kernel orders the two, but no lock or atomic in the process does, so
// ThreadSanitizer (which sees only the process's own synchronization) would report the
// completing thread's writes as a race with the posting thread's. These calls give it that edge
// and nothing else: whatever else the two threads share is still checked. Outside a
// ThreadSanitizer build they compile to nothing.
#pragma once

#if defined(__SANITIZE_THREAD__)
extern "C" {
void __tsan_acquire(void* address);
void __tsan_release(void* address);
}
#endif

namespace sockscope {

// Before the kernel is handed object (after the last write to it by this thread).
inline void releaseToKernel(void* object) {
#if defined(__SANITIZE_THREAD__)
  __tsan_release(object);
#else
  (void)object;
#endif
}

// When the kernel hands object back (before the first access to it by this thread).
inline void acquireFromKernel(void* object) {
#if defined(__SANITIZE_THREAD__)
  __tsan_acquire(object);
#else
  (void)object;
#endif
}

}  // namespace sockscope
