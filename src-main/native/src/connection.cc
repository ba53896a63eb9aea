#include "connection.h"

#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "pattern.h"
#include "socket_options.h"
#include "workload.h"

namespace sockscope {
namespace {

const char* shutdownName(ShutdownHow how) {
  switch (how) {
    case ShutdownHow::Read: return "read";
    case ShutdownHow::Write: return "write";
    case ShutdownHow::Both: return "both";
  }
  return "write";
}

}  // namespace

Connection::Connection(EngineServices& engine, EndpointRuntime& endpoint, uint32_t id, int index, int fd, std::unique_ptr<Workload> workload)
    : id(id), index(index), endpoint(endpoint), engine_(engine), fd_(fd), workload_(workload ? std::move(workload) : Workload::create(endpoint.spec)) {
  if (endpoint.spec.verifyIncoming && endpoint.spec.transport == Transport::Tcp) verifier_ = std::make_unique<PatternVerifier>();
}

Connection::~Connection() {
  // Models close their connections before the engine goes away; this only guards against a leak.
  if (!closed_ && fd_ >= 0) ::close(fd_);
}

void Connection::emit(EventType type, EngineEvent event) {
  event.atUs = engine_.nowUs();
  event.connectionId = id;
  event.endpoint = endpoint.index;
  event.type = type;
  engine_.emit(std::move(event));
}

void Connection::opened() {
  EngineEvent event;
  event.local = localAddressOf(fd_);
  event.remote = remoteAddressOf(fd_);
  emit(EventType::Open, std::move(event));
  if (tcp()) observeTcpState();
  endpoint.recordAppliedOptions(fd_);
  workload_->onOpen(*this);
}

void Connection::observeTcpState() {
  if (!tcp() || fd_ < 0) return;
  std::lock_guard<std::mutex> lock(stateGuard_);
  const int state = readTcpState(fd_);
  if (state >= 0) reportTcpState(state);
}

void Connection::reportTcpState(int state) {
  if (lastTcpState_ == state) return;
  lastTcpState_ = state;
  EngineEvent event;
  event.tcpState = state;
  emit(EventType::State, std::move(event));
}

void Connection::recordCapture(Direction direction, size_t bytes, const iovec* data, int count) {
  if (CaptureRing* ring = engine_.capture()) ring->record(engine_.nowUs(), id, endpoint.index, direction, bytes, data, count);
}

IoResult Connection::fail(int err, const char* during) {
  if (err == ECONNRESET || err == EPIPE) {
    EngineEvent event;
    event.code = errnoName(err);
    event.message = std::string("the peer reset the connection during ") + during;
    pendingCloseCode_ = event.code;
    pendingCloseMessage_ = "reset by peer";
    peerReset_ = true;
    emit(EventType::Reset, std::move(event));
    closeRequested_ = true;
    return IoResult::Closed;
  }
  Status status = errnoStatus(err, during);
  endpoint.recordError(status);
  if (!tcp()) {
    // ICMP errors on UDP sockets are reports, not the end. Each code is an event once per
    // socket; repeats are only counted, or a refused stream would flood the event queue.
    if (reportedErrors_.insert(err).second) {
      EngineEvent event;
      event.code = status.code;
      event.message = status.message + " (repeats are counted in the endpoint's errors)";
      emit(EventType::Error, std::move(event));
    }
    return IoResult::WouldBlock;
  }
  EngineEvent event;
  event.code = status.code;
  event.message = status.message;
  emit(EventType::Error, std::move(event));
  pendingCloseCode_ = status.code;
  pendingCloseMessage_ = status.message;
  closeRequested_ = true;
  return IoResult::Closed;
}

bool Connection::wantsRead() {
  if (closed_ || closeRequested_ || readShut_ || (tcp() && peerShut_)) return false;
  return workload_->readBudget(engine_.nowUs()) > 0;
}

size_t Connection::readBudget(size_t bufferBytes) {
  if (closed_) return 0;
  return std::min(bufferBytes, workload_->readBudget(engine_.nowUs()));
}

IoResult Connection::readOnce(uint8_t* scratch, size_t scratchBytes, int flags) {
  if (closed_) return IoResult::Closed;
  const size_t budget = readBudget(scratchBytes);
  if (budget == 0) return IoResult::WouldBlock;
  NetAddress from;
  from.length = sizeof from.storage;
  const ssize_t got = tcp() ? recv(fd_, scratch, budget, flags) : recvfrom(fd_, scratch, budget, flags | MSG_TRUNC, from.get(), &from.length);
  if (got < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      endpoint.counters.wouldBlock.fetch_add(1, std::memory_order_relaxed);
      return IoResult::WouldBlock;
    }
    if (errno == EINTR) return IoResult::Progress;
    return fail(errno, "recv");
  }
  return readCompleted(scratch, static_cast<size_t>(got), budget, tcp() ? nullptr : &from);
}

