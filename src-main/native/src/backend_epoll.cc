// The proactor emulated over epoll: an operation is tried at once; when the call would block,
// the descriptor is watched and the call is made again when epoll reports it ready, then the
// operation is handed back as completed. This is how a proactor looks where the kernel only
// offers readiness (libuv's and Asio's reactors emulate completions the same way).
#include <fcntl.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <mutex>
#include <unordered_map>

#include "completion_backend.h"
#include "read_buffer_pool.h"

namespace sockscope {
namespace {

constexpr int kEventsPerWait = 256;

// A read from the pool: a buffer is taken only for the call and kept only if bytes (or the end of
// the stream) came. False when it would block; with no buffer free, false too unless the socket
// is known to be readable (noBufferCompletes), when the read completes with -ENOBUFS.
bool attemptPoolRead(Operation* operation, ReadBufferPool& pool, bool noBufferCompletes) {
  for (;;) {
    const int id = pool.take();
    if (id < 0) {
      if (!noBufferCompletes) return false;
      operation->result = -ENOBUFS;
      return true;
    }
    uint8_t* buffer = pool.buffer(static_cast<uint32_t>(id));
    const ssize_t result = recv(operation->fd, buffer, operation->message.msg_iov[0].iov_len, operation->flags | MSG_DONTWAIT);
    if (result >= 0) {
      operation->result = result;
      operation->poolBuffer = id;
      operation->poolData = buffer;
      return true;
    }
    const int err = errno;
    pool.give(static_cast<uint32_t>(id));
    if (err == EINTR) continue;
    if (err == EAGAIN || err == EWOULDBLOCK) return false;
    operation->result = -err;
    return true;
  }
}

// Makes the operation's call once, without blocking. False when it would block.
bool attempt(Operation* operation, ReadBufferPool* pool, bool noBufferCompletes) {
  if (operation->kind == OperationKind::Recv && operation->fromPool) {
    operation->poolBuffer = -1;
    return attemptPoolRead(operation, *pool, noBufferCompletes);
  }
  for (;;) {
    ssize_t result = -1;
    switch (operation->kind) {
      case OperationKind::Accept:
        result = accept4(operation->fd, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (result < 0 && errno == ECONNABORTED) continue;
        break;
      case OperationKind::Connect: {
        // The connect was started when the socket was opened; writable means it ended, and the
        // poster reads its outcome with SO_ERROR.
        operation->result = 0;
        return true;
      }
      case OperationKind::Recv:
        result = recvmsg(operation->fd, &operation->message, operation->flags | MSG_DONTWAIT);
        break;
      case OperationKind::Send:
        result = sendmsg(operation->fd, &operation->message, operation->flags | MSG_DONTWAIT | MSG_NOSIGNAL);
        break;
    }
    if (result >= 0) {
      operation->result = result;
      return true;
    }
    if (errno == EINTR) continue;
    if (errno == EAGAIN || errno == EWOULDBLOCK || (operation->kind == OperationKind::Send && errno == ENOBUFS)) return false;
    operation->result = -errno;
    return true;
  }
}

bool wantsReadable(const Operation* operation) {
  return operation->kind == OperationKind::Accept || operation->kind == OperationKind::Recv;
}

class EpollBackend final : public CompletionBackend {
 public:
  explicit EpollBackend(EndpointCounters& counters) : counters_(counters) {}
  ~EpollBackend() override {
    if (epollFd_ >= 0) ::close(epollFd_);
    if (wakeFd_ >= 0) ::close(wakeFd_);
  }

  Status init() {
    epollFd_ = epoll_create1(EPOLL_CLOEXEC);
    if (epollFd_ < 0) return errnoStatus(errno, "epoll_create1");
    wakeFd_ = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    if (wakeFd_ < 0) return errnoStatus(errno, "eventfd");
    epoll_event event{};
    event.events = EPOLLIN;
    event.data.fd = wakeFd_;
    if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, wakeFd_, &event) != 0) return errnoStatus(errno, "epoll_ctl(ADD)");
    return Status::success();
  }

  const char* name() const override { return "epoll"; }
  bool wantsBlockingSockets() const override { return false; }

  // A read from the pool waits for readiness without a buffer, as IOCP's zero-byte receive does,
  // and takes one only for the call.
  Status providePool(uint32_t buffers, uint32_t bufferBytes, ModelCounters& counters) override {
    pool_ = std::make_unique<ReadBufferPool>(counters);
    return pool_->map(buffers, bufferBytes);
  }
  void returnPoolBuffer(int32_t id) override { pool_->give(static_cast<uint32_t>(id)); }
  bool poolBufferFree() const override { return pool_ && pool_->anyFree(); }

