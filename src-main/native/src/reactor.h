// The readiness reactor shared by the select and epoll models: threads that wait for sockets to
// become readable or writable, then act. The two models differ only in their Poller, the way they
// wait, as libuv's backends differ only in uv__io_poll.
#pragma once
#include <functional>
#include <memory>
#include <vector>

#include "engine_services.h"
#include "errors.h"
#include "io_model.h"

namespace sockscope {

struct Readiness {
  int fd = -1;
  bool readable = false;
  bool writable = false;
  bool failed = false;  // error or hang-up: the next read or write says which
};

class Poller {
 public:
  virtual ~Poller() = default;
  // Starts watching fd. Fails when this poller cannot watch it (select: fd >= FD_SETSIZE).
  virtual Status add(int fd, bool read, bool write) = 0;
  virtual void modify(int fd, bool read, bool write) = 0;
  virtual void remove(int fd) = 0;
  // Waits up to timeoutUs (-1 = no limit) and appends what is ready. Returns false on a failure
  // other than an interruption. Microseconds, so a paced workload wakes when it should.
  virtual bool wait(int64_t timeoutUs, std::vector<Readiness>* ready) = 0;
};

using PollerFactory = std::function<std::unique_ptr<Poller>()>;

// maxThreads caps the endpoint's "threads" (select is one thread by design).
std::unique_ptr<IoModel> createReactorModel(EngineServices& engine, EndpointRuntime& endpoint, PollerFactory makePoller,
                                            int maxThreads);

}  // namespace sockscope
