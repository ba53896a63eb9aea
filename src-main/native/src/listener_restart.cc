#include "listener_restart.h"

#include <netinet/tcp.h>
#include <unistd.h>

#include "sockets.h"
#include "tcp_diag.h"

namespace sockscope {

int restartListeningSocket(EngineServices& engine, EndpointRuntime& endpoint, int oldFd, const SocketOptionsSpec& overrides, bool nonBlocking) {
  const NetAddress& address = endpoint.boundAddress;
  EngineEvent event;
  event.atUs = engine.nowUs();
  event.endpoint = endpoint.index;
  event.type = EventType::Listen;
  event.local = formatNetAddress(address);
  event.reuseAddr = overrides.reuseAddr.value_or(endpoint.spec.options.reuseAddr.value_or(false));
  // Counted before the close: the moment the old server goes away is the moment that matters.
  PortSocketCount timeWait;
  Status counted = countTcpSocketsOnPort(address.port(), TCP_TIME_WAIT, &timeWait);
  std::string census;
  if (counted.ok()) {
    event.timeWaitSockets = static_cast<int64_t>(timeWait.sockets);
    event.timeWaitSource = timeWait.source;
    census = std::to_string(timeWait.sockets) + (timeWait.sockets == 1 ? " socket was" : " sockets were") + " in TIME_WAIT on port " +
             std::to_string(address.port()) + " (" + timeWait.source + ")";
  } else {
    census = "the TIME_WAIT sockets could not be counted: " + counted.message;
  }
  if (oldFd >= 0) ::close(oldFd);
  int fd = -1;
  Status status = reopenServerSocket(endpoint.spec, address, overrides, nonBlocking, &fd);
  const std::string reuse = std::string("SO_REUSEADDR ") + (event.reuseAddr ? "on" : "off");
  if (status.ok()) {
    event.message = "listening again on " + event.local + " with " + reuse + "; " + census;
  } else {
    status.message += " on restart with " + reuse + "; " + census;
    endpoint.recordError(status);
    event.code = status.code;
    event.message = status.message;
  }
  engine.emit(std::move(event));
  return status.ok() ? fd : -1;
}

}  // namespace sockscope
