// Counting a port's TCP sockets in one state as the kernel sees them: sock_diag
// (NETLINK_INET_DIAG, what `ss` uses) with the port filter run in the kernel, and /proc/net/tcp
// as the fallback when netlink is refused. The result says which one answered.
#pragma once
#include <cstdint>

#include "errors.h"

namespace sockscope {

struct PortSocketCount {
  uint64_t sockets = 0;
  const char* source = "";  // "sock_diag", or "/proc/net/tcp" when sock_diag was refused
};

// How many IPv4 and IPv6 TCP sockets with local port `port` are in `tcpState` (TCP_TIME_WAIT,
// from netinet/tcp.h). Fails only when neither sock_diag nor /proc/net/tcp answered.
Status countTcpSocketsOnPort(int port, int tcpState, PortSocketCount* out);

}  // namespace sockscope
