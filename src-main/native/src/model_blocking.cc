// The blocking model: a thread per connection making blocking calls, as the first servers did.
// Thread count grows with connections. Each socket has SO_RCVTIMEO/SO_SNDTIMEO set so a thread
// blocked in recv or send returns now and then to run posted commands and notice the stop; those
// returns are counted as wakeups.
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <list>
#include <mutex>
#include <thread>

#include "connection.h"
#include "io_model.h"
#include "sockets.h"

namespace sockscope {
namespace {

constexpr int kBlockingWakeMs = 25;
constexpr size_t kScratchBytes = 256 * 1024;

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
        const int fd = listenFd_;
        listenFd_ = -1;  // owned by its connection from now on
        spawn([this, fd] { serve(engine_.adopt(endpoint_, fd)); });
      } else {
        spawn([this] { acceptLoop(); });
      }
      return Status::success();
    }
    for (int i = 0; i < endpoint_.spec.connections; ++i) spawn([this] { connectAndServe(); });
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
        if (threads_.empty()) break;
        thread = std::move(threads_.front());
        threads_.pop_front();
      }
      if (thread.joinable()) thread.join();
    }
    if (listenFd_ >= 0) ::close(listenFd_);
    listenFd_ = -1;
  }

 private:
  template <typename Body>
  void spawn(Body body) {
    std::lock_guard<std::mutex> lock(threadsMutex_);
    if (stopping_.load()) return;
    threads_.emplace_back([this, body] {
      endpoint_.counters.threads.fetch_add(1, std::memory_order_relaxed);
      body();
      endpoint_.counters.threads.fetch_sub(1, std::memory_order_relaxed);
    });
  }

  void acceptLoop() {
    while (!stopping_.load(std::memory_order_relaxed)) {
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
      spawn([this, connection] { serve(connection); });
    }
  }

  void connectAndServe() {
    int fd = -1;
    bool inProgress = false;
    Status status = openClientSocket(endpoint_.spec, endpoint_.boundAddress, false, &fd, &inProgress);
    if (!status.ok()) {
      endpoint_.recordError(status);
      EngineEvent event;
      event.atUs = engine_.nowUs();
      event.endpoint = endpoint_.index;
      event.type = EventType::Error;
      event.code = status.code;
      event.message = status.message;
      engine_.emit(std::move(event));
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
    std::vector<uint8_t> scratch(kScratchBytes);
    connection->opened();
    auto& counters = endpoint_.counters;
    while (!stopping_.load(std::memory_order_relaxed)) {
      connection->runCommands();
      if (connection->closeRequested()) break;
      const int64_t timerAtUs = connection->nextTimerUs();
      if (timerAtUs > 0 && timerAtUs <= engine_.nowUs()) connection->onTimer();
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
        const IoResult read = connection->readOnce(scratch.data(), scratch.size(), flags);
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
  int listenFd_ = -1;
  std::mutex threadsMutex_;
  std::list<std::thread> threads_;
};

}  // namespace

std::unique_ptr<IoModel> createBlockingModel(EngineServices& engine, EndpointRuntime& endpoint) {
  return std::make_unique<BlockingModel>(engine, endpoint);
}

}  // namespace sockscope
