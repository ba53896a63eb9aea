// Applying the profile's socket options and reading back what the kernel made of them.
#pragma once
#include "config.h"
#include "errors.h"

namespace sockscope {

// What getsockopt reports; the same names as the profile's options.
struct AppliedSocketOptions {
  std::optional<bool> noDelay;  // empty for UDP
  int sndBufBytes = 0;
  int rcvBufBytes = 0;
  std::optional<int> lingerSeconds;  // empty = linger off
  std::optional<KeepAliveSpec> keepAlive;  // empty = keepalive off
  bool reuseAddr = false;
  bool reusePort = false;
};

// Options that must be set before bind/listen/connect (buffers, reuse) and the rest.
// Returns the first failure, naming the option; earlier options stay applied.
Status applySocketOptions(int fd, Transport transport, const SocketOptionsSpec& options);

// Reads every option back from the kernel. Fails only when the socket is gone.
Status readSocketOptions(int fd, Transport transport, AppliedSocketOptions* out);

// Sets SO_LINGER to {on, 0}: the next close() discards unsent data and sends a reset.
Status setAbortiveLinger(int fd);

// Sets SO_LINGER off: close() returns at once and the kernel sends what is left.
Status clearLinger(int fd);

}  // namespace sockscope
