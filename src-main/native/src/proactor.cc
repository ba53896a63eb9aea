#include "proactor.h"

#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <cerrno>
#include <vector>

#include "completion_queue.h"
#include "connection.h"
#include "listener_restart.h"
#include "sockets.h"

namespace sockscope {
namespace {

// Each session's receive buffer, pinned by its pending read. Every connection holds one, so it
// starts small and doubles while reads fill it, up to the reactor's scratch size: many quiet
// connections stay cheap and a bulk stream still gets large reads.
constexpr size_t kReadBufferStartBytes = 16 * 1024;
constexpr size_t kReadBufferMaxBytes = 256 * 1024;
// How long a listener rests after accept failed for want of descriptors.
constexpr int64_t kAcceptRetryUs = 25000;

void setBlocking(int fd) {
  const int flags = fcntl(fd, F_GETFL);
  if (flags >= 0) fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
}

// What a session and a listener share: posting an operation with its accounting.
class OperationPoster : public CompletionHandler {
 protected:
  OperationPoster(EndpointRuntime& endpoint, CompletionQueue& queue) : endpoint_(endpoint), queue_(queue) {}

  // The operation belongs to the backend from here until onCompletion.
  void post(Operation& operation, int64_t pinnedBytes) {
    ++pending_;
    operation.owner = static_cast<CompletionHandler*>(this);
    ModelCounters& model = endpoint_.model;
    model.operationsPosted.fetch_add(1, std::memory_order_relaxed);
    model.operationsInFlight.fetch_add(1, std::memory_order_relaxed);
    model.bytesPinned.fetch_add(pinnedBytes, std::memory_order_relaxed);
    if (queue_.backend().post(&operation)) queue_.pushCompleted(&operation, shared_from_this());
  }

  void completed(int64_t pinnedBytes) {
    --pending_;
    endpoint_.model.operationsInFlight.fetch_sub(1, std::memory_order_relaxed);
    endpoint_.model.bytesPinned.fetch_sub(pinnedBytes, std::memory_order_relaxed);
  }

  // Asks the backend to finish this descriptor's pending operations.
  void cancelPending(int fd) {
    if (pending_ == 0 || cancelled_) return;
    cancelled_ = true;
    std::vector<Operation*> cancelled;
    queue_.backend().cancel(fd, &cancelled);
    for (Operation* operation : cancelled) queue_.pushCompleted(operation, shared_from_this());
  }

  EndpointRuntime& endpoint_;
  CompletionQueue& queue_;
  int pending_ = 0;
  bool cancelled_ = false;
};

// One connection. It outlives its pending operations: the queue holds it while any is pending,
// and its socket is closed only once none is, so a peer that resets mid-operation leaves no
// operation pointing at freed memory or at a reused descriptor.
class Session final : public OperationPoster {
 public:
  Session(EngineServices& engine, EndpointRuntime& endpoint, CompletionQueue& queue, std::shared_ptr<Connection> connection,
          bool connecting)
      : OperationPoster(endpoint, queue),
        engine_(engine),
        connection_(std::move(connection)),
        connecting_(connecting),
        pooled_(endpoint.spec.readBuffers == ReadBufferStrategy::Pool && connection_->tcp()) {}

  void onWake() override {
    if (!started_) {
      started_ = true;
      if (connecting_) {
        connect_.kind = OperationKind::Connect;
        connect_.fd = connection_->fd();
        post(connect_, 0);
        // A stop that came first still has to cancel the connect.
        if (queue_.stopping()) settle();
        return;
      }
      opened();
      return;
    }
    settle();
  }

  void onReadBufferFree() override {
    readStarved_ = false;
    settle();
    // Not reading after all (closing, or held back by its workload): the turn goes on.
    if (!readPending_) queue_.readBufferReturned();
  }

  void onTimer(int64_t atUs) override {
    if (finished_ || closing_) return;
    if (timerAtUs_ == atUs) timerAtUs_ = 0;
    connection_->onTimer();
    settle();
  }

