// Wakes the blocking model's threads out of their blocking calls.
//
// A thread of the blocking model sits in recv, send, accept or ppoll. To hand it work (a command,
// a chat broadcast, a listener restart, the stop), another thread sends it a real-time signal
// whose handler does nothing and is installed without SA_RESTART: the blocking call returns EINTR,
// the thread looks at what it was handed and blocks again. A thread that is running gets no
// signal: it looks at its pending flag before it blocks again. The data path stays plain blocking
// recv/send on the socket (ppoll only where a workload timer must end the wait, as before). The
// alternative, poll() on the socket plus an eventfd per thread, wakes without a signal but turns
// every read into poll-then-recv, which is the reactor in miniature rather than the model a user
// picked to see.
//
// A signal that lands after the thread's last look at its pending flag and before the kernel
// enters the call is lost: the handler runs, and the call then blocks. The receive timeout (a
// backstop of kBackstopMs in model_blocking.cc) bounds that case; the next wake also rescues it,
// and the stop repeats its wake until every thread has withdrawn.
//
// Lifetime: a thread is signalled only while it is enrolled. withdraw() removes it and then waits
// for wakers that already looked it up to finish their pthread_kill, so no signal is ever sent to
// a thread that has exited or been joined.
#pragma once
#include <pthread.h>

#include <atomic>
#include <cstddef>
#include <mutex>
#include <unordered_map>
#include <unordered_set>

#include "connection.h"
#include "errors.h"

namespace sockscope {

// One thread that can be woken. It lives on that thread's stack, enrolled from the thread's start
// to its end.
class WakeableThread {
 public:
  WakeableThread() : thread_(pthread_self()) {}
  WakeableThread(const WakeableThread&) = delete;
  WakeableThread& operator=(const WakeableThread&) = delete;

  // Owner: takes the wake handed over since the last call; true when there was one.
  bool takeWake() { return pending_.exchange(false, std::memory_order_acq_rel); }
  // Owner: right before a blocking call. False when a wake is pending: the thread must not block,
  // since the signal of that wake may have come already and would not interrupt the call. While
  // between this and leaveBlocking(), the thread is the one a wake sends a signal to.
  bool enterBlocking() {
    blocked_.store(true, std::memory_order_seq_cst);
    if (!pending_.load(std::memory_order_seq_cst)) return true;
    blocked_.store(false, std::memory_order_relaxed);
    return false;
  }
  void leaveBlocking() { blocked_.store(false, std::memory_order_relaxed); }

 private:
  friend class BlockingWakers;
  const pthread_t thread_;
  std::atomic<bool> pending_{false};
  // In (or about to enter) a blocking call. A thread that is running needs no signal: it looks at
  // its pending wake before it blocks again. Sequentially consistent with pending_, so a thread
  // entering a call and a waker marking a wake cannot both miss the other.
  std::atomic<bool> blocked_{false};
  std::atomic<int> signallers_{0};  // wakers between looking the thread up and signalling it
  const void* key_ = nullptr;       // what the thread serves; under BlockingWakers::mutex_
};

// The threads of one blocking endpoint that may be woken, and the connection (or listener) each one
// serves. Connections reach their thread through it as their Waker.
class BlockingWakers final : public Waker {
 public:
  // Picks the wake signal and installs its handler, once per process; fails when every candidate
  // real-time signal already has someone else's handler.
  Status open();

  // The calling thread's own record: enroll it first thing, withdraw it before it ends. Also
  // unblocks the wake signal in the thread, which inherits the mask of whoever started it.
  void enroll(WakeableThread& thread);
  // The thread now serves `key` (its connection, or the model for its listener): wake(key) reaches it.
  void assign(WakeableThread& thread, const void* key);
  // No wake reaches the thread once this returns. Idempotent.
  void withdraw(WakeableThread& thread);

  // Any thread: marks a wake pending for the thread serving `key` and, when it is in a blocking
  // call, interrupts it; nothing when no thread serves the key (any more).
  void wake(const void* key);
  void wake(Connection& connection) override { wake(static_cast<const void*>(&connection)); }
  // Wakes every enrolled thread, signalling each whatever it is doing (a blocking connect is not
  // marked as a blocking call); returns how many were enrolled.
  size_t wakeAll();

 private:
  void signalAndRelease(WakeableThread& thread, bool always) const;

  int signal_ = -1;
  std::mutex mutex_;
  std::unordered_set<WakeableThread*> enrolled_;
  std::unordered_map<const void*, WakeableThread*> byKey_;
};

}  // namespace sockscope
