#include "reactor.h"

#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <mutex>
#include <queue>
#include <thread>
#include <unordered_map>

#include "clock.h"
#include "connection.h"
#include "listener_restart.h"
#include "proxy_link.h"
#include "socket_options.h"
#include "sockets.h"

namespace sockscope {
namespace {

// How many reads or writes one connection gets per readiness event before others have a turn.
constexpr int kCallsPerTurn = 16;
// Accepts per listener readiness event.
constexpr int kAcceptsPerTurn = 64;
constexpr size_t kScratchBytes = 256 * 1024;
// How long a listener rests after accept ran out of descriptors.
constexpr int64_t kAcceptRetryUs = 25000;

class ReactorThread final : public Waker {
 public:
  ReactorThread(EngineServices& engine, EndpointRuntime& endpoint, std::unique_ptr<Poller> poller)
      : engine_(engine), endpoint_(endpoint), poller_(std::move(poller)), scratch_(kScratchBytes) {}

  ~ReactorThread() override {
    if (wakeFd_ >= 0) ::close(wakeFd_);
  }

  Status init() {
    wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd_ < 0) return errnoStatus(errno, "eventfd");
    return poller_->add(wakeFd_, true, false);
  }

  // Before start(): this thread accepts on the listener, or serves the UDP socket.
  void setListener(int fd) { listenFd_ = fd; }
  // After the thread has stopped (or before it started): the listener it holds, -1 when a
  // restart could not listen again.
  int listener() const { return listenFd_; }

  // From any thread: close the TCP listener and listen again (IoModel::restartListener).
  void requestListenerRestart(const SocketOptionsSpec& options) {
    {
      std::lock_guard<std::mutex> lock(handoffMutex_);
      listenerRestarts_.push_back(options);
    }
    signal();
  }
  // Before start(): a client connection this thread opens.
  void addClientSlot() { ++clientSlots_; }

  void start() { thread_ = std::thread([this] { run(); }); }

  void stop() {
    stopping_.store(true);
    signal();
    if (thread_.joinable()) thread_.join();
  }

  // Called from another thread of the endpoint: take over an accepted socket.
  void handOver(int fd) {
    {
      std::lock_guard<std::mutex> lock(handoffMutex_);
      handoffs_.push_back(fd);
    }
    signal();
  }

  // Waker: a command was posted to one of our connections.
  void wake(Connection& connection) override {
    {
      std::lock_guard<std::mutex> lock(handoffMutex_);
      woken_.push_back(connection.fd());
    }
    signal();
  }

  std::function<void(int)> distribute;  // where accepted sockets go (round-robin over threads)

 private:
  enum class Kind { Listener, Connecting, Open };
  struct Entry {
    Kind kind = Kind::Open;
    std::shared_ptr<Connection> connection;
    bool wantRead = false;
    bool wantWrite = false;
    bool registered = false;  // in the poller; a socket that wants nothing is taken out, so
                              // a hang-up cannot wake the thread again and again
    int64_t timerAtUs = 0;
    int peerFd = -1;  // proxies: the other connection of the pair, settled along with this one
  };
  struct Timer {
    int64_t atUs;
    int fd;
    std::weak_ptr<Connection> connection;
    bool operator>(const Timer& other) const { return atUs > other.atUs; }
  };

  void signal() {
    const uint64_t one = 1;
    ssize_t ignored = write(wakeFd_, &one, sizeof one);
    (void)ignored;
  }

  void run() {
    endpoint_.counters.threads.fetch_add(1, std::memory_order_relaxed);
    if (listenFd_ >= 0) startListener();
    for (int i = 0; i < clientSlots_; ++i) startClient();
    std::vector<Readiness> ready;
    while (!stopping_.load(std::memory_order_relaxed)) {
      runDueTimers();
      resumeListener();
      ready.clear();
      if (!poller_->wait(timeoutUs(), &ready)) {
        endpoint_.recordError(errnoStatus(errno, "waiting for readiness"));
        break;
      }
      endpoint_.counters.wakeups.fetch_add(1, std::memory_order_relaxed);
      for (const Readiness& event : ready) dispatch(event);
    }
    closeAll();
    endpoint_.counters.threads.fetch_sub(1, std::memory_order_relaxed);
  }

  int64_t timeoutUs() {
    int64_t nextUs = timers_.empty() ? -1 : timers_.top().atUs;
    if (listenerPausedUntilUs_ > 0 && (nextUs < 0 || listenerPausedUntilUs_ < nextUs)) nextUs = listenerPausedUntilUs_;
    if (nextUs < 0) return -1;
    return std::clamp<int64_t>(nextUs - engine_.nowUs(), 0, 60 * 1000000);
  }

