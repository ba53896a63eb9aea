#include "completion_queue.h"

#include <algorithm>
#include <map>

#include "clock.h"

namespace sockscope {
namespace {

// Items a worker runs before it hands what they posted to the kernel.
constexpr int kItemsPerFlush = 16;
// Superseded timers stay in the heap until due; past this many per handler (plus a few) the heap
// is compacted to each handler's earliest, so it stays bounded by the handlers, as the reactor's.
constexpr size_t kTimersPerHandler = 4;
constexpr size_t kTimersAlways = 64;

}  // namespace

CompletionQueue::CompletionQueue(EngineServices& engine, EndpointRuntime& endpoint, CompletionBackend& backend, int firstWorker)
    : engine_(engine), endpoint_(endpoint), backend_(backend), firstWorker_(firstWorker) {}

CompletionQueue::~CompletionQueue() {
  stop();
  endpoint_.model.readsWaitingForBuffer.fetch_sub(static_cast<int64_t>(readBufferWaiters_.size()), std::memory_order_relaxed);
  endpoint_.model.timersQueuedChanged(-static_cast<int64_t>(timers_.size()));
}

void CompletionQueue::start(int workers) {
  for (int i = 0; i < workers; ++i) workers_.emplace_back([this, i] { workerLoop(firstWorker_ + i); });
}

void CompletionQueue::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_.exchange(true, std::memory_order_acq_rel)) {
      for (auto& [key, handler] : handlers_) pushLocked(Item{ItemKind::Wake, nullptr, handler, {}});
    }
  }
  idle_.notify_all();
  backend_.interrupt();
  for (std::thread& worker : workers_) {
    if (worker.joinable()) worker.join();
  }
  workers_.clear();
}

void CompletionQueue::registerHandler(const void* key, std::shared_ptr<CompletionHandler> handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  handlers_[key] = std::move(handler);
}

void CompletionQueue::unregisterHandler(const void* key) {
  bool last = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    handlers_.erase(key);
    last = handlers_.empty() && stopping_.load(std::memory_order_relaxed);
  }
  if (last) {
    // The workers may end now; one of them may be waiting in the kernel.
    idle_.notify_all();
    backend_.interrupt();
  }
}

void CompletionQueue::wakeHandler(const void* key) {
  bool interrupt = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = handlers_.find(key);
    if (found == handlers_.end()) return;
    pushLocked(Item{ItemKind::Wake, nullptr, found->second, {}});
    interrupt = polling_;
  }
  idle_.notify_one();
  if (interrupt) backend_.interrupt();
}

void CompletionQueue::pushCompleted(Operation* operation, std::shared_ptr<CompletionHandler> owner) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pushLocked(Item{ItemKind::Completion, operation, std::move(owner), {}});
  }
  // The worker that posted comes back for more; another idle one may take it sooner.
  idle_.notify_one();
}

void CompletionQueue::schedule(const std::shared_ptr<CompletionHandler>& handler, int64_t atUs) {
  bool interrupt = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    timers_.push(Timer{atUs, handler});
    endpoint_.model.timersQueuedChanged(1);
    if (timers_.size() > kTimersPerHandler * handlers_.size() + kTimersAlways) compactTimersLocked();
    interrupt = polling_ && (pollUntilUs_ < 0 || atUs < pollUntilUs_);
  }
  if (interrupt) backend_.interrupt();
}

void CompletionQueue::run(std::function<void()> task) {
  bool interrupt = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    pushLocked(Item{ItemKind::Task, nullptr, nullptr, std::move(task)});
    interrupt = polling_;
  }
  idle_.notify_one();
  if (interrupt) backend_.interrupt();
}

bool CompletionQueue::waitForReadBuffer(const void* key) {
  std::lock_guard<std::mutex> lock(mutex_);
  // Counted before the pool is looked at, and a returner looks at the count after the pool: one
  // of the two sees the other, so no buffer comes back unnoticed while a handler waits.
  readBufferWaiterCount_.fetch_add(1);
  if (backend_.poolBufferFree()) {
    readBufferWaiterCount_.fetch_sub(1);
    return false;
  }
  readBufferWaiters_.push_back(key);
  endpoint_.model.readsWaitingForBuffer.fetch_add(1, std::memory_order_relaxed);
  return true;
}

void CompletionQueue::readBufferReturned() {
  if (readBufferWaiterCount_.load() == 0) return;
  bool woke = false;
  bool interrupt = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    while (!woke && !readBufferWaiters_.empty()) {
      const void* key = readBufferWaiters_.front();
      readBufferWaiters_.pop_front();
      readBufferWaiterCount_.fetch_sub(1);
      endpoint_.model.readsWaitingForBuffer.fetch_sub(1, std::memory_order_relaxed);
      // A handler that finished meanwhile gives its turn to the next.
      auto found = handlers_.find(key);
      if (found == handlers_.end()) continue;
      pushLocked(Item{ItemKind::ReadBufferFree, nullptr, found->second, {}});
      woke = true;
      interrupt = polling_;
    }
  }
  if (woke) idle_.notify_one();
  if (interrupt) backend_.interrupt();
}

void CompletionQueue::pushLocked(Item item) {
  // Wake-ups and tasks (a command, an accepted socket to adopt, a stop) go ahead of completions:
  // under a stream of completions a new connection or a command would otherwise wait its turn
  // behind all of them. A freed read buffer goes behind them, in the order buffers came back.
  if (item.kind == ItemKind::Wake || item.kind == ItemKind::Task) items_.push_front(std::move(item));
  else items_.push_back(std::move(item));
  endpoint_.model.completionQueueDepth.fetch_add(1, std::memory_order_relaxed);
}

