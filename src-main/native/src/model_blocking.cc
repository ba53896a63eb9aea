// The blocking model: a thread per connection making blocking calls, as the first servers did.
// Thread count grows with connections. Work handed to a thread by another (a command, a chat
// broadcast, a listener restart, the stop) reaches it through BlockingWakers: a signal interrupts
// its blocking call, it runs what it was handed and blocks again. Those wake-ups, and waits for
// a workload's timer that ran out, are counted as wakeups; a receive or send timeout ran out is a
// would-block.
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <list>
#include <mutex>
#include <memory>
#include <system_error>
#include <thread>
#include <vector>

#include "blocking_wakers.h"
#include "connection.h"
#include "io_model.h"
#include "listener_restart.h"
#include "sockets.h"

namespace sockscope {
namespace {

// The receive timeout, a backstop only: wakes come by signal, and this bounds the rare wake lost
// just before a thread entered recv or accept (blocking_wakers.h). Long, so it shapes no latency.
constexpr int kBackstopMs = 500;
// The send timeout stays short. Two threads blocked in send to each other, each peer's receive
// buffer full because its thread is sending too, would otherwise hold each other up for the
// whole backstop: each timeout lets the thread read what arrived meanwhile (see serve()).
constexpr int kSendStepMs = 25;
// How long the accept thread waits before it tries again after accept failed (EMFILE and the like).
constexpr int kAcceptRetryMs = 25;
// The stop wakes every thread again at this interval until all have withdrawn, in case a wake
// was lost just before a blocking call.
constexpr auto kStopRewakeInterval = std::chrono::milliseconds(5);
// Per connection, so smaller than the reactor's per-thread buffer: a thousand blocking
// connections must not cost a quarter of a gigabyte.
constexpr size_t kScratchBytes = 64 * 1024;

class BlockingModel final : public IoModel {
 public:
  BlockingModel(EngineServices& engine, EndpointRuntime& endpoint) : engine_(engine), endpoint_(endpoint) {}
  ~BlockingModel() override { stop(); }

  Status prepare() override {
    Status status = wakers_.open();
    if (!status.ok() || endpoint_.spec.role != Role::Server) return status;
    status = openServerSocket(endpoint_.spec, false, &listenFd_, &endpoint_.boundAddress);
    if (status.ok()) setBlockingTimeouts(listenFd_, kBackstopMs, kBackstopMs);
    return status;
  }

  Status start() override {
    if (endpoint_.spec.role == Role::Server) {
      if (endpoint_.spec.transport == Transport::Udp) {
        std::shared_ptr<Connection> connection = engine_.adopt(endpoint_, listenFd_);
        listenFd_ = -1;  // owned by its connection from now on
        return spawn([this, connection](WakeableThread& self) { serve(self, connection); }) ? Status::success() : abandon(connection);
      }
      return spawn([this](WakeableThread& self) { acceptLoop(self); }) ? Status::success() : Status::fail("EAGAIN", "no thread could be started to accept connections");
    }
    for (int i = 0; i < endpoint_.spec.connections; ++i) {
      if (!spawn([this](WakeableThread& self) { connectAndServe(self); })) {
        return Status::fail("EAGAIN", "only " + std::to_string(i) + " of " + std::to_string(endpoint_.spec.connections) +
                                          " client threads could be started: the blocking model needs a thread per connection");
      }
    }
    return Status::success();
  }

  void stop() override {
    stopping_.store(true);
    // A thread enrolls before it first looks at stopping_, so one that enrolls after this loop
    // has seen its last enrolled thread finds stopping_ set and ends by itself.
    while (wakers_.wakeAll() > 0) std::this_thread::sleep_for(kStopRewakeInterval);
    // Threads may still be spawning, so take the list under the lock each round.
    for (;;) {
      std::thread thread;
      {
        std::lock_guard<std::mutex> lock(threadsMutex_);
        reapFinishedLocked();
        auto running = std::find_if(threads_.begin(), threads_.end(), [](const std::thread& candidate) { return candidate.joinable(); });
        if (running == threads_.end()) break;
        thread = std::move(*running);  // the slot stays, so a finishing thread still finds it
      }
      thread.join();
    }
    std::lock_guard<std::mutex> lock(threadsMutex_);
    finished_.clear();
    threads_.clear();
    if (listenFd_ >= 0) ::close(listenFd_);
    listenFd_ = -1;
  }

  void restartListener(const SocketOptionsSpec& options) override {
    {
      std::lock_guard<std::mutex> lock(restartsMutex_);
      restarts_.push_back(options);
    }
    wakers_.wake(listenerKey());
  }

 private:
  // The accept thread is found by this key when a listener restart is asked for.
  const void* listenerKey() const { return this; }

