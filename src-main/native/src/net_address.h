// Numeric socket addresses: parsing "127.0.0.1"/"::1" with a port, and formatting for people.
#pragma once
#include <sys/socket.h>

#include <string>

#include "errors.h"

namespace sockscope {

struct NetAddress {
  sockaddr_storage storage{};
  socklen_t length = 0;

  const sockaddr* get() const { return reinterpret_cast<const sockaddr*>(&storage); }
  sockaddr* get() { return reinterpret_cast<sockaddr*>(&storage); }
  int family() const { return storage.ss_family; }
  int port() const;
};

// Parses a numeric IPv4 or IPv6 address; host names are resolved by the engine host before.
Status parseNetAddress(const std::string& host, int port, NetAddress* out);

// "127.0.0.1:8080" or "[::1]:8080".
std::string formatNetAddress(const sockaddr* address, socklen_t length);
std::string formatNetAddress(const NetAddress& address);

// The local or remote address of a socket, formatted; empty when the call fails.
std::string localAddressOf(int fd);
std::string remoteAddressOf(int fd);

}  // namespace sockscope