void CompletionQueue::compactTimersLocked() {
  // A handler's earliest timer is the one it waits for: a later one was superseded (a session
  // schedules only when its next deadline moves earlier), and once the earliest fires the handler
  // schedules its next itself. Timers of handlers that are gone go too, and with them the memory
  // their weak references kept.
  // Keyed by the weak reference itself, so no handler is locked (and perhaps destroyed) here.
  std::map<std::weak_ptr<CompletionHandler>, Timer, std::owner_less<>> earliest;
  const size_t before = timers_.size();
  while (!timers_.empty()) {
    Timer timer = timers_.top();
    timers_.pop();
    if (!timer.handler.expired()) earliest.try_emplace(timer.handler, std::move(timer));
  }
  std::vector<Timer> kept;
  kept.reserve(earliest.size());
  for (auto& [handler, timer] : earliest) kept.push_back(std::move(timer));
  timers_ = std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>>(std::greater<Timer>(), std::move(kept));
  endpoint_.model.timersQueuedChanged(static_cast<int64_t>(timers_.size()) - static_cast<int64_t>(before));
}

int64_t CompletionQueue::releaseDueTimers() {
  if (timers_.empty()) return -1;
  const int64_t now = engine_.nowUs();
  while (!timers_.empty() && timers_.top().atUs <= now) {
    std::shared_ptr<CompletionHandler> handler = timers_.top().handler.lock();
    const int64_t atUs = timers_.top().atUs;
    timers_.pop();
    endpoint_.model.timersQueuedChanged(-1);
    if (handler) pushLocked(Item{ItemKind::Timer, nullptr, std::move(handler), {}, atUs});
  }
  return timers_.empty() ? -1 : timers_.top().atUs - now;
}

void CompletionQueue::workerLoop(int worker) {
  endpoint_.counters.threads.fetch_add(1, std::memory_order_relaxed);
  WorkerCounters& counters = endpoint_.model.worker(worker);
  std::vector<Operation*> completed;
  int sinceFlush = 0;
  std::unique_lock<std::mutex> lock(mutex_);
  int64_t busySinceUs = monotonicNowUs();
  for (;;) {
    const int64_t waitUs = releaseDueTimers();
    if (!items_.empty()) {
      Item item = std::move(items_.front());
      items_.pop_front();
      endpoint_.model.completionQueueDepth.fetch_sub(1, std::memory_order_relaxed);
      lock.unlock();
      process(item, worker);
      if (item.kind == ItemKind::Completion) counters.completions.fetch_add(1, std::memory_order_relaxed);
      item = Item{};  // drops the handler reference outside the lock
      // What the items posted goes to the kernel in batches, but never waits long for it.
      if (++sinceFlush >= kItemsPerFlush) {
        backend_.flush();
        sinceFlush = 0;
      }
      lock.lock();
      continue;
    }
    if (sinceFlush > 0) {
      lock.unlock();
      backend_.flush();
      sinceFlush = 0;
      lock.lock();
      continue;  // items may have come meanwhile
    }
    if (stopping_.load(std::memory_order_relaxed) && handlers_.empty()) break;
    const int64_t nowUs = monotonicNowUs();
    counters.busyUs.fetch_add(static_cast<uint64_t>(std::max<int64_t>(0, nowUs - busySinceUs)), std::memory_order_relaxed);
    if (polling_) {
      idle_.wait(lock);
    } else {
      polling_ = true;
      pollUntilUs_ = waitUs < 0 ? -1 : engine_.nowUs() + waitUs;
      lock.unlock();
      completed.clear();
      const bool ok = backend_.wait(std::min<int64_t>(waitUs < 0 ? 60 * 1000000 : waitUs, 60 * 1000000), &completed);
      endpoint_.counters.wakeups.fetch_add(1, std::memory_order_relaxed);
      if (!ok) endpoint_.recordError(errnoStatus(errno, std::string("waiting for completions (") + backend_.name() + ")"));
      lock.lock();
      polling_ = false;
      for (Operation* operation : completed) {
        // A handler stays registered while it has operations pending, so it is alive here; the
        // item holds it from now on, as the handler may unregister while it runs.
        auto* owner = static_cast<CompletionHandler*>(operation->owner);
        pushLocked(Item{ItemKind::Completion, operation, owner->shared_from_this(), {}});
      }
      if (!completed.empty()) idle_.notify_all();
    }
    busySinceUs = monotonicNowUs();
  }
  endpoint_.counters.threads.fetch_sub(1, std::memory_order_relaxed);
}

void CompletionQueue::process(Item& item, int worker) {
  if (item.kind == ItemKind::Task) {
    item.task();
    return;
  }
  CompletionHandler* handler = item.handler.get();
  std::lock_guard<std::mutex> serial(handler->serial);
  switch (item.kind) {
    case ItemKind::Completion:
      endpoint_.model.completions.fetch_add(1, std::memory_order_relaxed);
      handler->onCompletion(*item.operation);
      break;
    case ItemKind::Timer:
      handler->onTimer(item.atUs);
      break;
    case ItemKind::Wake:
      handler->onWake();
      break;
    case ItemKind::ReadBufferFree:
      handler->onReadBufferFree();
      break;
    case ItemKind::Task:
      break;
  }
}

}  // namespace sockscope