  // Starts a thread for body(self), self being the thread's wakeable record; false when stopping
  // or when the system has no thread to give.
  template <typename Body>
  bool spawn(Body body) {
    std::lock_guard<std::mutex> lock(threadsMutex_);
    reapFinishedLocked();
    if (stopping_.load()) return false;
    try {
      auto slot = threads_.emplace(threads_.end());
      *slot = std::thread([this, body, slot] {
        endpoint_.counters.threads.fetch_add(1, std::memory_order_relaxed);
        WakeableThread self;
        wakers_.enroll(self);
        body(self);
        wakers_.withdraw(self);
        endpoint_.counters.threads.fetch_sub(1, std::memory_order_relaxed);
        std::lock_guard<std::mutex> finished(threadsMutex_);
        finished_.push_back(slot);
      });
      return true;
    } catch (const std::system_error& error) {
      threads_.pop_back();
      endpoint_.recordError(Status::fail("EAGAIN", std::string("cannot start a thread: ") + error.what()));
      return false;
    }
  }

  // Joins threads that have ended, so a long run with many short connections keeps no dead
  // threads (and their stacks) around.
  void reapFinishedLocked() {
    for (auto slot : finished_) {
      if (slot->joinable()) slot->join();
      threads_.erase(slot);
    }
    finished_.clear();
  }

  Status abandon(const std::shared_ptr<Connection>& connection) {
    connection->close();
    engine_.release(connection);
    return Status::fail("EAGAIN", "no thread could be started for the connection");
  }

  // Sleeps until a wake or timeoutUs, whichever comes first; at once when a wake is pending.
  static void waitForWake(WakeableThread& self, int64_t timeoutUs) {
    if (!self.enterBlocking()) return;
    const timespec timeout = timespecOf(timeoutUs);
    ppoll(nullptr, 0, &timeout, nullptr);
    self.leaveBlocking();
  }

  static timespec timespecOf(int64_t us) { return timespec{static_cast<time_t>(us / 1000000), static_cast<long>(us % 1000000) * 1000}; }

  // The accept thread owns the listener, so it alone closes and reopens it; a restart asked for
  // wakes it out of accept.
  void runListenerRestarts() {
    std::vector<SocketOptionsSpec> restarts;
    {
      std::lock_guard<std::mutex> lock(restartsMutex_);
      restarts.swap(restarts_);
    }
    for (const SocketOptionsSpec& options : restarts) {
      listenFd_ = restartListeningSocket(engine_, endpoint_, listenFd_, options, false);
      if (listenFd_ >= 0) setBlockingTimeouts(listenFd_, kBackstopMs, kBackstopMs);
    }
  }

  void acceptLoop(WakeableThread& self) {
    wakers_.assign(self, listenerKey());
    auto& counters = endpoint_.counters;
    while (!stopping_.load()) {
      if (self.takeWake()) counters.wakeups.fetch_add(1, std::memory_order_relaxed);
      runListenerRestarts();
      if (listenFd_ < 0) {
        // A restart could not listen again: nothing to accept until another restart is asked for.
        waitForWake(self, int64_t{kBackstopMs} * 1000);
        continue;
      }
      if (!self.enterBlocking()) continue;
      const int fd = accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
      self.leaveBlocking();
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
          counters.wouldBlock.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        // EINTR: a wake, taken at the top of the loop.
        if (errno == EINTR || errno == ECONNABORTED) continue;
        endpoint_.recordError(errnoStatus(errno, "accept"));
        waitForWake(self, int64_t{kAcceptRetryMs} * 1000);
        continue;
      }
      counters.accepts.fetch_add(1, std::memory_order_relaxed);
      std::shared_ptr<Connection> connection = engine_.adopt(endpoint_, fd);
      if (!spawn([this, connection](WakeableThread& thread) { serve(thread, connection); })) abandon(connection);
    }
  }

  void connectAndServe(WakeableThread& self) {
    int fd = -1;
    bool inProgress = false;
    // Only the stop wakes a thread that is still connecting: the signal ends a blocking connect
    // with EINTR and the thread, seeing stopping_, leaves quietly.
    Status status = stopping_.load() ? Status::fail("ECANCELED", "the run stopped")
                                     : openClientSocket(endpoint_.spec, endpoint_.boundAddress, false, &fd, &inProgress, &stopping_, kBackstopMs);
    if (stopping_.load()) {
      if (status.ok()) ::close(fd);
      return;
    }
    if (!status.ok()) {
      engine_.reportError(endpoint_, 0, status);
      return;
    }
    std::shared_ptr<Connection> connection = engine_.adopt(endpoint_, fd);
    if (endpoint_.spec.transport == Transport::Udp && !endpoint_.spec.udpConnected) {
      connection->setDefaultDestination(endpoint_.boundAddress);
    }
    serve(self, connection);
  }