  void startListener() {
    Entry entry;
    if (endpoint_.spec.transport == Transport::Udp) {
      // A UDP server is one socket that all peers share.
      entry.connection = engine_.adopt(endpoint_, listenFd_);
      entry.connection->setWaker(this);
      entries_[listenFd_] = entry;
      if (!watch(listenFd_)) return;
      entry.connection->opened();
      settle(listenFd_);
      return;
    }
    entry.kind = Kind::Listener;
    entries_[listenFd_] = entry;
    Status status = poller_->add(listenFd_, true, false);
    if (!status.ok()) endpoint_.recordError(status);
  }

  void startClient() {
    int fd = -1;
    bool inProgress = false;
    Status status = openClientSocket(endpoint_.spec, endpoint_.boundAddress, true, &fd, &inProgress);
    if (!status.ok()) {
      engine_.reportError(endpoint_, 0, status);
      return;
    }
    Entry entry;
    entry.connection = engine_.adopt(endpoint_, fd);
    entry.connection->setWaker(this);
    if (endpoint_.spec.transport == Transport::Udp && !endpoint_.spec.udpConnected) {
      entry.connection->setDefaultDestination(endpoint_.boundAddress);
    }
    entry.kind = inProgress ? Kind::Connecting : Kind::Open;
    entries_[fd] = entry;
    if (inProgress) {
      Status added = poller_->add(fd, false, true);
      if (!added.ok()) refuse(fd, added);
      return;
    }
    if (!watch(fd)) return;
    entry.connection->opened();
    settle(fd);
  }

  // Registers an open connection with the poller; a poller that cannot take it refuses it.
  bool watch(int fd) {
    Entry& entry = entries_[fd];
    entry.wantRead = true;
    entry.wantWrite = false;
    Status status = poller_->add(fd, true, false);
    entry.registered = status.ok();
    if (status.ok()) return true;
    refuse(fd, status);
    return false;
  }

  void refuse(int fd, const Status& status) {
    endpoint_.counters.connectionsRefused.fetch_add(1, std::memory_order_relaxed);
    auto found = entries_.find(fd);
    std::shared_ptr<Connection> connection = found == entries_.end() ? nullptr : found->second.connection;
    const int peerFd = found == entries_.end() ? -1 : found->second.peerFd;
    forget(fd);
    if (!connection) {
      endpoint_.recordError(status);
      ::close(fd);
      return;
    }
    engine_.reportError(endpoint_, connection->id, status);
    connection->close();
    engine_.release(connection);
    if (peerFd >= 0) settle(peerFd);
  }

  void adoptHandoffs() {
    std::vector<int> handoffs;
    std::vector<int> woken;
    std::vector<SocketOptionsSpec> restarts;
    {
      std::lock_guard<std::mutex> lock(handoffMutex_);
      handoffs.swap(handoffs_);
      woken.swap(woken_);
      restarts.swap(listenerRestarts_);
    }
    for (const SocketOptionsSpec& options : restarts) restartListener(options);
    for (int fd : handoffs) adoptAccepted(fd);
    for (int fd : woken) {
      if (entries_.count(fd)) settle(fd);
    }
  }

  void adoptAccepted(int fd) {
    if (endpoint_.spec.role == Role::Proxy) {
      adoptProxied(fd);
      return;
    }
    Entry entry;
    entry.connection = engine_.adopt(endpoint_, fd);
    entry.connection->setWaker(this);
    entries_[fd] = entry;
    if (!watch(fd)) return;
    entry.connection->opened();
    settle(fd);
  }

