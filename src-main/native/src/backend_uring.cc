// The proactor on io_uring: operations go into the submission ring and the kernel makes the
// calls, waiting for the sockets itself; completions come out of the completion ring. Built only
// where pkg-config found liburing (binding.gyp); backend_uring_absent.cc stands in elsewhere.
#include <liburing.h>
#include <poll.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <mutex>

#include "completion_backend.h"
#include "read_buffer_pool.h"

namespace sockscope {
namespace {

constexpr unsigned kSubmissionEntries = 1024;
// Completions may outnumber submission entries (a session has a read and a write pending).
constexpr unsigned kCompletionEntries = 16384;
constexpr int kCompletionsPerWait = 256;
// The provided buffer group of the read buffer pool; a ring has at most one pool.
constexpr uint16_t kPoolGroup = 0;

class UringBackend final : public CompletionBackend {
 public:
  ~UringBackend() override {
    // Exiting the ring unregisters the buffer ring; only then may its memory go.
    if (ready_) io_uring_queue_exit(&ring_);
    if (bufferRing_) munmap(bufferRing_, bufferRingBytes_);
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

  // A provided buffer ring (Linux 5.19): the kernel takes a buffer from it when a receive marked
  // IOSQE_BUFFER_SELECT finds data, and we hand it back once its bytes were consumed. liburing
  // 2.3 has no io_uring_setup_buf_ring, so the ring's memory is mapped here and registered.
  Status providePool(uint32_t buffers, uint32_t bufferBytes, ModelCounters& counters) override {
    pool_ = std::make_unique<ReadBufferPool>(counters);
    Status status = pool_->map(buffers, bufferBytes);
    if (!status.ok()) return status;
    bufferRingEntries_ = 1;
    while (bufferRingEntries_ < buffers) bufferRingEntries_ <<= 1;
    bufferRingBytes_ = bufferRingEntries_ * sizeof(io_uring_buf);
    void* memory = mmap(nullptr, bufferRingBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) return errnoStatus(errno, "mmap (provided buffer ring)");
    bufferRing_ = static_cast<io_uring_buf_ring*>(memory);
    io_uring_buf_ring_init(bufferRing_);
    io_uring_buf_reg registration{};
    registration.ring_addr = reinterpret_cast<uintptr_t>(memory);
    registration.ring_entries = bufferRingEntries_;
    registration.bgid = kPoolGroup;
    const int err = io_uring_register_buf_ring(&ring_, &registration, 0);
    if (err < 0) return errnoStatus(-err, "io_uring_register_buf_ring (provided buffer rings need Linux 5.19)");
    const int mask = io_uring_buf_ring_mask(bufferRingEntries_);
    for (uint32_t id = 0; id < buffers; ++id) {
      io_uring_buf_ring_add(bufferRing_, pool_->buffer(id), bufferBytes, static_cast<unsigned short>(id), mask, static_cast<int>(id));
    }
    io_uring_buf_ring_advance(bufferRing_, static_cast<int>(buffers));
    return Status::success();
  }

  void returnPoolBuffer(int32_t id) override {
    {
      // The ring's tail has one producer at a time; workers return buffers concurrently.
      std::lock_guard<std::mutex> lock(bufferRingMutex_);
      io_uring_buf_ring_add(bufferRing_, pool_->buffer(static_cast<uint32_t>(id)), pool_->bufferBytes(), static_cast<unsigned short>(id),
                            io_uring_buf_ring_mask(bufferRingEntries_), 0);
      io_uring_buf_ring_advance(bufferRing_, 1);
    }
    // Counted free only once the kernel can take it again.
    pool_->released();
  }

  bool poolBufferFree() const override { return pool_ && pool_->anyFree(); }

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
        if (operation->fromPool) {
          // No buffer yet: the kernel picks one from the pool once data is there.
          io_uring_prep_recv(sqe, operation->fd, nullptr, operation->message.msg_iov[0].iov_len, operation->flags);
          sqe->flags |= IOSQE_BUFFER_SELECT;
          sqe->buf_group = kPoolGroup;
        } else {
          io_uring_prep_recvmsg(sqe, operation->fd, &operation->message, static_cast<unsigned>(operation->flags));
        }
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
        operation->poolBuffer = -1;
        if (operation->fromPool && (batch[i]->flags & IORING_CQE_F_BUFFER)) {
          const uint32_t id = batch[i]->flags >> IORING_CQE_BUFFER_SHIFT;
          operation->poolBuffer = static_cast<int32_t>(id);
          operation->poolData = pool_->buffer(id);
          pool_->held();
        }
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
  std::unique_ptr<ReadBufferPool> pool_;  // readBuffers "pool" only
  io_uring_buf_ring* bufferRing_ = nullptr;
  uint32_t bufferRingEntries_ = 0;
  size_t bufferRingBytes_ = 0;
  std::mutex bufferRingMutex_;
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
