#include "net_address.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cerrno>
#include <cstring>

namespace sockscope {

int NetAddress::port() const {
  if (family() == AF_INET) return ntohs(reinterpret_cast<const sockaddr_in*>(&storage)->sin_port);
  if (family() == AF_INET6) return ntohs(reinterpret_cast<const sockaddr_in6*>(&storage)->sin6_port);
  return 0;
}

Status parseNetAddress(const std::string& host, int port, NetAddress* out) {
  *out = NetAddress{};
  if (port < 0 || port > 65535) return Status::fail("EINVAL", "port " + std::to_string(port) + " is outside 0..65535");
  auto* v4 = reinterpret_cast<sockaddr_in*>(&out->storage);
  if (inet_pton(AF_INET, host.c_str(), &v4->sin_addr) == 1) {
    v4->sin_family = AF_INET;
    v4->sin_port = htons(static_cast<uint16_t>(port));
    out->length = sizeof(sockaddr_in);
    return Status::success();
  }
  std::string bare = host;
  if (bare.size() > 2 && bare.front() == '[' && bare.back() == ']') bare = bare.substr(1, bare.size() - 2);
  auto* v6 = reinterpret_cast<sockaddr_in6*>(&out->storage);
  if (inet_pton(AF_INET6, bare.c_str(), &v6->sin6_addr) == 1) {
    v6->sin6_family = AF_INET6;
    v6->sin6_port = htons(static_cast<uint16_t>(port));
    out->length = sizeof(sockaddr_in6);
    return Status::success();
  }
  return Status::fail("EINVAL", "\"" + host + "\" is not a numeric IPv4 or IPv6 address");
}

std::string formatNetAddress(const sockaddr* address, socklen_t length) {
  char text[INET6_ADDRSTRLEN] = {0};
  if (address->sa_family == AF_INET && length >= sizeof(sockaddr_in)) {
    auto* v4 = reinterpret_cast<const sockaddr_in*>(address);
    inet_ntop(AF_INET, &v4->sin_addr, text, sizeof text);
    return std::string(text) + ":" + std::to_string(ntohs(v4->sin_port));
  }
  if (address->sa_family == AF_INET6 && length >= sizeof(sockaddr_in6)) {
    auto* v6 = reinterpret_cast<const sockaddr_in6*>(address);
    inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof text);
    return "[" + std::string(text) + "]:" + std::to_string(ntohs(v6->sin6_port));
  }
  return "";
}

std::string formatNetAddress(const NetAddress& address) { return formatNetAddress(address.get(), address.length); }

std::string localAddressOf(int fd) {
  NetAddress address;
  address.length = sizeof address.storage;
  if (getsockname(fd, address.get(), &address.length) != 0) return "";
  return formatNetAddress(address);
}

std::string remoteAddressOf(int fd) {
  NetAddress address;
  address.length = sizeof address.storage;
  if (getpeername(fd, address.get(), &address.length) != 0) return "";
  return formatNetAddress(address);
}

}  // namespace sockscope
