// The kernel side of the proactor models: operations are posted with their buffers and handed
// back once they completed. io_uring makes the call in the kernel; the epoll emulation waits for
// readiness, makes the call itself, then hands the operation back. One header, one file per
// backend, chosen at run time after a probe (openCompletionBackend).
#pragma once
#include <sys/socket.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "config.h"
#include "engine_services.h"
#include "errors.h"
#include "model_counters.h"
#include "net_address.h"

namespace sockscope {

enum class OperationKind : uint8_t { Accept, Connect, Recv, Send };

// One posted operation. From post() until a wait() hands it back it belongs to the backend:
// nobody reads or writes it, nor the buffers its message points to.
struct Operation {
  OperationKind kind = OperationKind::Recv;
  int fd = -1;
  msghdr message{};  // Recv and Send: the buffers (and the peer address, for UDP)
  int flags = 0;     // for recvmsg/sendmsg
  // A Recv that takes a buffer from the backend's read buffer pool only once data is there;
  // message.msg_iov[0].iov_len is the most it may read. On completion poolBuffer is the buffer
  // it filled (to be handed back with returnPoolBuffer), or -1; -ENOBUFS: every one was held.
  bool fromPool = false;
  int32_t poolBuffer = -1;
  uint8_t* poolData = nullptr;
  // Bytes moved, the accepted descriptor, or -errno. -ECANCELED after cancel().
  int64_t result = 0;
  void* owner = nullptr;  // whoever posted it, to route the completion
  Operation* next = nullptr;  // the backend's own link while the operation waits
};

class CompletionBackend {
 public:
  virtual ~CompletionBackend() = default;
  // "io_uring" or "epoll".
  virtual const char* name() const = 0;
  // Starts an operation (or queues it until flush()); any thread. Returns true when it completed at once (its result is set
  // and it belongs to the caller again), false when it is pending until a wait() returns it.
  virtual bool post(Operation* operation) = 0;
  // Hands posted operations to the kernel, where post() only queued them (io_uring submits in
  // batches: one system call for the operations a worker posted while it ran). Any thread.
  virtual void flush() = 0;
  // Asks every pending operation on fd to complete soon, with -ECANCELED if it had not done
  // anything yet. Operations taken back at once are appended to cancelled; the others come
  // out of wait(). Any thread.
  virtual void cancel(int fd, std::vector<Operation*>* cancelled) = 0;
  // fd is about to be closed and has nothing pending: drop what the backend keeps about it.
  virtual void forget(int fd) = 0;
  // Waits up to timeoutUs (-1 = no limit) and appends completed operations. One thread at a
  // time. Returns false on a failure that will not pass (errno set).
  virtual bool wait(int64_t timeoutUs, std::vector<Operation*>* completed) = 0;
  // Makes a wait() in progress return soon. Any thread.
  virtual void interrupt() = 0;
  // Gives Recv operations marked fromPool a pool of buffers × bufferBytes; before any post. Fails
  // naming what the kernel refused.
  virtual Status providePool(uint32_t buffers, uint32_t bufferBytes, ModelCounters& counters) = 0;
  // A completed read's pool buffer, its bytes consumed: free again. Any thread.
  virtual void returnPoolBuffer(int32_t id) = 0;
  // Whether the pool has a buffer no completed read holds now. Any thread.
  virtual bool poolBufferFree() const = 0;
  // Whether sockets should be left in blocking mode: io_uring waits for them itself, while the
  // emulation makes its calls only when they cannot block.
  virtual bool wantsBlockingSockets() const = 0;
};

struct BackendChoice {
  std::unique_ptr<CompletionBackend> backend;
  std::string note;  // why "auto" did not get io_uring; empty otherwise
};

// The backend asked for. "auto" takes io_uring when this build has it and the kernel lets us set
// up a ring, the epoll emulation otherwise (with the reason in note). An explicit "io_uring" that
// cannot run is an error naming the field. The emulation counts its EAGAIN returns in counters.
Status openCompletionBackend(BackendKind requested, const std::string& endpointId, EndpointCounters& counters,
                             BackendChoice* out);

std::unique_ptr<CompletionBackend> createEpollBackend(EndpointCounters& counters, Status* status);
// Fails with ENOSYS when the build found no liburing, or with the kernel's errno.
std::unique_ptr<CompletionBackend> createUringBackend(Status* status);

}  // namespace sockscope
