// Opening the sockets of an endpoint, the same for every model.
#pragma once
#include <atomic>

#include "config.h"
#include "errors.h"
#include "net_address.h"

namespace sockscope {

// A TCP listener or a bound UDP socket at the endpoint's address, with its options applied.
// On success *bound is the address the kernel gave (port 0 becomes a real port).
Status openServerSocket(const EndpointSpec& spec, bool nonBlocking, int* fd, NetAddress* bound);

// A listener again at `address` (the one the first listen got, so port 0 keeps its real port),
// with the endpoint's options and then `overrides` applied. EADDRINUSE names the address.
Status reopenServerSocket(const EndpointSpec& spec, const NetAddress& address, const SocketOptionsSpec& overrides, bool nonBlocking, int* fd);

// A client socket with options applied, and connect() started (non-blocking) or done (blocking).
// *inProgress is true when a non-blocking TCP connect is still under way.
// A blocking connect waits in steps of stepMs (or until a signal interrupts it) and gives up when
// *stopping turns true, so a dropped SYN cannot hold a stopping engine for the kernel's two
// minutes of retries.
Status openClientSocket(const EndpointSpec& spec, const NetAddress& target, bool nonBlocking, int* fd, bool* inProgress,
                        const std::atomic<bool>* stopping = nullptr, int stepMs = 25);

// After a non-blocking connect became writable: its outcome.
Status finishConnect(int fd, const NetAddress& target);

// SO_RCVTIMEO and SO_SNDTIMEO: how long a blocking receive (or accept) and send (or connect) may
// wait before they return EAGAIN.
void setBlockingTimeouts(int fd, int receiveTimeoutMs, int sendTimeoutMs);

}  // namespace sockscope
