// A completion queue with its worker threads, as in IOCP: workers take completed operations,
// timer expiries and wake-ups from one queue and run them on the object they belong to. The
// overlapped model gives each thread a queue of its own (operations complete to the thread that
// posted them); the completion-port model has one queue drained by a pool.
//
// Workers take turns waiting in the backend (leader/follower): one waits in the kernel, moves
// what completed into the queue and wakes the others, so a completion is never held by a busy
// thread while another is idle.
#pragma once
#include <condition_variable>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>
#include <vector>

#include "completion_backend.h"
#include "connection.h"
#include "engine_services.h"

namespace sockscope {

// What operations complete to: a session or a listener. The queue runs one item of a handler at
// a time (under `serial`), so a handler's state needs no other lock.
class CompletionHandler : public std::enable_shared_from_this<CompletionHandler> {
 public:
  virtual ~CompletionHandler() = default;
  virtual void onCompletion(Operation& operation) = 0;
  // A timer scheduled for atUs came due (it may have been superseded by an earlier one).
  virtual void onTimer(int64_t atUs) = 0;
  // A wake-up: commands were posted, the handler was just added, or the queue is stopping.
  virtual void onWake() = 0;
  // A read buffer came back to the pool after this handler's read found it empty.
  virtual void onReadBufferFree() {}
  std::mutex serial;
};

class CompletionQueue final : public Waker {
 public:
  CompletionQueue(EngineServices& engine, EndpointRuntime& endpoint, CompletionBackend& backend, int firstWorker);
  ~CompletionQueue() override;

  // Starts workers threads; worker i counts in the endpoint's worker slot firstWorker + i.
  void start(int workers);
  // Wakes every handler so it closes, and returns once all of them have unregistered and the
  // workers ended.
  void stop();
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  CompletionBackend& backend() { return backend_; }
  // Keeps the handler alive until unregisterHandler; key is what wake() finds it by.
  void registerHandler(const void* key, std::shared_ptr<CompletionHandler> handler);
  void unregisterHandler(const void* key);
  // Queues a wake-up for the handler registered under key; any thread.
  void wakeHandler(const void* key);
  // An operation the backend finished at once; `owner` must be its handler.
  void pushCompleted(Operation* operation, std::shared_ptr<CompletionHandler> owner);
  // Runs handler->onTimer() at atUs (engine microseconds).
  void schedule(const std::shared_ptr<CompletionHandler>& handler, int64_t atUs);
  // Runs task on a worker; any thread. Tasks run even while stopping (they must clean up).
  void run(std::function<void()> task);
  // A read of the handler under key found the read buffer pool empty: it gets onReadBufferFree()
  // when a buffer comes back, in turn with other such handlers. False, and nothing queued, when a
  // buffer is free already, so the read may be posted again at once.
  bool waitForReadBuffer(const void* key);
  // After backend().returnPoolBuffer(): hands the buffer's turn to the handler that waited longest.
  void readBufferReturned();

  // Waker: a command was posted to a connection whose session is registered under its address.
  void wake(Connection& connection) override { wakeHandler(&connection); }

 private:
  enum class ItemKind { Completion, Timer, Wake, Task, ReadBufferFree };
  struct Item {
    ItemKind kind;
    Operation* operation = nullptr;
    std::shared_ptr<CompletionHandler> handler;
    std::function<void()> task;
    int64_t atUs = 0;
  };
  struct Timer {
    int64_t atUs;
    std::weak_ptr<CompletionHandler> handler;
    bool operator>(const Timer& other) const { return atUs > other.atUs; }
  };

  void workerLoop(int worker);
  void process(Item& item, int worker);
  // Under mutex_: moves due timers into the queue; returns the wait until the next (-1 = none).
  int64_t releaseDueTimers();
  // Under mutex_: keeps only each live handler's earliest timer.
  void compactTimersLocked();
  void pushLocked(Item item);

  EngineServices& engine_;
  EndpointRuntime& endpoint_;
  CompletionBackend& backend_;
  const int firstWorker_;
  std::vector<std::thread> workers_;
  std::atomic<bool> stopping_{false};

  std::mutex mutex_;
  std::condition_variable idle_;
  std::deque<Item> items_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::unordered_map<const void*, std::shared_ptr<CompletionHandler>> handlers_;
  bool polling_ = false;           // a worker waits in the backend
  int64_t pollUntilUs_ = -1;       // when that wait ends by itself (-1 = not by itself)
  // Handlers whose read found the pool empty, oldest first; the count is read without the lock
  // on every buffer returned, so it is an atomic ordered against the pool's own count.
  std::deque<const void*> readBufferWaiters_;
  std::atomic<size_t> readBufferWaiterCount_{0};
};

}  // namespace sockscope
