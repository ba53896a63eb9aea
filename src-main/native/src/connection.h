// One TCP connection or one UDP socket, with its workload and send queue.
//
// Threading: one owner thread (the model's thread that holds the socket) calls the owner API.
// post() and sample() may be called from any thread. Only the owner closes the socket, under
// fdGuard_, which the sampler also takes, so the sampler never reads a reused descriptor.
#pragma once
#include <sys/uio.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <vector>

#include "config.h"
#include "engine_services.h"
#include "send_queue.h"
#include "pattern.h"
#include "tcp_sampling.h"

namespace sockscope {

class Workload;

// The result of one read or write call made by an I/O model.
enum class IoResult {
  Progress,    // bytes moved (or the call was interrupted); call again
  WouldBlock,  // EAGAIN, or the blocking call timed out
  Ended,       // the direction is finished (peer shut down, nothing to write); the connection may live on
  Closed,      // the connection closed itself; drop it
};

// Wakes the thread that owns a connection so it runs queued commands.
class Waker {
 public:
  virtual ~Waker() = default;
  virtual void wake(Connection& connection) = 0;
};

// The few kernel figures the sampler aggregates per endpoint, read without reporting events.
struct KernelBrief {
  int64_t atUs = 0;  // when read; 0 = never
  int tcpState = -1;  // -1 for UDP
  uint64_t sendQueueBytes = 0, recvQueueBytes = 0;
  uint32_t rttUs = 0;
};

// One write taken from the send queue: its gathered buffers, held (pinned) until the write
// completes, so a shutdown or close that empties the queue meanwhile frees nothing the kernel
// may still read.
struct PreparedWrite {
  iovec iov[SendQueue::kMaxGather];
  int count = 0;
  bool haveDestination = false;
  NetAddress destination;
  uint64_t generation = 0;
  std::vector<std::shared_ptr<const std::vector<uint8_t>>> pinned;
};

struct ConnectionSample {
  int64_t atUs = 0;
  uint64_t bytesIn = 0, bytesOut = 0, appSendQueueBytes = 0;
  QueueSample queues;
  bool haveTcp = false;
  TcpInfoSample tcp;
};

class Connection {
 public:
  // workload: null for the endpoint's own (Workload::create).
  Connection(EngineServices& engine, EndpointRuntime& endpoint, uint32_t id, int index, int fd, std::unique_ptr<Workload> workload = nullptr);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  const uint32_t id;
  const int index;  // position within the endpoint
  EndpointRuntime& endpoint;
  bool tcp() const { return endpoint.spec.transport == Transport::Tcp; }
  int fd() const { return fd_; }

  // ---- owner thread ----
  // The socket is connected (or bound, for UDP): report it and start the workload.
  void opened();
  // One read call into scratch; flags go to recv (MSG_DONTWAIT for a blocking socket that must not wait).
  IoResult readOnce(uint8_t* scratch, size_t scratchBytes, int flags = 0);
  // One write call from the send queue.
  IoResult writeOnce();
  // Proactor models post the call themselves, then report its outcome here. readBudget: how many
  // bytes of a buffer of bufferBytes the workload wants now (0 = post no read yet).
  size_t readBudget(size_t bufferBytes);
  // A read returned got bytes (for UDP the datagram's real size, from its sender); budget is
  // what was asked.
  IoResult readCompleted(uint8_t* data, size_t got, size_t budget, const NetAddress* from);
  IoResult readFailed(int err);
  // Fills *out with the next write; returns the buffer count (0 = nothing to write). pin: hold
  // the buffers in out->pinned, for a write that completes later.
  int prepareWrite(PreparedWrite* out, bool pin);
  // sent: bytes written or -errno.
  IoResult writeCompleted(const PreparedWrite& write, ssize_t sent);
  bool wantsRead();
  // Nothing more is written once a close was asked for: a write after a reset would only
  // report the same reset again (EPIPE).
  bool wantsWrite() const { return !closed_ && !closeRequested_ && !writeShut_ && !sendQueue_.empty(); }
  // When the workload next needs onTimer(), in engine microseconds; 0 = not at all.
  int64_t nextTimerUs() const;
  void onTimer();
  // Runs commands posted since the last call.
  void runCommands();
  // True once the workload or a command asked to close; the model then calls close().
  bool closeRequested() const { return closeRequested_ && !closed_; }
  // Closes the socket (abortively when asked) and reports it with the reason recorded by the
  // failure or command that asked. The model removes the socket from its poller first. Idempotent.
  void close();
  bool closed() const { return closed_; }
  // Reads the TCP state and reports a change; the owner calls it after shutdowns and FINs.
  void observeTcpState();

