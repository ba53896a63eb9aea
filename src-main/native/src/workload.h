// What a connection does with its bytes: echo, sink, bulk, ping-pong, manual, a framed
// workload (framed_workloads.h) or a chat member (chat_workloads.h). Workloads run on
// the connection's owner thread and only talk to the Connection; they never make system calls.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>

#include "config.h"
#include "net_address.h"

namespace sockscope {

class Connection;

class Workload {
 public:
  static std::unique_ptr<Workload> create(const EndpointSpec& endpoint);
  virtual ~Workload() = default;

  virtual void onOpen(Connection& connection) {}
  // Bytes arrived (a datagram for UDP, with its sender).
  virtual void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress* from) {}
  // The peer shut down writing (read returned 0). The default closes once the send queue is empty.
  virtual void onPeerShutdown(Connection& connection);
  // The send queue became empty.
  virtual void onDrained(Connection& connection);
  virtual void onTimer(Connection& connection) {}
  // Engine time of the next onTimer(), or 0.
  virtual int64_t nextTimerUs() const { return 0; }
  // How many bytes the workload will read now (a slow reader reads less, or nothing).
  virtual size_t readBudget(int64_t nowUs) { return SIZE_MAX; }
  // Another thread called Connection::wakeWorkload() (work was handed to this connection).
  virtual void onWake(Connection& connection) {}
  // The connection is about to close; reset: the peer reset it, or it closes abortively.
  virtual void onClosing(Connection& connection, bool reset) {}
};

}  // namespace sockscope
