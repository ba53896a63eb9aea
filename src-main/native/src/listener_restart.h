// Restarting a server's listener within a run, as a server process restarted on the same port
// would: close the listening socket, then bind and listen again at the address it had. What the
// kernel said is reported with the port's TIME_WAIT sockets counted at that moment, because they
// are what decides whether the bind succeeds (with SO_REUSEADDR on them and on the new socket).
#pragma once
#include "config.h"
#include "engine_services.h"

namespace sockscope {

// Called by a model on the thread that owns the listener, after it stopped watching oldFd.
// Closes oldFd (when >= 0) and opens a listener at endpoint.boundAddress with the endpoint's
// options, then `overrides`. Emits a Listen event either way; a failure also counts as an error
// of the endpoint. Returns the new descriptor, or -1 when the address could not be taken again.
int restartListeningSocket(EngineServices& engine, EndpointRuntime& endpoint, int oldFd, const SocketOptionsSpec& overrides, bool nonBlocking);

}  // namespace sockscope
