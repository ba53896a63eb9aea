// The completion-port model: like an IOCP, one completion queue for the whole endpoint, drained by
// a pool of worker threads (GetQueuedCompletionStatus); any worker may run any connection's
// completion, one at a time per connection.
#include "proactor.h"

namespace sockscope {

std::unique_ptr<IoModel> createCompletionPortModel(EngineServices& engine, EndpointRuntime& endpoint) {
  return createProactorModel(engine, endpoint, ProactorShape{1, endpoint.spec.threads});
}

}  // namespace sockscope