  // A proxy pairs each accepted connection with one it opens to the upstream, on this thread.
  void adoptProxied(int fd) {
    const uint64_t ordinal = endpoint_.proxy.connectionsProxied.fetch_add(1, std::memory_order_relaxed);
    // Accepted sockets take the endpoint's options too (TCP_NODELAY by default for a proxy), so
    // the slicer's pieces leave as separate segments both ways.
    Status applied = applySocketOptions(fd, Transport::Tcp, endpoint_.spec.options);
    if (!applied.ok()) endpoint_.recordError(applied);
    auto link = std::make_shared<ProxyLink>(endpoint_, ordinal);
    Entry client;
    client.connection = engine_.adopt(endpoint_, fd, link->workloadFor(ProxySide::Client));
    client.connection->setWaker(this);
    entries_[fd] = client;
    if (!watch(fd)) return;
    client.connection->opened();
    int upstreamFd = -1;
    bool inProgress = false;
    Status status = openClientSocket(endpoint_.spec, endpoint_.upstreamAddress, true, &upstreamFd, &inProgress);
    if (!status.ok()) {
      engine_.reportError(endpoint_, client.connection->id, status);
      upstreamFailed(fd, status);
      settle(fd);
      return;
    }
    Entry upstream;
    upstream.connection = engine_.adopt(endpoint_, upstreamFd, link->workloadFor(ProxySide::Server));
    upstream.connection->setWaker(this);
    upstream.kind = inProgress ? Kind::Connecting : Kind::Open;
    upstream.peerFd = fd;
    entries_[upstreamFd] = upstream;
    entries_[fd].peerFd = upstreamFd;
    if (inProgress) {
      Status added = poller_->add(upstreamFd, false, true);
      if (!added.ok()) refuse(upstreamFd, added);
    } else if (watch(upstreamFd)) {
      upstream.connection->opened();
    }
    settle(fd);
  }

  // The upstream could not be reached: the client's side closes abortively, so the client sees
  // the failure at once, with the upstream's address and errno as the reason.
  void upstreamFailed(int clientFd, const Status& status) {
    endpoint_.proxy.upstreamConnectFailures.fetch_add(1, std::memory_order_relaxed);
    auto found = entries_.find(clientFd);
    if (found == entries_.end()) return;
    found->second.connection->closeWithReason(true, status.code, "upstream " + status.message);
  }

  void dispatch(const Readiness& event) {
    if (event.fd == wakeFd_) {
      uint64_t count = 0;
      ssize_t ignored = read(wakeFd_, &count, sizeof count);
      (void)ignored;
      adoptHandoffs();
      return;
    }
    auto found = entries_.find(event.fd);
    if (found == entries_.end()) return;  // closed earlier in this pass
    Entry& entry = found->second;
    switch (entry.kind) {
      case Kind::Listener:
        acceptSome();
        return;
      case Kind::Connecting: {
        // A proxy's connecting sockets go to its upstream; a client's to its target.
        Status status = finishConnect(event.fd, endpoint_.spec.role == Role::Proxy ? endpoint_.upstreamAddress : endpoint_.boundAddress);
        poller_->remove(event.fd);
        if (!status.ok()) {
          engine_.reportError(endpoint_, entry.connection->id, status);
          std::shared_ptr<Connection> connection = entry.connection;
          const int peerFd = entry.peerFd;
          forget(event.fd);
          if (peerFd >= 0) upstreamFailed(peerFd, status);
          connection->close();
          engine_.release(connection);
          if (peerFd >= 0) settle(peerFd);
          return;
        }
        entry.kind = Kind::Open;
        std::shared_ptr<Connection> connection = entry.connection;
        if (!watch(event.fd)) return;
        connection->opened();
        settle(event.fd);
        return;
      }
      case Kind::Open:
        serve(event);
        return;
    }
  }

  void acceptSome() {
    for (int i = 0; i < kAcceptsPerTurn; ++i) {
      const int fd = accept4(listenFd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR || errno == ECONNABORTED) return;
        // Out of descriptors, most often. The listener stays readable while the backlog waits,
        // so it leaves the poller for a while instead of waking this thread in a loop.
        endpoint_.recordError(errnoStatus(errno, "accept"));
        poller_->remove(listenFd_);
        listenerPausedUntilUs_ = engine_.nowUs() + kAcceptRetryUs;
        return;
      }
      endpoint_.counters.accepts.fetch_add(1, std::memory_order_relaxed);
      distribute(fd);
    }
  }

  void restartListener(const SocketOptionsSpec& options) {
    if (listenFd_ >= 0) {
      poller_->remove(listenFd_);
      entries_.erase(listenFd_);
    }
    listenerPausedUntilUs_ = 0;
    listenFd_ = restartListeningSocket(engine_, endpoint_, listenFd_, options, true);
    if (listenFd_ < 0) return;
    Entry entry;
    entry.kind = Kind::Listener;
    entries_[listenFd_] = entry;
    Status status = poller_->add(listenFd_, true, false);
    if (!status.ok()) endpoint_.recordError(status);
  }

  void resumeListener() {
    if (listenerPausedUntilUs_ == 0 || engine_.nowUs() < listenerPausedUntilUs_) return;
    listenerPausedUntilUs_ = 0;
    Status status = poller_->add(listenFd_, true, false);
    if (!status.ok()) endpoint_.recordError(status);
  }

