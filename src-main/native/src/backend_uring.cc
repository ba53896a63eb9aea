// The proactor on io_uring: operations go into the submission ring and the kernel makes the
// calls, waiting for the sockets itself; completions come out of the completion ring. Built only
// where pkg-config found liburing (binding.gyp); backend_uring_absent.cc stands in elsewhere.
#include <liburing.h>
#include <poll.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "completion_backend.h"

namespace sockscope {
namespace {

constexpr unsigned kSubmissionEntries = 1024;
// Completions may outnumber submission entries (a session has a read and a write pending).
constexpr unsigned kCompletionEntries = 16384;
constexpr int kCompletionsPerWait = 256;

class UringBackend final : public CompletionBackend {
 public:
  ~UringBackend() override {
    if (ready_) io_uring_queue_exit(&ring_);
  }

  Status init() {
    io_uring_params params{};
    params.flags = IORING_SETUP_CQSIZE;
    params.cq_entries = kCompletionEntries;
    const int err = io_uring_queue_init_params(kSubmissionEntries, &ring_, &params);
    if (err < 0) return errnoStatus(-err, "io_uring_queue_init");
    ready_ = true;
    if (!(params.features & IORING_FEAT_EXT_ARG)) {
      // Without it a timed wait needs a timeout entry in the submission ring, which other
      // threads fill concurrently.
      return Status::fail("ENOSYS", "the kernel's io_uring lacks IORING_FEAT_EXT_ARG (Linux 5.11)");
    }
    return Status::success();
  }

  const char* name() const override { return "io_uring"; }
  bool wantsBlockingSockets() const override { return true; }

  bool post(Operation* operation) override {
    std::lock_guard<std::mutex> lock(submitMutex_);
    io_uring_sqe* sqe = entry();
    switch (operation->kind) {
      case OperationKind::Accept:
        io_uring_prep_accept(sqe, operation->fd, nullptr, nullptr, SOCK_CLOEXEC);
        break;
      case OperationKind::Connect:
        // The connect was started when the socket was opened; writable means it ended.
        io_uring_prep_poll_add(sqe, operation->fd, POLLOUT);
        break;
      case OperationKind::Recv:
        io_uring_prep_recvmsg(sqe, operation->fd, &operation->message, static_cast<unsigned>(operation->flags));
        break;
      case OperationKind::Send:
        io_uring_prep_sendmsg(sqe, operation->fd, &operation->message, static_cast<unsigned>(operation->flags | MSG_NOSIGNAL));
        break;
    }
    io_uring_sqe_set_data(sqe, operation);
    unsubmitted_ = true;
    return false;
  }

  void flush() override {
    std::lock_guard<std::mutex> lock(submitMutex_);
    if (unsubmitted_) io_uring_submit(&ring_);
    unsubmitted_ = false;
  }

  void cancel(int fd, std::vector<Operation*>* cancelled) override {
    std::lock_guard<std::mutex> lock(submitMutex_);
    io_uring_sqe* sqe = entry();
    io_uring_prep_cancel_fd(sqe, fd, IORING_ASYNC_CANCEL_ALL);
    io_uring_sqe_set_data(sqe, nullptr);
    io_uring_submit(&ring_);
    unsubmitted_ = false;
  }

  void forget(int fd) override {}

  bool wait(int64_t timeoutUs, std::vector<Operation*>* completed) override {
    io_uring_cqe* cqe = nullptr;
    __kernel_timespec timeout{};
    __kernel_timespec* limit = nullptr;
    if (timeoutUs >= 0) {
      timeout.tv_sec = timeoutUs / 1000000;
      timeout.tv_nsec = (timeoutUs % 1000000) * 1000;
      limit = &timeout;
    }
    const int err = io_uring_wait_cqe_timeout(&ring_, &cqe, limit);
    if (err < 0 && err != -ETIME && err != -EINTR && err != -EAGAIN) {
      errno = -err;
      return false;
    }
    io_uring_cqe* batch[kCompletionsPerWait];
    const unsigned count = io_uring_peek_batch_cqe(&ring_, batch, kCompletionsPerWait);
    for (unsigned i = 0; i < count; ++i) {
      auto* operation = static_cast<Operation*>(io_uring_cqe_get_data(batch[i]));
      // Entries without an operation are our own cancels and wake-ups.
      if (operation) {
        operation->result = batch[i]->res;
        completed->push_back(operation);
      }
    }
    io_uring_cq_advance(&ring_, count);
    return true;
  }

  void interrupt() override {
    std::lock_guard<std::mutex> lock(submitMutex_);
    io_uring_sqe* sqe = entry();
    io_uring_prep_nop(sqe);
    io_uring_sqe_set_data(sqe, nullptr);
    io_uring_submit(&ring_);
    unsubmitted_ = false;
  }

 private:
  // A free submission entry; when the ring is full, what it holds is submitted first.
  io_uring_sqe* entry() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    while (!sqe) {
      io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  io_uring ring_{};
  bool ready_ = false;
  std::mutex submitMutex_;  // the submission ring has one producer at a time
  bool unsubmitted_ = false;  // under submitMutex_
};

}  // namespace

std::unique_ptr<CompletionBackend> createUringBackend(Status* status) {
  auto backend = std::make_unique<UringBackend>();
  *status = backend->init();
  if (!status->ok()) return nullptr;
  return backend;
}

}  // namespace sockscope
