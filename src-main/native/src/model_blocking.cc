// The blocking model: a thread per connection making blocking calls, as the first servers did.
// Thread count grows with connections. Each socket has SO_RCVTIMEO/SO_SNDTIMEO set so a thread
// blocked in recv or send returns now and then to run posted commands and notice the stop; those
// returns are counted as wakeups.
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

#include "connection.h"
#include "io_model.h"
#include "listener_restart.h"
#include "sockets.h"

namespace sockscope {
namespace {

constexpr int kBlockingWakeMs = 25;
// Per connection, so smaller than the reactor's per-thread buffer: a thousand blocking
// connections must not cost a quarter of a gigabyte.
constexpr size_t kScratchBytes = 64 * 1024;

class BlockingModel final : public IoModel {
 public:
  BlockingModel(EngineServices& engine, EndpointRuntime& endpoint) : engine_(engine), endpoint_(endpoint) {}
  ~BlockingModel() override { stop(); }

  Status prepare() override {
    if (endpoint_.spec.role != Role::Server) return Status::success();
    Status status = openServerSocket(endpoint_.spec, false, &listenFd_, &endpoint_.boundAddress);
    if (status.ok()) setBlockingTimeouts(listenFd_, kBlockingWakeMs);
    return status;
  }

  Status start() override {
    if (endpoint_.spec.role == Role::Server) {
      if (endpoint_.spec.transport == Transport::Udp) {
        std::shared_ptr<Connection> connection = engine_.adopt(endpoint_, listenFd_);
        listenFd_ = -1;  // owned by its connection from now on
        return spawn([this, connection] { serve(connection); }) ? Status::success() : abandon(connection);
      }
      return spawn([this] { acceptLoop(); }) ? Status::success() : Status::fail("EAGAIN", "no thread could be started to accept connections");
    }
    for (int i = 0; i < endpoint_.spec.connections; ++i) {
      if (!spawn([this] { connectAndServe(); })) {
        return Status::fail("EAGAIN", "only " + std::to_string(i) + " of " + std::to_string(endpoint_.spec.connections) +
                                          " client threads could be started: the blocking model needs a thread per connection");
      }
    }
    return Status::success();
  }

  void stop() override {
    stopping_.store(true);
    // Threads notice within kBlockingWakeMs; threads may still be spawning, so take the list
    // under the lock each round.
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
    std::lock_guard<std::mutex> lock(restartsMutex_);
    restarts_.push_back(options);
  }

 private:
  // Starts a thread for body; false when stopping or when the system has no thread to give.
  template <typename Body>
  bool spawn(Body body) {
    std::lock_guard<std::mutex> lock(threadsMutex_);
    reapFinishedLocked();
    if (stopping_.load()) return false;
    try {
      auto slot = threads_.emplace(threads_.end());
      *slot = std::thread([this, body, slot] {
        endpoint_.counters.threads.fetch_add(1, std::memory_order_relaxed);
        body();
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

  // The accept thread owns the listener, so it alone closes and reopens it; it looks for
  // requests each time accept returns, at least every kBlockingWakeMs.
  void runListenerRestarts() {
    std::vector<SocketOptionsSpec> restarts;
    {
      std::lock_guard<std::mutex> lock(restartsMutex_);
      restarts.swap(restarts_);
    }
    for (const SocketOptionsSpec& options : restarts) {
      listenFd_ = restartListeningSocket(engine_, endpoint_, listenFd_, options, false);
      if (listenFd_ >= 0) setBlockingTimeouts(listenFd_, kBlockingWakeMs);
    }
  }

  void acceptLoop() {
    while (!stopping_.load(std::memory_order_relaxed)) {
      runListenerRestarts();
      if (listenFd_ < 0) {
        // A restart could not listen again: nothing to accept until another restart succeeds.
        std::this_thread::sleep_for(std::chrono::milliseconds(kBlockingWakeMs));
        continue;
      }
      const int fd = accept4(listenFd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) {
          endpoint_.counters.wakeups.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
        endpoint_.recordError(errnoStatus(errno, "accept"));
        std::this_thread::sleep_for(std::chrono::milliseconds(kBlockingWakeMs));
        continue;
      }
      endpoint_.counters.accepts.fetch_add(1, std::memory_order_relaxed);
      std::shared_ptr<Connection> connection = engine_.adopt(endpoint_, fd);
      if (!spawn([this, connection] { serve(connection); })) abandon(connection);
    }
  }

  void connectAndServe() {
    int fd = -1;
    bool inProgress = false;
    Status status = openClientSocket(endpoint_.spec, endpoint_.boundAddress, false, &fd, &inProgress, &stopping_, kBlockingWakeMs);
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
    serve(connection);
  }

  void serve(const std::shared_ptr<Connection>& connection) {
    setBlockingTimeouts(connection->fd(), kBlockingWakeMs);
    // Not zero-filled: every byte is written by recv before it is read.
    std::unique_ptr<uint8_t[]> scratch(new uint8_t[kScratchBytes]);
    connection->opened();
    auto& counters = endpoint_.counters;
    while (!stopping_.load(std::memory_order_relaxed)) {
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
      if (timerAtUs > 0 && connection->wantsRead() && !connection->wantsWrite()) {
        const int64_t waitUs = std::clamp<int64_t>(timerAtUs - engine_.nowUs(), 0, int64_t{kBlockingWakeMs} * 1000);
        pollfd readable{connection->fd(), POLLIN, 0};
        timespec timeout{0, static_cast<long>(waitUs) * 1000};
        if (ppoll(&readable, 1, &timeout, nullptr) == 0) {
          counters.wakeups.fetch_add(1, std::memory_order_relaxed);
          continue;
        }
      }
      IoResult wrote = IoResult::Ended;
      if (connection->wantsWrite()) {
        wrote = connection->writeOnce();
        if (wrote == IoResult::WouldBlock) counters.wakeups.fetch_add(1, std::memory_order_relaxed);
        if (wrote == IoResult::Closed || connection->closeRequested()) break;
      }
      if (connection->wantsRead()) {
        // With more to write, only take what is already there: the write must not wait behind a
        // read that may never come.
        const int flags = connection->wantsWrite() ? MSG_DONTWAIT : 0;
        const IoResult read = connection->readOnce(scratch.get(), kScratchBytes, flags);
        if (read == IoResult::WouldBlock && flags == 0) counters.wakeups.fetch_add(1, std::memory_order_relaxed);
        if (read == IoResult::Closed || connection->closeRequested()) break;
        continue;
      }
      if (wrote == IoResult::Ended) {
        // Nothing to read or write: sleep until the workload's timer or the next look at commands.
        int64_t sleepUs = int64_t{kBlockingWakeMs} * 1000;
        const int64_t nextUs = connection->nextTimerUs();
        if (nextUs > 0) sleepUs = std::clamp<int64_t>(nextUs - engine_.nowUs(), 0, sleepUs);
        std::this_thread::sleep_for(std::chrono::microseconds(sleepUs));
        counters.wakeups.fetch_add(1, std::memory_order_relaxed);
      }
    }
    connection->close();
    engine_.release(connection);
  }

  EngineServices& engine_;
  EndpointRuntime& endpoint_;
  std::atomic<bool> stopping_{false};
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