  void serve(const Readiness& event) {
    std::shared_ptr<Connection> connection = entries_[event.fd].connection;
    if ((event.readable || event.failed) && connection->wantsRead()) {
      for (int i = 0; i < kCallsPerTurn; ++i) {
        IoResult result = connection->readOnce(scratch_.data(), scratch_.size());
        if (result != IoResult::Progress || !connection->wantsRead()) break;
      }
    }
    if ((event.writable || event.failed) && !connection->closeRequested()) {
      for (int i = 0; i < kCallsPerTurn && connection->wantsWrite(); ++i) {
        if (connection->writeOnce() != IoResult::Progress) break;
      }
    }
    settle(event.fd);
  }

  // After anything happened to a connection: run its commands, close it if asked, and bring
  // the poller's interest and the timer up to date. A proxied connection's pair is settled with
  // it: what one side read may have given the other something to write, and what one side wrote
  // may let the other read again.
  void settle(int fd) {
    auto found = entries_.find(fd);
    const int peerFd = found == entries_.end() ? -1 : found->second.peerFd;
    settleOne(fd);
    if (peerFd < 0) return;
    // Settling one side can change the other: a write that drained its queue lets the other side
    // read again or pass a FIN on, a close closes the other. Settle them in turn until a round in
    // which neither wrote nor closed (bounded: each round moves bytes or ends something).
    for (int round = 0; round < 8; ++round) {
      const bool peerMoved = settleOne(peerFd);
      const bool moved = settleOne(fd);
      if (!peerMoved && !moved) break;
    }
  }

  // Drops an entry, and its pair's reference to it (the descriptor may be reused).
  void forget(int fd) {
    auto found = entries_.find(fd);
    if (found == entries_.end()) return;
    if (found->second.peerFd >= 0) {
      auto peer = entries_.find(found->second.peerFd);
      if (peer != entries_.end() && peer->second.peerFd == fd) peer->second.peerFd = -1;
    }
    entries_.erase(found);
  }

  // Returns whether it wrote or closed the connection, which may change a proxied peer.
  bool settleOne(int fd) {
    auto found = entries_.find(fd);
    if (found == entries_.end()) return false;
    Entry& entry = found->second;
    if (entry.kind != Kind::Open) return false;
    std::shared_ptr<Connection> connection = entry.connection;
    connection->runCommands();
    bool moved = false;
    // Writes a command or timer queued go out now rather than after another wait.
    if (connection->wantsWrite() && !entry.wantWrite) {
      for (int i = 0; i < kCallsPerTurn && connection->wantsWrite(); ++i) {
        if (connection->writeOnce() != IoResult::Progress) break;
        moved = true;
      }
    }
    if (connection->closeRequested() || connection->closed()) {
      if (entry.registered) poller_->remove(fd);
      forget(fd);
      connection->close();
      engine_.release(connection);
      return true;
    }
    const bool wantRead = connection->wantsRead();
    const bool wantWrite = connection->wantsWrite();
    if (!wantRead && !wantWrite) {
      if (entry.registered) poller_->remove(fd);
      entry.registered = false;
    } else if (!entry.registered) {
      entry.registered = poller_->add(fd, wantRead, wantWrite).ok();
    } else if (wantRead != entry.wantRead || wantWrite != entry.wantWrite) {
      poller_->modify(fd, wantRead, wantWrite);
    }
    entry.wantRead = wantRead;
    entry.wantWrite = wantWrite;
    const int64_t timerAtUs = connection->nextTimerUs();
    if (timerAtUs > 0 && (entry.timerAtUs == 0 || timerAtUs < entry.timerAtUs)) {
      entry.timerAtUs = timerAtUs;
      timers_.push(Timer{timerAtUs, fd, connection});
      if (timers_.size() > 4 * entries_.size() + 64) compactTimers();
    }
    return moved;
  }

  // Superseded timers stay in the heap until they come due; when they pile up (a paced sender
  // moving its timer earlier again and again), keep only each connection's current one.
  void compactTimers() {
    std::vector<Timer> current;
    for (auto& [fd, entry] : entries_) {
      if (entry.timerAtUs > 0 && entry.connection) current.push_back(Timer{entry.timerAtUs, fd, entry.connection});
    }
    timers_ = std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>>(std::greater<Timer>(), std::move(current));
  }

