#include "sockets.h"

#include <fcntl.h>
#include <poll.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>

#include "socket_options.h"

namespace sockscope {
namespace {

Status describe(int err, const char* call, const NetAddress& address) {
  const std::string where = formatNetAddress(address);
  if (err == EADDRINUSE) return Status::fail("EADDRINUSE", "address " + where + " is already in use (EADDRINUSE)");
  if (err == EACCES) return Status::fail("EACCES", "permission denied to " + std::string(call) + " " + where + " (EACCES): ports below 1024 need privileges");
  if (err == EADDRNOTAVAIL) return Status::fail("EADDRNOTAVAIL", "address " + where + " is not available on this machine (EADDRNOTAVAIL)");
  return errnoStatus(err, std::string(call) + " " + where);
}

}  // namespace

Status finishConnect(int fd, const NetAddress& target);

namespace {

// Waits for a connect that outlived its first step, one step at a time.
Status awaitConnect(int fd, const NetAddress& target, const std::atomic<bool>* stopping, int stepMs) {
  for (;;) {
    if (stopping && stopping->load()) return Status::fail("ECANCELED", "connect to " + formatNetAddress(target) + " abandoned: the run stopped");
    pollfd wanted{fd, POLLOUT, 0};
    const int ready = poll(&wanted, 1, stepMs);
    if (ready > 0) return finishConnect(fd, target);
    if (ready < 0 && errno != EINTR) return errnoStatus(errno, "poll");
  }
}

// The endpoint's options, then the overrides (a listener restart's own options), so the last
// word on each option is the override's.
Status openBoundSocket(const EndpointSpec& spec, const NetAddress& address, const SocketOptionsSpec* overrides, bool nonBlocking, int* fd,
                       NetAddress* bound) {
  const bool tcp = spec.transport == Transport::Tcp;
  const int type = (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0);
  const int socketFd = socket(address.family(), type, 0);
  if (socketFd < 0) return errnoStatus(errno, "socket");
  auto failWith = [&](Status failure) {
    ::close(socketFd);
    return failure;
  };
  Status status = applySocketOptions(socketFd, spec.transport, spec.options);
  if (status.ok() && overrides) status = applySocketOptions(socketFd, spec.transport, *overrides);
  if (!status.ok()) return failWith(status);
  if (bind(socketFd, address.get(), address.length) != 0) return failWith(describe(errno, "bind", address));
  if (tcp && listen(socketFd, spec.backlog) != 0) return failWith(describe(errno, "listen on", address));
  bound->length = sizeof bound->storage;
  getsockname(socketFd, bound->get(), &bound->length);
  *fd = socketFd;
  return Status::success();
}

}  // namespace

Status openServerSocket(const EndpointSpec& spec, bool nonBlocking, int* fd, NetAddress* bound) {
  NetAddress address;
  Status status = parseNetAddress(spec.host, spec.port, &address);
  if (!status.ok()) return status;
  return openBoundSocket(spec, address, nullptr, nonBlocking, fd, bound);
}

Status reopenServerSocket(const EndpointSpec& spec, const NetAddress& address, const SocketOptionsSpec& overrides, bool nonBlocking, int* fd) {
  NetAddress bound;
  return openBoundSocket(spec, address, &overrides, nonBlocking, fd, &bound);
}

Status openClientSocket(const EndpointSpec& spec, const NetAddress& target, bool nonBlocking, int* fd, bool* inProgress,
                        const std::atomic<bool>* stopping, int stepMs) {
  const bool tcp = spec.transport == Transport::Tcp;
  const int type = (tcp ? SOCK_STREAM : SOCK_DGRAM) | SOCK_CLOEXEC | (nonBlocking ? SOCK_NONBLOCK : 0);
  const int socketFd = socket(target.family(), type, 0);
  if (socketFd < 0) return errnoStatus(errno, "socket");
  Status status = applySocketOptions(socketFd, spec.transport, spec.options);
  if (!status.ok()) {
    ::close(socketFd);
    return status;
  }
  *inProgress = false;
  // Linux ends a blocking connect with EINPROGRESS once SO_SNDTIMEO passes (socket(7)).
  if (!nonBlocking && tcp) setBlockingTimeouts(socketFd, stepMs, stepMs);
  if (tcp || spec.udpConnected) {
    if (connect(socketFd, target.get(), target.length) != 0) {
      if (errno == EINPROGRESS && nonBlocking) {
        *inProgress = true;
      } else if (errno == EINPROGRESS) {
        Status status = awaitConnect(socketFd, target, stopping, stepMs);
        if (!status.ok()) {
          ::close(socketFd);
          return status;
        }
      } else {
        const int err = errno;
        ::close(socketFd);
        return err == ECONNREFUSED ? Status::fail("ECONNREFUSED", "connection to " + formatNetAddress(target) + " refused (ECONNREFUSED)")
                                   : describe(err, "connect to", target);
      }
    }
  }
  *fd = socketFd;
  return Status::success();
}

Status finishConnect(int fd, const NetAddress& target) {
  int err = 0;
  socklen_t length = sizeof err;
  if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &length) != 0) err = errno;
  if (err == 0) return Status::success();
  if (err == ECONNREFUSED) return Status::fail("ECONNREFUSED", "connection to " + formatNetAddress(target) + " refused (ECONNREFUSED)");
  return describe(err, "connect to", target);
}

void setBlockingTimeouts(int fd, int receiveTimeoutMs, int sendTimeoutMs) {
  auto set = [fd](int option, int timeoutMs) {
    timeval timeout{};
    timeout.tv_sec = timeoutMs / 1000;
    timeout.tv_usec = (timeoutMs % 1000) * 1000;
    setsockopt(fd, SOL_SOCKET, option, &timeout, sizeof timeout);
  };
  set(SO_RCVTIMEO, receiveTimeoutMs);
  set(SO_SNDTIMEO, sendTimeoutMs);
}

}  // namespace sockscope
