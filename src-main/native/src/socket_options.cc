#include "socket_options.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <cerrno>

namespace sockscope {
namespace {

Status setInt(int fd, int level, int name, int value, const char* what) {
  if (setsockopt(fd, level, name, &value, sizeof value) != 0) return errnoStatus(errno, std::string("setsockopt ") + what);
  return Status::success();
}

int getInt(int fd, int level, int name) {
  int value = 0;
  socklen_t length = sizeof value;
  if (getsockopt(fd, level, name, &value, &length) != 0) return -1;
  return value;
}

Status setLinger(int fd, bool on, int seconds) {
  linger value{};
  value.l_onoff = on ? 1 : 0;
  value.l_linger = seconds;
  if (setsockopt(fd, SOL_SOCKET, SO_LINGER, &value, sizeof value) != 0) return errnoStatus(errno, "setsockopt SO_LINGER");
  return Status::success();
}

}  // namespace

Status applySocketOptions(int fd, Transport transport, const SocketOptionsSpec& options) {
  Status status;
  if (options.reuseAddr && !(status = setInt(fd, SOL_SOCKET, SO_REUSEADDR, *options.reuseAddr, "SO_REUSEADDR")).ok()) return status;
  if (options.reusePort && !(status = setInt(fd, SOL_SOCKET, SO_REUSEPORT, *options.reusePort, "SO_REUSEPORT")).ok()) return status;
  if (options.sndBufBytes && !(status = setInt(fd, SOL_SOCKET, SO_SNDBUF, *options.sndBufBytes, "SO_SNDBUF")).ok()) return status;
  if (options.rcvBufBytes && !(status = setInt(fd, SOL_SOCKET, SO_RCVBUF, *options.rcvBufBytes, "SO_RCVBUF")).ok()) return status;
  if (transport == Transport::Udp) return Status::success();
  if (options.noDelay && !(status = setInt(fd, IPPROTO_TCP, TCP_NODELAY, *options.noDelay, "TCP_NODELAY")).ok()) return status;
  if (options.lingerGiven) {
    status = options.lingerSeconds ? setLinger(fd, true, *options.lingerSeconds) : setLinger(fd, false, 0);
    if (!status.ok()) return status;
  }
  if (options.keepAliveGiven) {
    if (!options.keepAlive) return setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 0, "SO_KEEPALIVE");
    const KeepAliveSpec& keepAlive = *options.keepAlive;
    if (!(status = setInt(fd, IPPROTO_TCP, TCP_KEEPIDLE, keepAlive.idleS, "TCP_KEEPIDLE")).ok()) return status;
    if (!(status = setInt(fd, IPPROTO_TCP, TCP_KEEPINTVL, keepAlive.intervalS, "TCP_KEEPINTVL")).ok()) return status;
    if (!(status = setInt(fd, IPPROTO_TCP, TCP_KEEPCNT, keepAlive.count, "TCP_KEEPCNT")).ok()) return status;
    if (!(status = setInt(fd, SOL_SOCKET, SO_KEEPALIVE, 1, "SO_KEEPALIVE")).ok()) return status;
  }
  return Status::success();
}

Status readSocketOptions(int fd, Transport transport, AppliedSocketOptions* out) {
  *out = AppliedSocketOptions{};
  out->sndBufBytes = getInt(fd, SOL_SOCKET, SO_SNDBUF);
  if (out->sndBufBytes < 0) return errnoStatus(errno, "getsockopt SO_SNDBUF");
  out->rcvBufBytes = getInt(fd, SOL_SOCKET, SO_RCVBUF);
  out->reuseAddr = getInt(fd, SOL_SOCKET, SO_REUSEADDR) > 0;
  out->reusePort = getInt(fd, SOL_SOCKET, SO_REUSEPORT) > 0;
  linger value{};
  socklen_t length = sizeof value;
  if (getsockopt(fd, SOL_SOCKET, SO_LINGER, &value, &length) == 0 && value.l_onoff) out->lingerSeconds = value.l_linger;
  if (transport == Transport::Tcp) {
    out->noDelay = getInt(fd, IPPROTO_TCP, TCP_NODELAY) > 0;
    if (getInt(fd, SOL_SOCKET, SO_KEEPALIVE) > 0) {
      out->keepAlive = KeepAliveSpec{getInt(fd, IPPROTO_TCP, TCP_KEEPIDLE), getInt(fd, IPPROTO_TCP, TCP_KEEPINTVL),
                                     getInt(fd, IPPROTO_TCP, TCP_KEEPCNT)};
    }
  }
  return Status::success();
}

Status setAbortiveLinger(int fd) { return setLinger(fd, true, 0); }

Status clearLinger(int fd) { return setLinger(fd, false, 0); }

}  // namespace sockscope