IoResult Connection::readFailed(int err) {
  if (closed_) return IoResult::Closed;
  return fail(err, "recv");
}

IoResult Connection::readCompleted(uint8_t* data, size_t got, size_t budget, const NetAddress* from) {
  if (closed_) return IoResult::Closed;
  auto& counters = endpoint.counters;
  if (got == 0 && tcp()) {
    peerShut_ = true;
    emit(EventType::PeerShutdown);
    observeTcpState();
    workload_->onPeerShutdown(*this);
    return IoResult::Ended;
  }
  size_t length = got;
  if (!tcp() && length > budget) {
    // MSG_TRUNC reports the datagram's real size: a reader that was too small lost the rest.
    endpoint.recordError(Status::fail("EMSGSIZE", "a datagram of " + std::to_string(length) + " bytes was cut to " + std::to_string(budget)));
    length = budget;
  }
  counters.reads.fetch_add(1, std::memory_order_relaxed);
  counters.bytesIn.fetch_add(length, std::memory_order_relaxed);
  bytesIn_.fetch_add(length, std::memory_order_relaxed);
  iovec captured{data, length};
  recordCapture(Direction::Read, length, &captured, 1);
  if (verifier_) counters.verifyErrors.fetch_add(verifier_->check(data, length), std::memory_order_relaxed);
  if (!tcp() && from) lastPeer_ = *from;
  workload_->onData(*this, data, length, tcp() ? nullptr : from);
  return IoResult::Progress;
}

IoResult Connection::writeOnce() {
  if (closed_) return IoResult::Closed;
  if (sendQueue_.empty() || writeShut_) return IoResult::Ended;
  PreparedWrite write;
  prepareWrite(&write, false);
  msghdr message{};
  message.msg_iov = write.iov;
  message.msg_iovlen = static_cast<size_t>(write.count);
  if (write.haveDestination) {
    message.msg_name = write.destination.get();
    message.msg_namelen = write.destination.length;
  }
  // MSG_NOSIGNAL: a write to a reset connection returns EPIPE instead of killing the process.
  const ssize_t sent = sendmsg(fd_, &message, MSG_NOSIGNAL);
  if (sent < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
      endpoint.counters.wouldBlock.fetch_add(1, std::memory_order_relaxed);
      return IoResult::WouldBlock;
    }
    if (errno == EINTR) return IoResult::Progress;
    return writeCompleted(write, -errno);
  }
  return writeCompleted(write, sent);
}

int Connection::prepareWrite(PreparedWrite* out, bool pin) {
  out->count = 0;
  out->haveDestination = false;
  out->generation = sendGeneration_;
  out->pinned.clear();
  if (closed_ || sendQueue_.empty() || writeShut_) return 0;
  out->count = sendQueue_.nextWrite(out->iov, SendQueue::kMaxGather);
  if (pin) sendQueue_.pinFront(out->count, &out->pinned);
  const NetAddress* destination = sendQueue_.front().destination ? sendQueue_.front().destination.get() : defaultDestination_.get();
  if (destination) {
    out->destination = *destination;
    out->haveDestination = true;
  }
  return out->count;
}

