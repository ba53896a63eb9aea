// Stands in for backend_uring.cc where the build found no liburing, so "auto" says why it fell
// back and an explicit "io_uring" fails with a reason.
#include "completion_backend.h"

namespace sockscope {

std::unique_ptr<CompletionBackend> createUringBackend(Status* status) {
  *status = Status::fail("ENOSYS", "this build of the engine has no liburing (install liburing-dev and rebuild)");
  return nullptr;
}

}  // namespace sockscope