  bool post(Operation* operation) override {
    // A connect is known to be under way; trying it first would only ask the kernel twice.
    // A pool read with every buffer held just waits for readiness; that is not a would-block.
    if (operation->kind != OperationKind::Connect && !(operation->fromPool && !pool_->anyFree())) {
      if (attempt(operation, pool_.get(), false)) return true;
      counters_.wouldBlock.fetch_add(1, std::memory_order_relaxed);
    }
    std::lock_guard<std::mutex> lock(mutex_);
    Watch& watch = watches_[operation->fd];
    Operation*& slot = wantsReadable(operation) ? watch.reader : watch.writer;
    // Several accepts may wait on one listener; a connection has one read and one write.
    operation->next = slot;
    slot = operation;
    // epoll_ctl never blocks, so it is made under the lock that keeps watch and interest in step.
    updateInterest(operation->fd, watch);
    return false;
  }

  void flush() override {}

  void cancel(int fd, std::vector<Operation*>* cancelled) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = watches_.find(fd);
    if (found == watches_.end()) return;
    for (Operation* operation : {found->second.reader, found->second.writer}) {
      while (operation) {
        operation->result = -ECANCELED;
        cancelled->push_back(operation);
        operation = operation->next;
      }
    }
    if (found->second.interest != 0) epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    watches_.erase(found);
  }

  void forget(int fd) override {
    std::lock_guard<std::mutex> lock(mutex_);
    auto found = watches_.find(fd);
    if (found == watches_.end()) return;
    if (found->second.interest != 0) epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    watches_.erase(found);
  }

  bool wait(int64_t timeoutUs, std::vector<Operation*>* completed) override {
    epoll_event events[kEventsPerWait];
    timespec timeout{};
    timespec* limit = nullptr;
    if (timeoutUs >= 0) {
      timeout.tv_sec = static_cast<time_t>(timeoutUs / 1000000);
      timeout.tv_nsec = static_cast<long>(timeoutUs % 1000000) * 1000;
      limit = &timeout;
    }
    const int count = epoll_pwait2(epollFd_, events, kEventsPerWait, limit, nullptr);
    if (count < 0) return errno == EINTR;
    for (int i = 0; i < count; ++i) {
      const int fd = events[i].data.fd;
      if (fd == wakeFd_) {
        uint64_t drained = 0;
        ssize_t ignored = read(wakeFd_, &drained, sizeof drained);
        (void)ignored;
        continue;
      }
      const bool failed = (events[i].events & (EPOLLERR | EPOLLHUP)) != 0;
      if ((events[i].events & (EPOLLIN | EPOLLRDHUP)) || failed) complete(fd, true, completed);
      if ((events[i].events & EPOLLOUT) || failed) complete(fd, false, completed);
    }
    return true;
  }

  void interrupt() override {
    const uint64_t one = 1;
    ssize_t ignored = write(wakeFd_, &one, sizeof one);
    (void)ignored;
  }

 private:
  struct Watch {
    Operation* reader = nullptr;  // accepts or a recv, linked through next
    Operation* writer = nullptr;  // a connect or a send
    uint32_t interest = 0;        // what epoll watches now
  };

  void updateInterest(int fd, Watch& watch) {
    const uint32_t wanted = (watch.reader ? EPOLLIN | EPOLLRDHUP : 0u) | (watch.writer ? EPOLLOUT : 0u);
    if (wanted == watch.interest) return;
    epoll_event event{};
    event.events = wanted;
    event.data.fd = fd;
    if (watch.interest == 0) epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event);
    else if (wanted == 0) epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr);
    else epoll_ctl(epollFd_, EPOLL_CTL_MOD, fd, &event);
    watch.interest = wanted;
  }

  // The descriptor is ready one way: make the waiting calls. Each operation is taken out of the
  // watch for its call, made without the lock, and put back if it would still block.
  void complete(int fd, bool reading, std::vector<Operation*>* completed) {
    for (;;) {
      Operation* operation = nullptr;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        auto found = watches_.find(fd);
        if (found == watches_.end()) return;
        Operation*& slot = reading ? found->second.reader : found->second.writer;
        operation = slot;
        if (!operation) {
          updateInterest(fd, found->second);
          if (!found->second.reader && !found->second.writer) watches_.erase(found);
          return;
        }
        slot = operation->next;
        operation->next = nullptr;
      }
      if (attempt(operation, pool_.get(), true)) {
        completed->push_back(operation);
        continue;
      }
      counters_.wouldBlock.fetch_add(1, std::memory_order_relaxed);
      std::lock_guard<std::mutex> lock(mutex_);
      Watch& watch = watches_[fd];
      Operation*& slot = reading ? watch.reader : watch.writer;
      operation->next = slot;
      slot = operation;
      updateInterest(fd, watch);
      return;
    }
  }

  EndpointCounters& counters_;
  std::unique_ptr<ReadBufferPool> pool_;  // readBuffers "pool" only
  int epollFd_ = -1;
  int wakeFd_ = -1;
  std::mutex mutex_;
  std::unordered_map<int, Watch> watches_;
};

}  // namespace

std::unique_ptr<CompletionBackend> createEpollBackend(EndpointCounters& counters, Status* status) {
  auto backend = std::make_unique<EpollBackend>(counters);
  *status = backend->init();
  if (!status->ok()) return nullptr;
  return backend;
}

}  // namespace sockscope
