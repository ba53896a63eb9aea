// The epoll model: readiness reactor threads, each with its own epoll instance, level-triggered.
// It is the Linux counterpart of WSAEventSelect's per-socket readiness events, and what most
// Linux servers are built on.
#include <sys/epoll.h>
#include <unistd.h>

#include <cerrno>

#include "reactor.h"

namespace sockscope {
namespace {

constexpr int kEventsPerWait = 256;

class EpollPoller final : public Poller {
 public:
  EpollPoller() : epollFd_(epoll_create1(EPOLL_CLOEXEC)) {}
  ~EpollPoller() override {
    if (epollFd_ >= 0) ::close(epollFd_);
  }

  Status add(int fd, bool read, bool write) override {
    if (epollFd_ < 0) return Status::fail("EMFILE", "epoll_create1 failed: no epoll instance for this thread");
    epoll_event event = eventFor(fd, read, write);
    if (epoll_ctl(epollFd_, EPOLL_CTL_ADD, fd, &event) != 0) return errnoStatus(errno, "epoll_ctl(ADD)");
    return Status::success();
  }

  void modify(int fd, bool read, bool write) override {
    epoll_event event = eventFor(fd, read, write);
    epoll_ctl(epollFd_, EPOLL_CTL_MOD, fd, &event);
  }

  void remove(int fd) override { epoll_ctl(epollFd_, EPOLL_CTL_DEL, fd, nullptr); }

  bool wait(int64_t timeoutUs, std::vector<Readiness>* ready) override {
    epoll_event events[kEventsPerWait];
    // epoll_pwait2 takes a timespec (Linux 5.11); epoll_wait's milliseconds would pace timers
    // to the next whole millisecond.
    timespec timeout{};
    timespec* limit = nullptr;
    if (timeoutUs >= 0) {
      timeout.tv_sec = static_cast<time_t>(timeoutUs / 1000000);
      timeout.tv_nsec = static_cast<long>(timeoutUs % 1000000) * 1000;
      limit = &timeout;
    }
    int count = epoll_pwait2(epollFd_, events, kEventsPerWait, limit, nullptr);
    if (count < 0 && errno == ENOSYS) {
      count = epoll_wait(epollFd_, events, kEventsPerWait, timeoutUs < 0 ? -1 : static_cast<int>((timeoutUs + 999) / 1000));
    }
    if (count < 0) return errno == EINTR;
    for (int i = 0; i < count; ++i) {
      const uint32_t what = events[i].events;
      ready->push_back(Readiness{events[i].data.fd, (what & EPOLLIN) != 0, (what & EPOLLOUT) != 0,
                                 (what & (EPOLLERR | EPOLLHUP)) != 0});
    }
    return true;
  }

 private:
  static epoll_event eventFor(int fd, bool read, bool write) {
    epoll_event event{};
    event.events = (read ? EPOLLIN | EPOLLRDHUP : 0u) | (write ? EPOLLOUT : 0u);
    event.data.fd = fd;
    return event;
  }

  int epollFd_;
};

}  // namespace

std::unique_ptr<IoModel> createEpollModel(EngineServices& engine, EndpointRuntime& endpoint) {
  return createReactorModel(engine, endpoint, [] { return std::make_unique<EpollPoller>(); }, 256);
}

}  // namespace sockscope
