#include "engine_services.h"

#include "chat_room.h"

namespace sockscope {

EndpointRuntime::EndpointRuntime(int index, EndpointSpec spec) : index(index), spec(std::move(spec)) {
  if (this->spec.workload.kind == WorkloadKind::Chat && this->spec.role == Role::Server) chatHub = std::make_unique<ChatHub>(this->spec.workload, chat);
}

EndpointRuntime::~EndpointRuntime() = default;

void EndpointRuntime::recordError(const Status& status) {
  counters.errors.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(mutex_);
  ErrorTally& tally = errors_[status.code];
  if (tally.count++ == 0) tally.message = status.message;
}

std::map<std::string, ErrorTally> EndpointRuntime::errorsSnapshot() {
  std::lock_guard<std::mutex> lock(mutex_);
  return errors_;
}

void EndpointRuntime::recordAppliedOptions(int fd, bool refresh) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (haveApplied_ && !refresh) return;
  haveApplied_ = readSocketOptions(fd, spec.transport, &applied_).ok();
}

bool EndpointRuntime::appliedOptions(AppliedSocketOptions* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (haveApplied_) *out = applied_;
  return haveApplied_;
}

}  // namespace sockscope
