#include "blocking_wakers.h"

#include <signal.h>

#include <thread>
#include <vector>

namespace sockscope {
namespace {

// Counted up from SIGRTMIN. glibc keeps two real-time signals below SIGRTMIN for itself (thread
// cancellation, setxid); the ones just above it are where other libraries that take a real-time
// signal tend to start, so the engine starts a few higher. Node, V8 and libuv take none: V8 profiles
// with SIGPROF, Node's inspector listens on SIGUSR1, libuv reaps children on SIGCHLD and installs
// other handlers only for signals a script asks for.
constexpr int kWakeSignalOffset = 6;

// Nothing to do: the signal is sent only so that the blocking call it lands in returns EINTR.
void onWakeSignal(int) {}

// The first real-time signal from SIGRTMIN + kWakeSignalOffset that nobody handles, now with our
// handler; -1 when there is none.
int installWakeSignal() {
  for (int candidate = SIGRTMIN + kWakeSignalOffset; candidate <= SIGRTMAX; ++candidate) {
    struct sigaction current {};
    if (sigaction(candidate, nullptr, &current) != 0) continue;
    // Someone else's: an embedding application may have claimed it.
    if ((current.sa_flags & SA_SIGINFO) != 0 || current.sa_handler != SIG_DFL) continue;
    struct sigaction action {};
    action.sa_handler = onWakeSignal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;  // no SA_RESTART: the interrupted call must return, not resume
    if (sigaction(candidate, &action, nullptr) == 0) return candidate;
  }
  return -1;
}

}  // namespace

Status BlockingWakers::open() {
  // Once per process: the handler stays for the process's life, shared by every run.
  static const int signalNumber = installWakeSignal();
  if (signalNumber < 0) {
    return Status::fail("EBUSY", "the blocking model found no free real-time signal to wake its threads with: all from SIGRTMIN+" +
                                     std::to_string(kWakeSignalOffset) + " have other handlers in this process");
  }
  signal_ = signalNumber;
  return Status::success();
}

void BlockingWakers::enroll(WakeableThread& thread) {
  sigset_t wakeOnly;
  sigemptyset(&wakeOnly);
  sigaddset(&wakeOnly, signal_);
  pthread_sigmask(SIG_UNBLOCK, &wakeOnly, nullptr);
  std::lock_guard<std::mutex> lock(mutex_);
  enrolled_.insert(&thread);
}

void BlockingWakers::assign(WakeableThread& thread, const void* key) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (thread.key_) byKey_.erase(thread.key_);
  thread.key_ = key;
  byKey_[key] = &thread;
}

void BlockingWakers::withdraw(WakeableThread& thread) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    enrolled_.erase(&thread);
    if (thread.key_) byKey_.erase(thread.key_);
    thread.key_ = nullptr;
  }
  // A waker that found the thread before it left is at most one pthread_kill away from done.
  while (thread.signallers_.load(std::memory_order_acquire) != 0) std::this_thread::yield();
}

void BlockingWakers::wake(const void* key) {
  WakeableThread* thread = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = byKey_.find(key);
    if (found == byKey_.end()) return;
    thread = found->second;
    thread->signallers_.fetch_add(1, std::memory_order_relaxed);
  }
  // Signalled even when a wake is already pending: that one's signal may have been lost in the
  // moment before the thread's blocking call, and this one then frees it.
  thread->pending_.store(true, std::memory_order_seq_cst);
  signalAndRelease(*thread, false);
}

size_t BlockingWakers::wakeAll() {
  std::vector<WakeableThread*> threads;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    threads.reserve(enrolled_.size());
    for (WakeableThread* thread : enrolled_) {
      thread->signallers_.fetch_add(1, std::memory_order_relaxed);
      threads.push_back(thread);
    }
  }
  for (WakeableThread* thread : threads) {
    thread->pending_.store(true, std::memory_order_seq_cst);
    signalAndRelease(*thread, true);
  }
  return threads.size();
}

void BlockingWakers::signalAndRelease(WakeableThread& thread, bool always) const {
  // The thread cannot have ended: withdraw() waits for this count to fall before it returns. A
  // signal refused (EAGAIN: the user's queue of pending real-time signals is full) is a lost wake,
  // left to the next wake or the backstop.
  if (always || thread.blocked_.load(std::memory_order_seq_cst)) pthread_kill(thread.thread_, signal_);
  thread.signallers_.fetch_sub(1, std::memory_order_release);
}

}  // namespace sockscope
