#include "completion_backend.h"

namespace sockscope {

Status openCompletionBackend(BackendKind requested, const std::string& endpointId, EndpointCounters& counters,
                             BackendChoice* out) {
  Status status = Status::success();
  if (requested != BackendKind::Epoll) {
    out->backend = createUringBackend(&status);
    if (out->backend) return Status::success();
    if (requested == BackendKind::IoUring) {
      return Status::fail(status.code, "endpoint \"" + endpointId + "\": backend \"io_uring\" cannot run here: " + status.message +
                                           " (choose \"backend\": \"auto\" or \"epoll\")");
    }
    out->note = "auto fell back to the epoll emulation: " + status.message;
  }
  out->backend = createEpollBackend(counters, &status);
  return out->backend ? Status::success() : status;
}

}  // namespace sockscope