  // ---- any thread ----
  void post(CommandSpec command);
  // Has the owner thread call the workload's onWake() soon, as post() does for commands. A chat
  // room hands a member its broadcasts this way.
  void wakeWorkload();
  // Unconnected UDP clients: where datagrams go when the workload names no destination.
  void setDefaultDestination(const NetAddress& destination) { defaultDestination_ = std::make_shared<const NetAddress>(destination); }
  void setWaker(Waker* waker) { waker_.store(waker, std::memory_order_release); }
  // False once the connection is closed.
  bool sample(ConnectionSample* out);
  // Kernel queues and TCP state without events; false once the connection is closed.
  bool sampleKernel(KernelBrief* out);
  // The latest sampleKernel() figures, kept here so a pass need not read every socket; only the
  // sampler thread touches it.
  KernelBrief lastKernel;
  uint64_t bytesIn() const { return bytesIn_.load(std::memory_order_relaxed); }
  uint64_t bytesOut() const { return bytesOut_.load(std::memory_order_relaxed); }
  uint64_t appSendQueueBytes() const { return appSendQueueBytes_.load(std::memory_order_relaxed); }

  // ---- for workloads (owner thread) ----
  void enqueue(std::shared_ptr<const std::vector<uint8_t>> data, bool ownWrite = false,
               std::shared_ptr<const NetAddress> destination = nullptr, size_t offset = 0, size_t end = 0);
  uint64_t queuedBytes() const { return sendQueue_.queuedBytes(); }
  void shutdownWrite();
  void requestClose(bool abortive);
  bool peerShutDown() const { return peerShut_; }
  int64_t nowUs() const { return engine_.nowUs(); }
  const NetAddress* lastPeer() const { return lastPeer_.length ? &lastPeer_ : nullptr; }
  // The peer broke the framing rules: report it (a protocol-violation event, counted per
  // endpoint) and close the connection with that reason.
  void closeForProtocolViolation(const char* rule, const std::string& headerHex, const std::string& message);
  // Asks to close, with the reason the closed event will carry (unless a failure gave one first).
  void closeWithReason(bool abortive, const std::string& code, const std::string& message);
  // A proxy began to inject a fault on this connection: a fault event naming it and its direction.
  void reportFault(const char* fault, const char* direction, const std::string& message);

 private:
  void emit(EventType type, EngineEvent event = {});
  IoResult fail(int err, const char* during);
  void shutdown(ShutdownHow how);
  void recordCapture(Direction direction, size_t bytes, const iovec* data, int count);
  // Reports `state` when it differs from the last one reported. Callers hold stateGuard_ from
  // reading the state until here, so the I/O thread and the sampler report in reading order.
  void reportTcpState(int state);

  EngineServices& engine_;
  std::atomic<int> fd_;  // atomic: wakers on other threads read it
  std::mutex fdGuard_;
  std::unique_ptr<Workload> workload_;
  SendQueue sendQueue_;
  uint64_t sendGeneration_ = 0;  // counts clears of the send queue
  std::unique_ptr<PatternVerifier> verifier_;  // when the incoming stream is the bulk pattern
  std::atomic<Waker*> waker_{nullptr};
  bool closed_ = false;
  bool closeRequested_ = false;
  bool abortiveClose_ = false;
  bool peerReset_ = false;  // the peer reset the connection (ECONNRESET, EPIPE)
  std::string pendingCloseCode_;
  std::string pendingCloseMessage_;
  std::shared_ptr<const NetAddress> defaultDestination_;
  std::set<int> reportedErrors_;  // UDP errno values already reported as events
  bool peerShut_ = false;
  bool readShut_ = false;
  bool writeShut_ = false;
  NetAddress lastPeer_;
  std::mutex stateGuard_;
  int lastTcpState_ = -1;  // under stateGuard_
  std::atomic<uint64_t> bytesIn_{0}, bytesOut_{0}, appSendQueueBytes_{0};
  std::mutex commandsMutex_;
  std::vector<CommandSpec> commands_;
  std::atomic<bool> haveCommands_{false};
  std::atomic<bool> workloadWoken_{false};
};

}  // namespace sockscope
