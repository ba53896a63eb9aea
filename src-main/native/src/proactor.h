// The proactor models: operations (accept, connect, recv, send) are posted with their buffers and
// complete later through a completion queue. `overlapped` and `completion-port` differ only in
// the shape of their queues, as the reactor models differ only in their poller.
#pragma once
#include <memory>

#include "engine_services.h"
#include "io_model.h"

namespace sockscope {

struct ProactorShape {
  int queues = 1;           // each with its own backend
  int workersPerQueue = 1;  // threads draining one queue
};

std::unique_ptr<IoModel> createProactorModel(EngineServices& engine, EndpointRuntime& endpoint, ProactorShape shape);

}  // namespace sockscope