IoResult Connection::writeCompleted(const PreparedWrite& write, ssize_t sent) {
  if (closed_) return IoResult::Closed;
  // A shutdown or close emptied the queue while this write was pending: what it wrote is gone
  // from the queue already.
  const bool queueIntact = write.generation == sendGeneration_;
  if (sent < 0) {
    const int err = static_cast<int>(-sent);
    if (!tcp() && queueIntact) {
      // A datagram that failed is dropped, not retried forever, and the workload may go on.
      sendQueue_.popFront();
      appSendQueueBytes_.store(sendQueue_.queuedBytes(), std::memory_order_relaxed);
      IoResult result = fail(err, "send");
      if (sendQueue_.empty()) workload_->onDrained(*this);
      return result;
    }
    return fail(err, "send");
  }
  const size_t length = static_cast<size_t>(sent);
  auto& counters = endpoint.counters;
  counters.writes.fetch_add(1, std::memory_order_relaxed);
  counters.bytesOut.fetch_add(length, std::memory_order_relaxed);
  endpoint.model.buffersWritten.fetch_add(static_cast<uint64_t>(write.count), std::memory_order_relaxed);
  bytesOut_.fetch_add(length, std::memory_order_relaxed);
  recordCapture(Direction::Write, length, write.iov, write.count);
  if (!queueIntact) return IoResult::Progress;
  // A datagram is sent whole or not at all, even an empty one.
  if (tcp()) sendQueue_.consume(length);
  else sendQueue_.popFront();
  appSendQueueBytes_.store(sendQueue_.queuedBytes(), std::memory_order_relaxed);
  if (sendQueue_.empty()) workload_->onDrained(*this);
  return IoResult::Progress;
}

int64_t Connection::nextTimerUs() const { return closed_ ? 0 : workload_->nextTimerUs(); }

void Connection::onTimer() {
  if (!closed_) workload_->onTimer(*this);
}

void Connection::enqueue(std::shared_ptr<const std::vector<uint8_t>> data, bool ownWrite,
                         std::shared_ptr<const NetAddress> destination, size_t offset, size_t end) {
  if (closed_ || writeShut_) return;
  sendQueue_.push(std::move(data), ownWrite, std::move(destination), offset, end, !tcp());
  appSendQueueBytes_.store(sendQueue_.queuedBytes(), std::memory_order_relaxed);
}

void Connection::shutdown(ShutdownHow how) {
  if (closed_) return;
  const int flag = how == ShutdownHow::Read ? SHUT_RD : how == ShutdownHow::Write ? SHUT_WR : SHUT_RDWR;
  EngineEvent event;
  event.how = how;
  if (how != ShutdownHow::Read && !sendQueue_.empty()) {
    event.message = std::to_string(sendQueue_.queuedBytes()) + " queued bytes were never written";
    sendQueue_.clear();
    ++sendGeneration_;
    appSendQueueBytes_.store(0, std::memory_order_relaxed);
  }
  const int stateBefore = tcp() && how != ShutdownHow::Read ? readTcpState(fd_) : -1;
  if (::shutdown(fd_, flag) != 0) {
    const int err = errno;
    // A peer that reset the connection while nothing read it (after its FIN, say) leaves shutdown
    // only ENOTCONN to say; the socket's pending error says what happened, and it is a reset.
    int pending = 0;
    socklen_t length = sizeof pending;
    if (err == ENOTCONN && tcp() && getsockopt(fd_, SOL_SOCKET, SO_ERROR, &pending, &length) == 0 && (pending == ECONNRESET || pending == EPIPE)) {
      fail(pending, "shutdown");
      return;
    }
    Status status = errnoStatus(err, std::string("shutdown(") + shutdownName(how) + ")");
    endpoint.recordError(status);
    EngineEvent error;
    error.code = status.code;
    error.message = status.message;
    emit(EventType::Error, std::move(error));
    return;
  }
  if (how != ShutdownHow::Write) readShut_ = true;
  if (how != ShutdownHow::Read) writeShut_ = true;
  emit(EventType::Shutdown, std::move(event));
  if (stateBefore == TCP_ESTABLISHED || stateBefore == TCP_CLOSE_WAIT) {
    // Sending our FIN moved the socket to FIN_WAIT1 (or LAST_ACK) inside the shutdown call. On
    // loopback the peer can answer and take it further before we read the state again, so the
    // state the call entered is reported as such, then whatever the kernel says now.
    std::lock_guard<std::mutex> lock(stateGuard_);
    reportTcpState(stateBefore == TCP_ESTABLISHED ? TCP_FIN_WAIT1 : TCP_LAST_ACK);
  }
  observeTcpState();
}

