// The overlapped model: like Overlapped I/O with completion routines, each thread posts its
// operations and the completions come back to that same thread, through a queue of its own.
// Accepted connections are spread over the threads; a connection never changes thread.
#include "proactor.h"

namespace sockscope {

std::unique_ptr<IoModel> createOverlappedModel(EngineServices& engine, EndpointRuntime& endpoint) {
  return createProactorModel(engine, endpoint, ProactorShape{endpoint.spec.threads, 1});
}

}  // namespace sockscope