  void onCompletion(Operation& operation) override {
    switch (operation.kind) {
      case OperationKind::Connect:
        completed(0);
        connectDone(operation.result);
        break;
      case OperationKind::Recv:
        completed(pooled_ ? 0 : static_cast<int64_t>(readBudget_));
        readPending_ = false;
        if (!closing_) readDone(operation.result);
        if (operation.poolBuffer >= 0) {
          // Consumed: the workload copies what it keeps.
          queue_.backend().returnPoolBuffer(operation.poolBuffer);
          operation.poolBuffer = -1;
          queue_.readBufferReturned();
        }
        break;
      case OperationKind::Send:
        completed(writeBytes_);
        writePending_ = false;
        if (!closing_) writeDone(operation.result);
        write_.pinned.clear();
        break;
      case OperationKind::Accept:
        completed(0);
        break;
    }
    settle();
  }

 private:
  void opened() {
    if (queue_.backend().wantsBlockingSockets()) setBlocking(connection_->fd());
    connection_->opened();
    settle();
  }

  void connectDone(int64_t result) {
    connecting_ = false;
    if (closing_) return;
    Status status = result < 0 && result != -ECANCELED ? errnoStatus(static_cast<int>(-result), "connect")
                                                        : finishConnect(connection_->fd(), endpoint_.boundAddress);
    if (!status.ok()) {
      engine_.reportError(endpoint_, connection_->id, status);
      closing_ = true;
      return;
    }
    opened();
  }