void Connection::shutdownWrite() { shutdown(ShutdownHow::Write); }

void Connection::requestClose(bool abortive) {
  closeRequested_ = true;
  abortiveClose_ = abortiveClose_ || abortive;
}

void Connection::closeForProtocolViolation(const char* rule, const std::string& headerHex, const std::string& message) {
  if (closed_ || closeRequested_) return;
  endpoint.counters.protocolViolations.fetch_add(1, std::memory_order_relaxed);
  EngineEvent event;
  event.code = "EPROTO";
  event.rule = rule;
  event.header = headerHex;
  event.message = message;
  emit(EventType::ProtocolViolation, std::move(event));
  pendingCloseCode_ = "EPROTO";
  pendingCloseMessage_ = std::string("protocol violation: ") + rule;
  requestClose(false);
}

void Connection::closeWithReason(bool abortive, const std::string& code, const std::string& message) {
  if (closed_) return;
  if (pendingCloseCode_.empty() && pendingCloseMessage_.empty()) {
    pendingCloseCode_ = code;
    pendingCloseMessage_ = message;
  }
  requestClose(abortive);
}

void Connection::reportFault(const char* fault, const char* direction, const std::string& message) {
  if (closed_) return;
  EngineEvent event;
  event.fault = fault;
  event.direction = direction;
  event.message = message;
  emit(EventType::Fault, std::move(event));
}

void Connection::close() {
  if (closed_) return;
  // Before the socket goes: a proxy passes a reset on to the other side of its pair.
  workload_->onClosing(*this, peerReset_ || abortiveClose_);
  if (abortiveClose_ && tcp()) setAbortiveLinger(fd_);
  // A lingering close blocks for up to its timeout; a stopping engine must not wait for it.
  else if (tcp() && engine_.stopping()) clearLinger(fd_);
  int fd;
  {
    std::lock_guard<std::mutex> lock(fdGuard_);
    fd = fd_.exchange(-1);
    closed_ = true;
  }
  // Outside the guard: close() may block (SO_LINGER), and the sampler must not wait behind it.
  ::close(fd);
  EngineEvent event;
  event.abortive = abortiveClose_;
  event.code = pendingCloseCode_;
  event.message = pendingCloseMessage_;
  if (!sendQueue_.empty() && event.message.empty()) event.message = std::to_string(sendQueue_.queuedBytes()) + " queued bytes were never written";
  sendQueue_.clear();
  ++sendGeneration_;
  appSendQueueBytes_.store(0, std::memory_order_relaxed);
  emit(EventType::Closed, std::move(event));
  endpoint.counters.connectionsOpen.fetch_sub(1, std::memory_order_relaxed);
}

void Connection::post(CommandSpec command) {
  {
    std::lock_guard<std::mutex> lock(commandsMutex_);
    commands_.push_back(std::move(command));
    haveCommands_.store(true, std::memory_order_release);
  }
  if (Waker* waker = waker_.load(std::memory_order_acquire)) waker->wake(*this);
}