  void serve(WakeableThread& self, const std::shared_ptr<Connection>& connection) {
    wakers_.assign(self, connection.get());
    connection->setWaker(&wakers_);
    setBlockingTimeouts(connection->fd(), kBackstopMs, kSendStepMs);
    // Not zero-filled: every byte is written by recv before it is read.
    std::unique_ptr<uint8_t[]> scratch(new uint8_t[kScratchBytes]);
    connection->opened();
    auto& counters = endpoint_.counters;
    // Before each blocking call the thread looks at its pending wake once more: a signal that came
    // before the call would not interrupt it.
    while (!stopping_.load()) {
      if (self.takeWake()) counters.wakeups.fetch_add(1, std::memory_order_relaxed);
      connection->runCommands();
      if (connection->closeRequested()) break;
      int64_t timerAtUs = connection->nextTimerUs();
      if (timerAtUs > 0 && timerAtUs <= engine_.nowUs()) {
        connection->onTimer();
        timerAtUs = connection->nextTimerUs();
      }
      // A blocking read must return in time for the workload's next timer (a paced sender).
      // SO_RCVTIMEO counts in scheduler ticks (4 ms at HZ=250), too coarse for that, so with a
      // timer pending the thread first waits in ppoll, which sleeps on a high-resolution timer.
      bool readable = false;
      if (timerAtUs > 0 && connection->wantsRead() && !connection->wantsWrite()) {
        const int64_t waitUs = std::clamp<int64_t>(timerAtUs - engine_.nowUs(), 0, int64_t{kBackstopMs} * 1000);
        pollfd wanted{connection->fd(), POLLIN, 0};
        const timespec timeout = timespecOf(waitUs);
        if (!self.enterBlocking()) continue;
        const int ready = ppoll(&wanted, 1, &timeout, nullptr);
        self.leaveBlocking();
        if (ready == 0) countTimerWakeup(*connection);
        // Nothing to read yet, or a wake (EINTR): back to the top.
        if (ready <= 0) continue;
        readable = true;
      }
      IoResult wrote = IoResult::Ended;
      if (connection->wantsWrite()) {
        // A blocking send waits while the kernel's send buffer is full.
        if (!self.enterBlocking()) continue;
        wrote = connection->writeOnce();
        self.leaveBlocking();
        if (wrote == IoResult::Closed || connection->closeRequested()) break;
      }
      if (connection->wantsRead()) {
        // With more to write, only take what is already there: the write must not wait behind a
        // read that may never come.
        const int flags = connection->wantsWrite() ? MSG_DONTWAIT : 0;
        // The one read that waits: nothing is known to be there and nothing waits to be written.
        const bool mayBlock = flags == 0 && !readable;
        // The write just made may have set a timer (a paced sender's next turn): back to the
        // top, which waits for it in ppoll, rather than into a recv that would outlast it.
        if (mayBlock && connection->nextTimerUs() > 0) continue;
        if (mayBlock && !self.enterBlocking()) continue;
        const IoResult read = connection->readOnce(scratch.get(), kScratchBytes, flags);
        if (mayBlock) self.leaveBlocking();
        if (read == IoResult::Closed || connection->closeRequested()) break;
        continue;
      }
      if (wrote == IoResult::Ended) {
        // Nothing to read or write: sleep until the workload's timer or a wake.
        int64_t sleepUs = int64_t{kBackstopMs} * 1000;
        const int64_t nextUs = connection->nextTimerUs();
        if (nextUs > 0) sleepUs = std::clamp<int64_t>(nextUs - engine_.nowUs(), 0, sleepUs);
        waitForWake(self, sleepUs);
        countTimerWakeup(*connection);
      }
    }
    // No wake may cut a lingering close short: the thread takes no more from here on.
    wakers_.withdraw(self);
    connection->setWaker(nullptr);
    connection->close();
    engine_.release(connection);
  }

  // A wait that ended because the workload's timer fell due counts as a wakeup, as a reactor's
  // timed-out wait does; one that ran into the backstop does not.
  void countTimerWakeup(Connection& connection) {
    const int64_t timerAtUs = connection.nextTimerUs();
    if (timerAtUs > 0 && timerAtUs <= engine_.nowUs()) endpoint_.counters.wakeups.fetch_add(1, std::memory_order_relaxed);
  }

  EngineServices& engine_;
  EndpointRuntime& endpoint_;
  std::atomic<bool> stopping_{false};
  BlockingWakers wakers_;
  int listenFd_ = -1;  // after start(), the accept thread's alone
  std::mutex restartsMutex_;
  std::vector<SocketOptionsSpec> restarts_;
  std::mutex threadsMutex_;
  std::list<std::thread> threads_;
  std::vector<std::list<std::thread>::iterator> finished_;
};

}  // namespace

std::unique_ptr<IoModel> createBlockingModel(EngineServices& engine, EndpointRuntime& endpoint) {
  return std::make_unique<BlockingModel>(engine, endpoint);
}

}  // namespace sockscope