  void readDone(int64_t result) {
    if (result == -EAGAIN || result == -EINTR) {
      if (result == -EAGAIN) endpoint_.counters.wouldBlock.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (result == -ECANCELED) return;
    if (result == -ENOBUFS && pooled_) {
      // Data came while every pool buffer was held: wait for one, then read again.
      endpoint_.model.readPoolExhausted.fetch_add(1, std::memory_order_relaxed);
      readStarved_ = queue_.waitForReadBuffer(connection_.get());
      return;
    }
    if (result < 0) {
      connection_->readFailed(static_cast<int>(-result));
      return;
    }
    if (pooled_) {
      connection_->readCompleted(read_.poolData, static_cast<size_t>(result), readBudget_, nullptr);
      return;
    }
    peer_.length = read_.message.msg_namelen;
    if (static_cast<size_t>(result) == buffer_.size() && buffer_.size() < kReadBufferMaxBytes && connection_->tcp()) grow_ = true;
    connection_->readCompleted(buffer_.data(), static_cast<size_t>(result), readBudget_, connection_->tcp() ? nullptr : &peer_);
  }

  void writeDone(int64_t result) {
    if (result == -EAGAIN || result == -EINTR || result == -ENOBUFS) {
      // The write stays queued and is posted again.
      if (result != -EINTR) endpoint_.counters.wouldBlock.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (result == -ECANCELED) return;
    connection_->writeCompleted(write_, static_cast<ssize_t>(result));
  }

  // After anything happened: run posted commands, close if asked, and keep one read and at most
  // one write posted while the workload wants them.
  void settle() {
    if (finished_) return;
    if (!closing_) {
      connection_->runCommands();
      if (queue_.stopping() || connection_->closeRequested() || connection_->closed()) closing_ = true;
    }
    if (closing_) {
      cancelPending(connection_->fd());
      if (pending_ == 0) finish();
      return;
    }
    if (connecting_) return;
    if (!readPending_ && !readStarved_ && connection_->wantsRead()) postRead();
    if (!writePending_ && connection_->wantsWrite()) postWrite();
    const int64_t timerAtUs = connection_->nextTimerUs();
    if (timerAtUs > 0 && (timerAtUs_ == 0 || timerAtUs < timerAtUs_)) {
      timerAtUs_ = timerAtUs;
      queue_.schedule(shared_from_this(), timerAtUs);
    }
  }

  void postRead() {
    if (pooled_) {
      postPoolRead();
      return;
    }
    // Resized only here, while no read is pending on it.
    if (buffer_.empty()) buffer_.resize(kReadBufferStartBytes);
    if (grow_) {
      buffer_.resize(buffer_.size() * 2);
      grow_ = false;
    }
    readBudget_ = connection_->readBudget(buffer_.size());
    if (readBudget_ == 0) return;
    readIov_ = iovec{buffer_.data(), readBudget_};
    read_ = Operation{};
    read_.kind = OperationKind::Recv;
    read_.fd = connection_->fd();
    read_.message.msg_iov = &readIov_;
    read_.message.msg_iovlen = 1;
    if (!connection_->tcp()) {
      // MSG_TRUNC: the real size of a datagram larger than the buffer, so the cut is reported.
      read_.flags = MSG_TRUNC;
      read_.message.msg_name = peer_.get();
      read_.message.msg_namelen = sizeof peer_.storage;
    }
    readPending_ = true;
    post(read_, static_cast<int64_t>(readBudget_));
  }

  // A read that holds no buffer while it waits: the backend takes one from the pool when data
  // is there, so it pins nothing of its own.
  void postPoolRead() {
    readBudget_ = connection_->readBudget(endpoint_.spec.readPoolBufferBytes);
    if (readBudget_ == 0) return;
    readIov_ = iovec{nullptr, readBudget_};
    read_ = Operation{};
    read_.kind = OperationKind::Recv;
    read_.fd = connection_->fd();
    read_.message.msg_iov = &readIov_;
    read_.message.msg_iovlen = 1;
    read_.fromPool = true;
    readPending_ = true;
    post(read_, 0);
  }

  void postWrite() {
    if (connection_->prepareWrite(&write_, true) == 0) return;
    writeBytes_ = 0;
    for (int i = 0; i < write_.count; ++i) writeBytes_ += static_cast<int64_t>(write_.iov[i].iov_len);
    send_ = Operation{};
    send_.kind = OperationKind::Send;
    send_.fd = connection_->fd();
    send_.message.msg_iov = write_.iov;
    send_.message.msg_iovlen = static_cast<size_t>(write_.count);
    if (write_.haveDestination) {
      send_.message.msg_name = write_.destination.get();
      send_.message.msg_namelen = write_.destination.length;
    }
    writePending_ = true;
    post(send_, writeBytes_);
  }

  void finish() {
    finished_ = true;
    queue_.backend().forget(connection_->fd());
    connection_->close();
    engine_.release(connection_);
    // Last: this may drop the queue's reference; the item being run still holds one.
    queue_.unregisterHandler(connection_.get());
  }

  EngineServices& engine_;
  std::shared_ptr<Connection> connection_;
  bool connecting_;
  bool started_ = false;
  bool closing_ = false;
  bool finished_ = false;
  int64_t timerAtUs_ = 0;

  const bool pooled_;         // reads draw from the queue's read buffer pool (TCP only)
  bool readStarved_ = false;  // a read found the pool empty; waiting for onReadBufferFree
  std::vector<uint8_t> buffer_;  // per-operation reads: belongs to read_ while it is pending
  bool grow_ = false;
  iovec readIov_{};
  size_t readBudget_ = 0;
  NetAddress peer_;
  Operation read_;
  bool readPending_ = false;

  PreparedWrite write_;  // belongs to send_ while it is pending, with the buffers it pins
  int64_t writeBytes_ = 0;
  Operation send_;
  bool writePending_ = false;

  Operation connect_;
};

// A TCP listener with several accepts posted at once, as IOCP servers keep several AcceptEx
// pending: a burst of connections is taken without a round trip through the queue for each.
class Listener final : public OperationPoster {
 public:
  using Distribute = std::function<void(int fd)>;

  Listener(EngineServices& engine, EndpointRuntime& endpoint, CompletionQueue& queue, int fd, Distribute distribute)
      : OperationPoster(endpoint, queue), engine_(engine), fd_(fd), distribute_(std::move(distribute)) {}

  void onWake() override {
    if (queue_.stopping()) {
      stopping();
      return;
    }
    restartIfAsked();
    if (!paused_ && !restarting_) postIdleAccepts();
  }

  // From any thread: close the listener and listen again (IoModel::restartListener).
  void requestRestart(const SocketOptionsSpec& options) {
    {
      std::lock_guard<std::mutex> lock(restartMutex_);
      restarts_.push_back(options);
    }
    queue_.wakeHandler(this);
  }

  // After the queue stopped: the listener it holds, -1 when a restart could not listen again.
  int fd() const { return fd_; }

  void onTimer(int64_t atUs) override {
    paused_ = false;
    if (!queue_.stopping() && !restarting_) postIdleAccepts();
  }

  void onCompletion(Operation& operation) override {
    completed(0);
    Slot& slot = slots_[slotIndexOf(operation)];
    slot.pending = false;
    if (queue_.stopping() || restarting_) {
      if (operation.result >= 0) ::close(static_cast<int>(operation.result));
      if (queue_.stopping()) stopping();
      else restartIfAsked();
      return;
    }
    const int64_t result = operation.result;
    if (result >= 0) {
      endpoint_.counters.accepts.fetch_add(1, std::memory_order_relaxed);
      distribute_(static_cast<int>(result));
    } else if (result != -EAGAIN && result != -EINTR && result != -ECONNABORTED && result != -ECANCELED) {
      // Out of descriptors, most often: rest a while instead of failing again at once.
      endpoint_.recordError(errnoStatus(static_cast<int>(-result), "accept"));
      if (!paused_) {
        paused_ = true;
        queue_.schedule(shared_from_this(), engine_.nowUs() + kAcceptRetryUs);
      }
      return;
    }
    if (!paused_) postAccept(slot);
  }

 private:
  static constexpr size_t kAcceptsPending = 16;
  struct Slot {
    Operation operation;
    bool pending = false;
  };

  size_t slotIndexOf(const Operation& operation) const {
    for (size_t i = 0; i < kAcceptsPending; ++i) {
      if (&slots_[i].operation == &operation) return i;
    }
    return 0;
  }

  // A restart waits until no accept is pending on the old descriptor, then replaces it.
  void restartIfAsked() {
    if (!restarting_) {
      std::lock_guard<std::mutex> lock(restartMutex_);
      if (restarts_.empty()) return;
      restarting_ = true;
    }
    if (pending_ > 0) {
      cancelPending(fd_);
      return;
    }
    std::vector<SocketOptionsSpec> restarts;
    {
      std::lock_guard<std::mutex> lock(restartMutex_);
      restarts.swap(restarts_);
    }
    const bool blocking = queue_.backend().wantsBlockingSockets();
    for (const SocketOptionsSpec& options : restarts) {
      if (fd_ >= 0) queue_.backend().forget(fd_);
      fd_ = restartListeningSocket(engine_, endpoint_, fd_, options, !blocking);
    }
    if (fd_ >= 0 && blocking) setBlocking(fd_);
    restarting_ = false;
    cancelled_ = false;
    if (fd_ >= 0 && !paused_) postIdleAccepts();
  }

  void postIdleAccepts() {
    if (fd_ < 0) return;
    for (Slot& slot : slots_) {
      if (!slot.pending) postAccept(slot);
    }
  }

  void postAccept(Slot& slot) {
    slot.operation = Operation{};
    slot.operation.kind = OperationKind::Accept;
    slot.operation.fd = fd_;
    slot.pending = true;
    post(slot.operation, 0);
  }

  void stopping() {
    cancelPending(fd_);
    if (pending_ == 0 && !finished_) {
      finished_ = true;
      queue_.unregisterHandler(this);
    }
  }

  EngineServices& engine_;
  int fd_;
  Distribute distribute_;
  std::array<Slot, kAcceptsPending> slots_;
  std::mutex restartMutex_;
  std::vector<SocketOptionsSpec> restarts_;  // under restartMutex_
  bool restarting_ = false;
  bool paused_ = false;
  bool finished_ = false;
};

class ProactorModel final : public IoModel {
 public:
  ProactorModel(EngineServices& engine, EndpointRuntime& endpoint, ProactorShape shape)
      : engine_(engine), endpoint_(endpoint), shape_(shape) {}

  ~ProactorModel() override { stop(); }

  Status prepare() override {
    endpoint_.model.setWorkers(shape_.queues * shape_.workersPerQueue);
    std::string note;
    for (int i = 0; i < shape_.queues; ++i) {
      BackendChoice choice;
      Status status = openCompletionBackend(endpoint_.spec.backend, endpoint_.spec.id, endpoint_.counters, &choice);
      if (!status.ok()) return status;
      if (i == 0) endpoint_.model.setBackend(choice.backend->name(), choice.note);
      if (endpoint_.spec.readBuffers == ReadBufferStrategy::Pool) {
        // The endpoint's buffers shared out among its queues, each with a pool of its own.
        const uint32_t buffers = std::max<uint32_t>(1, endpoint_.spec.readPoolBuffers / static_cast<uint32_t>(shape_.queues));
        Status pooled = choice.backend->providePool(buffers, endpoint_.spec.readPoolBufferBytes, endpoint_.model);
        if (!pooled.ok()) {
          return Status::fail(pooled.code, "endpoint \"" + endpoint_.spec.id + "\": readBuffers \"pool\" on " + choice.backend->name() + ": " + pooled.message);
        }
        endpoint_.model.pooledReads.store(true, std::memory_order_relaxed);
      }
      queues_.push_back(std::make_unique<CompletionQueue>(engine_, endpoint_, *choice.backend, i * shape_.workersPerQueue));
      backends_.push_back(std::move(choice.backend));
    }
    if (endpoint_.spec.role == Role::Server) {
      Status status = openServerSocket(endpoint_.spec, true, &listenFd_, &endpoint_.boundAddress);
      if (!status.ok()) return status;
      if (backends_.front()->wantsBlockingSockets()) setBlocking(listenFd_);
    }
    return Status::success();
  }

  Status start() override {
    for (auto& queue : queues_) queue->start(shape_.workersPerQueue);
    started_ = true;
    if (endpoint_.spec.role == Role::Server) {
      CompletionQueue& first = *queues_.front();
      if (endpoint_.spec.transport == Transport::Udp) {
        // A UDP server is one socket that all peers share.
        adoptSession(first, listenFd_, false);
        udpAdopted_ = true;
      } else {
        auto listener = std::make_shared<Listener>(engine_, endpoint_, first, listenFd_, [this](int fd) { distribute(fd); });
        {
          std::lock_guard<std::mutex> lock(listenerMutex_);
          listener_ = listener;
        }
        first.registerHandler(listener.get(), listener);
        first.wakeHandler(listener.get());
      }
      return Status::success();
    }
    for (int i = 0; i < endpoint_.spec.connections; ++i) openClient(*queues_[static_cast<size_t>(i) % queues_.size()]);
    return Status::success();
  }

  void restartListener(const SocketOptionsSpec& options) override {
    std::lock_guard<std::mutex> lock(listenerMutex_);
    if (listener_) listener_->requestRestart(options);
  }

  void stop() override {
    // The listener's queue first, so no accepted socket is handed to a queue that has stopped.
    for (auto& queue : queues_) queue->stop();
    {
      std::lock_guard<std::mutex> lock(listenerMutex_);
      // A restart may have replaced the listener the model opened.
      if (listener_) listenFd_ = listener_->fd();
      listener_.reset();
    }
    queues_.clear();
    backends_.clear();
    if (listenFd_ >= 0 && !udpAdopted_) ::close(listenFd_);
    listenFd_ = -1;
  }

 private:
  void openClient(CompletionQueue& queue) {
    int fd = -1;
    bool inProgress = false;
    Status status = openClientSocket(endpoint_.spec, endpoint_.boundAddress, true, &fd, &inProgress);
    if (!status.ok()) {
      engine_.reportError(endpoint_, 0, status);
      return;
    }
    adoptSession(queue, fd, inProgress);
  }

  void adoptSession(CompletionQueue& queue, int fd, bool connecting) {
    std::shared_ptr<Connection> connection = engine_.adopt(endpoint_, fd);
    if (endpoint_.spec.role == Role::Client && endpoint_.spec.transport == Transport::Udp && !endpoint_.spec.udpConnected) {
      connection->setDefaultDestination(endpoint_.boundAddress);
    }
    auto session = std::make_shared<Session>(engine_, endpoint_, queue, connection, connecting);
    queue.registerHandler(connection.get(), session);
    connection->setWaker(&queue);
    queue.wakeHandler(connection.get());
  }

  // An accepted socket goes to the next queue in turn and stays there.
  void distribute(int fd) {
    CompletionQueue& queue = *queues_[nextQueue_++ % queues_.size()];
    queue.run([this, &queue, fd] {
      if (queue.stopping()) {
        ::close(fd);
        return;
      }
      adoptSession(queue, fd, false);
    });
  }

  EngineServices& engine_;
  EndpointRuntime& endpoint_;
  const ProactorShape shape_;
  std::vector<std::unique_ptr<CompletionBackend>> backends_;
  std::vector<std::unique_ptr<CompletionQueue>> queues_;  // after backends_: destroyed first
  size_t nextQueue_ = 0;  // only the listener's worker distributes
  std::mutex listenerMutex_;  // restartListener() from another thread against start() and stop()
  std::shared_ptr<Listener> listener_;
  int listenFd_ = -1;
  bool started_ = false;
  bool udpAdopted_ = false;
};

}  // namespace

std::unique_ptr<IoModel> createProactorModel(EngineServices& engine, EndpointRuntime& endpoint, ProactorShape shape) {
  shape.queues = std::max(1, shape.queues);
  shape.workersPerQueue = std::max(1, shape.workersPerQueue);
  return std::make_unique<ProactorModel>(engine, endpoint, shape);
}

}  // namespace sockscope