void Connection::wakeWorkload() {
  // Only the first wake before the owner looks costs a wake-up; later ones find the flag set.
  if (workloadWoken_.exchange(true, std::memory_order_acq_rel)) return;
  if (Waker* waker = waker_.load(std::memory_order_acquire)) waker->wake(*this);
}

void Connection::runCommands() {
  if (!closed_ && workloadWoken_.load(std::memory_order_acquire)) {
    workloadWoken_.store(false, std::memory_order_release);
    workload_->onWake(*this);
  }
  if (!haveCommands_.load(std::memory_order_acquire)) return;
  std::vector<CommandSpec> commands;
  {
    std::lock_guard<std::mutex> lock(commandsMutex_);
    commands.swap(commands_);
    haveCommands_.store(false, std::memory_order_relaxed);
  }
  for (CommandSpec& command : commands) {
    if (closed_) return;
    switch (command.kind) {
      case CommandKind::Send: {
        // A UDP server socket answers whoever wrote to it last.
        std::shared_ptr<const NetAddress> destination;
        if (!tcp() && endpoint.spec.role == Role::Server) {
          if (!lastPeer()) {
            endpoint.recordError(Status::fail("EDESTADDRREQ", "nothing to send to: no datagram has arrived yet"));
            continue;
          }
          destination = std::make_shared<const NetAddress>(lastPeer_);
        }
        enqueue(std::make_shared<const std::vector<uint8_t>>(std::move(command.bytes)), true, std::move(destination));
        break;
      }
      case CommandKind::Shutdown:
        shutdown(command.how);
        break;
      case CommandKind::Close:
        requestClose(command.abortive);
        break;
      case CommandKind::RestartListener:
        break;  // the engine hands it to the endpoint's model; it never reaches a connection
      case CommandKind::SetOption: {
        Status status = applySocketOptions(fd_, endpoint.spec.transport, command.options);
        EngineEvent event;
        if (status.ok()) {
          endpoint.recordAppliedOptions(fd_, true);
          event.message = "options applied";
          emit(EventType::Option, std::move(event));
        } else {
          endpoint.recordError(status);
          event.code = status.code;
          event.message = status.message;
          emit(EventType::Error, std::move(event));
        }
        break;
      }
    }
  }
}

bool Connection::sample(ConnectionSample* out) {
  std::lock_guard<std::mutex> lock(fdGuard_);
  if (closed_) return false;
  out->bytesIn = bytesIn_.load(std::memory_order_relaxed);
  out->bytesOut = bytesOut_.load(std::memory_order_relaxed);
  out->appSendQueueBytes = appSendQueueBytes_.load(std::memory_order_relaxed);
  out->queues = readQueues(fd_, tcp());
  if (!tcp()) {
    out->haveTcp = false;
    out->atUs = engine_.nowUs();
    return true;
  }
  // Timestamped after the reading, under the state guard: a state the I/O thread reported a
  // moment earlier is never followed by an older state carrying a later time.
  std::lock_guard<std::mutex> stateLock(stateGuard_);
  out->haveTcp = readTcpInfo(fd_, &out->tcp);
  out->atUs = engine_.nowUs();
  if (out->haveTcp) reportTcpState(out->tcp.state);
  return true;
}

bool Connection::sampleKernel(KernelBrief* out) {
  std::lock_guard<std::mutex> lock(fdGuard_);
  if (closed_) return false;
  const QueueSample queues = readQueues(fd_, tcp());
  out->sendQueueBytes = static_cast<uint64_t>(std::max(0, queues.sendQueueBytes.value_or(0)));
  out->recvQueueBytes = static_cast<uint64_t>(std::max(0, queues.recvQueueBytes.value_or(0)));
  TcpInfoSample info;
  if (tcp() && readTcpInfo(fd_, &info)) {
    out->tcpState = info.state;
    out->rttUs = info.rttUs;
  } else {
    out->tcpState = -1;
    out->rttUs = 0;
  }
  out->atUs = engine_.nowUs();
  return true;
}

}  // namespace sockscope
