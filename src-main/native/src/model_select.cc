// The select model: one thread, and the descriptor sets rebuilt before every select() call, as
// the classic select loop does. Descriptors at or above FD_SETSIZE cannot be put in an fd_set
// at all; they are refused with an error rather than written past the set.
#include <sys/select.h>

#include <cerrno>
#include <map>

#include "reactor.h"

namespace sockscope {
namespace {

class SelectPoller final : public Poller {
 public:
  Status add(int fd, bool read, bool write) override {
    if (fd < 0 || fd >= FD_SETSIZE) {
      return Status::fail("FD_SETSIZE", "select cannot watch descriptor " + std::to_string(fd) + ": an fd_set holds descriptors below FD_SETSIZE (" +
                                            std::to_string(FD_SETSIZE) + "); use the epoll model for more connections");
    }
    interest_[fd] = {read, write};
    return Status::success();
  }

  void modify(int fd, bool read, bool write) override {
    auto found = interest_.find(fd);
    if (found != interest_.end()) found->second = {read, write};
  }

  void remove(int fd) override { interest_.erase(fd); }

  bool wait(int64_t timeoutUs, std::vector<Readiness>* ready) override {
    fd_set readSet, writeSet;
    FD_ZERO(&readSet);
    FD_ZERO(&writeSet);
    int highest = -1;
    for (const auto& [fd, wants] : interest_) {
      if (wants.read) FD_SET(fd, &readSet);
      if (wants.write) FD_SET(fd, &writeSet);
      if (wants.read || wants.write) highest = fd;
    }
    timeval timeout{};
    timeval* limit = nullptr;
    if (timeoutUs >= 0) {
      timeout.tv_sec = static_cast<time_t>(timeoutUs / 1000000);
      timeout.tv_usec = static_cast<suseconds_t>(timeoutUs % 1000000);
      limit = &timeout;
    }
    const int count = select(highest + 1, &readSet, &writeSet, nullptr, limit);
    if (count < 0) return errno == EINTR;
    if (count == 0) return true;
    // Survivors are found by checking every watched descriptor, as with any select loop.
    for (const auto& [fd, wants] : interest_) {
      const bool readable = wants.read && FD_ISSET(fd, &readSet);
      const bool writable = wants.write && FD_ISSET(fd, &writeSet);
      if (readable || writable) ready->push_back(Readiness{fd, readable, writable, false});
    }
    return true;
  }

 private:
  struct Wants {
    bool read;
    bool write;
  };
  std::map<int, Wants> interest_;  // ordered, so the highest descriptor is the last
};

}  // namespace

std::unique_ptr<IoModel> createSelectModel(EngineServices& engine, EndpointRuntime& endpoint) {
  return createReactorModel(engine, endpoint, [] { return std::make_unique<SelectPoller>(); }, 1);
}

}  // namespace sockscope
