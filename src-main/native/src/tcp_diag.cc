#include "tcp_diag.h"

#include <linux/inet_diag.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

namespace sockscope {
namespace {

// A dump request with a bytecode program "sport >= port && sport <= port", so the kernel sends
// only this port's sockets (the layout `ss` sends; see inet_diag_bc_audit for the jump rules).
struct DiagRequest {
  nlmsghdr header;
  inet_diag_req_v2 request;
  rtattr bytecodeAttribute;
  inet_diag_bc_op bytecode[4];
};

Status countWithSockDiag(int family, int port, int tcpState, uint64_t* count) {
  const int fd = socket(AF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC, NETLINK_SOCK_DIAG);
  if (fd < 0) return errnoStatus(errno, "socket(NETLINK_SOCK_DIAG)");
  // A kernel that never answers must not hold the thread that restarts a listener.
  timeval timeout{1, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);

  DiagRequest message{};
  message.header.nlmsg_len = sizeof message;
  message.header.nlmsg_type = SOCK_DIAG_BY_FAMILY;
  message.header.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  message.header.nlmsg_seq = 1;
  message.request.sdiag_family = static_cast<uint8_t>(family);
  message.request.sdiag_protocol = IPPROTO_TCP;
  message.request.idiag_states = 1u << tcpState;
  message.bytecodeAttribute.rta_type = INET_DIAG_REQ_BYTECODE;
  message.bytecodeAttribute.rta_len = RTA_LENGTH(sizeof message.bytecode);
  const uint16_t portValue = static_cast<uint16_t>(port);
  // A jump of the program's remaining length + 4 rejects the socket.
  message.bytecode[0] = inet_diag_bc_op{INET_DIAG_BC_S_GE, sizeof(inet_diag_bc_op) * 2, sizeof(inet_diag_bc_op) * 4 + 4};
  message.bytecode[1] = inet_diag_bc_op{0, 0, portValue};
  message.bytecode[2] = inet_diag_bc_op{INET_DIAG_BC_S_LE, sizeof(inet_diag_bc_op) * 2, sizeof(inet_diag_bc_op) * 2 + 4};
  message.bytecode[3] = inet_diag_bc_op{0, 0, portValue};

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &message, sizeof message, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    const int err = errno;
    ::close(fd);
    return errnoStatus(err, "sock_diag request");
  }
  std::vector<char> buffer(32 * 1024);
  uint64_t found = 0;
  for (;;) {
    const ssize_t got = recv(fd, buffer.data(), buffer.size(), 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return errnoStatus(err, "sock_diag reply");
    }
    int remaining = static_cast<int>(got);
    for (auto* header = reinterpret_cast<nlmsghdr*>(buffer.data()); NLMSG_OK(header, remaining); header = NLMSG_NEXT(header, remaining)) {
      if (header->nlmsg_type == NLMSG_DONE) {
        ::close(fd);
        *count = found;
        return Status::success();
      }
      if (header->nlmsg_type == NLMSG_ERROR) {
        const auto* error = static_cast<const nlmsgerr*>(NLMSG_DATA(header));
        ::close(fd);
        return errnoStatus(-error->error, "sock_diag");
      }
      if (header->nlmsg_type != SOCK_DIAG_BY_FAMILY) continue;
      const auto* socketInfo = static_cast<const inet_diag_msg*>(NLMSG_DATA(header));
      // Checked again here: the filter is the kernel's to apply, the count is ours to vouch for.
      if (socketInfo->idiag_state == tcpState && ntohs(socketInfo->id.idiag_sport) == port) ++found;
    }
  }
}

// One line of /proc/net/tcp: "sl local_address rem_address st ...", addresses as HEX:PORT.
Status countWithProc(const char* path, int port, int tcpState, uint64_t* count) {
  FILE* file = std::fopen(path, "re");
  if (!file) return errnoStatus(errno, std::string("open ") + path);
  char line[512];
  if (!std::fgets(line, sizeof line, file)) {  // the header
    std::fclose(file);
    return Status::success();
  }
  while (std::fgets(line, sizeof line, file)) {
    char local[64];
    unsigned state = 0;
    if (std::sscanf(line, " %*u: %63s %*s %x", local, &state) != 2) continue;
    const char* colon = std::strrchr(local, ':');
    if (colon && static_cast<int>(std::strtoul(colon + 1, nullptr, 16)) == port && static_cast<int>(state) == tcpState) ++*count;
  }
  std::fclose(file);
  return Status::success();
}

}  // namespace

Status countTcpSocketsOnPort(int port, int tcpState, PortSocketCount* out) {
  uint64_t v4 = 0, v6 = 0;
  Status status = countWithSockDiag(AF_INET, port, tcpState, &v4);
  if (status.ok()) status = countWithSockDiag(AF_INET6, port, tcpState, &v6);
  if (status.ok()) {
    out->sockets = v4 + v6;
    out->source = "sock_diag";
    return status;
  }
  uint64_t fromProc = 0;
  Status proc = countWithProc("/proc/net/tcp", port, tcpState, &fromProc);
  if (!proc.ok()) return Status::fail(status.code, status.message + "; " + proc.message);
  // A kernel without IPv6 has no tcp6 file; the IPv4 count stands alone then.
  countWithProc("/proc/net/tcp6", port, tcpState, &fromProc);
  out->sockets = fromProc;
  out->source = "/proc/net/tcp";
  return Status::success();
}

}  // namespace sockscope