  void runDueTimers() {
    const int64_t now = engine_.nowUs();
    while (!timers_.empty() && timers_.top().atUs <= now) {
      Timer timer = timers_.top();
      timers_.pop();
      std::shared_ptr<Connection> connection = timer.connection.lock();
      auto found = entries_.find(timer.fd);
      if (!connection || found == entries_.end() || found->second.connection != connection) continue;
      if (found->second.timerAtUs == timer.atUs) found->second.timerAtUs = 0;
      connection->onTimer();
      settle(timer.fd);
    }
  }

  void closeAll() {
    for (auto& [fd, entry] : entries_) {
      if (entry.registered || entry.kind != Kind::Open) poller_->remove(fd);
      if (entry.connection) {
        entry.connection->close();
        engine_.release(entry.connection);
      } else if (fd != listenFd_) {
        ::close(fd);
      }
    }
    entries_.clear();
    std::lock_guard<std::mutex> lock(handoffMutex_);
    for (int fd : handoffs_) ::close(fd);
    handoffs_.clear();
  }

  EngineServices& engine_;
  EndpointRuntime& endpoint_;
  std::unique_ptr<Poller> poller_;
  std::vector<uint8_t> scratch_;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  int wakeFd_ = -1;
  int listenFd_ = -1;
  int64_t listenerPausedUntilUs_ = 0;
  int clientSlots_ = 0;
  std::unordered_map<int, Entry> entries_;
  std::priority_queue<Timer, std::vector<Timer>, std::greater<Timer>> timers_;
  std::mutex handoffMutex_;
  std::vector<int> handoffs_;
  std::vector<int> woken_;
  std::vector<SocketOptionsSpec> listenerRestarts_;
};

class ReactorModel final : public IoModel {
 public:
  ReactorModel(EngineServices& engine, EndpointRuntime& endpoint, PollerFactory makePoller, int maxThreads)
      : engine_(engine), endpoint_(endpoint), makePoller_(std::move(makePoller)), maxThreads_(maxThreads) {}

  ~ReactorModel() override { stop(); }

  Status prepare() override {
    const int count = std::max(1, std::min(endpoint_.spec.threads, maxThreads_));
    for (int i = 0; i < count; ++i) {
      auto thread = std::make_unique<ReactorThread>(engine_, endpoint_, makePoller_());
      Status status = thread->init();
      if (!status.ok()) return status;
      thread->distribute = [this](int fd) { distribute(fd); };
      threads_.push_back(std::move(thread));
    }
    if (endpoint_.spec.role != Role::Client) {
      Status status = openServerSocket(endpoint_.spec, true, &listenFd_, &endpoint_.boundAddress);
      if (!status.ok()) return status;
      threads_.front()->setListener(listenFd_);
    } else {
      for (int i = 0; i < endpoint_.spec.connections; ++i) threads_[static_cast<size_t>(i) % threads_.size()]->addClientSlot();
    }
    return Status::success();
  }

  Status start() override {
    for (auto& thread : threads_) thread->start();
    started_ = true;
    return Status::success();
  }

  void restartListener(const SocketOptionsSpec& options) override {
    std::lock_guard<std::mutex> lock(threadsMutex_);
    if (!threads_.empty() && started_) threads_.front()->requestListenerRestart(options);
  }

  void stop() override {
    std::lock_guard<std::mutex> lock(threadsMutex_);
    for (auto& thread : threads_) thread->stop();
    // A restart may have replaced the listener the first thread was given.
    if (!threads_.empty() && listenFd_ >= 0) listenFd_ = threads_.front()->listener();
    threads_.clear();
    // A running UDP server's socket was adopted as a connection and closed with it.
    if (listenFd_ >= 0 && (endpoint_.spec.transport == Transport::Tcp || !started_)) ::close(listenFd_);
    listenFd_ = -1;
  }

 private:
  void distribute(int fd) {
    const size_t target = nextThread_.fetch_add(1, std::memory_order_relaxed) % threads_.size();
    threads_[target]->handOver(fd);
  }

  EngineServices& engine_;
  EndpointRuntime& endpoint_;
  PollerFactory makePoller_;
  const int maxThreads_;
  std::vector<std::unique_ptr<ReactorThread>> threads_;
  std::atomic<size_t> nextThread_{0};
  std::mutex threadsMutex_;  // stop() against restartListener() from another thread
  int listenFd_ = -1;
  bool started_ = false;
};

}  // namespace

std::unique_ptr<IoModel> createReactorModel(EngineServices& engine, EndpointRuntime& endpoint, PollerFactory makePoller,
                                            int maxThreads) {
  return std::make_unique<ReactorModel>(engine, endpoint, std::move(makePoller), maxThreads);
}

}  // namespace sockscope
