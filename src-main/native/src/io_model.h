// One I/O model = one way of waiting for and doing socket I/O. Every model runs the same
// workloads through Connection; a model only decides which thread waits where.
#pragma once
#include <memory>

#include "config.h"
#include "engine_services.h"
#include "errors.h"

namespace sockscope {

class IoModel {
 public:
  virtual ~IoModel() = default;

  // Servers bind and listen here, synchronously, so an address in use fails the run's start.
  virtual Status prepare() = 0;
  // Starts the model's threads: servers accept, clients connect.
  virtual Status start() = 0;
  // Stops every thread and closes every socket of the endpoint; returns when all are gone.
  virtual void stop() = 0;
  // TCP servers: closes the listening socket and listens again at the address it had, with the
  // endpoint's options and then `options` applied. Any thread may call it; the thread that owns
  // the listener does the work soon after, through restartListeningSocket (listener_restart.h),
  // which reports the outcome as a Listen event. Connections already accepted stay open.
  virtual void restartListener(const SocketOptionsSpec& options) = 0;
};

std::unique_ptr<IoModel> createBlockingModel(EngineServices& engine, EndpointRuntime& endpoint);
std::unique_ptr<IoModel> createSelectModel(EngineServices& engine, EndpointRuntime& endpoint);
std::unique_ptr<IoModel> createEpollModel(EngineServices& engine, EndpointRuntime& endpoint);
std::unique_ptr<IoModel> createOverlappedModel(EngineServices& engine, EndpointRuntime& endpoint);
std::unique_ptr<IoModel> createCompletionPortModel(EngineServices& engine, EndpointRuntime& endpoint);

}  // namespace sockscope
