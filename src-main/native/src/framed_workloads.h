// The framed workloads: a server that echoes whole [size][id][payload] frames, a client that
// measures request latency per frame, and a client that breaks the framing rules on purpose.
#pragma once
#include <memory>

#include "workload.h"

namespace sockscope {

std::unique_ptr<Workload> createFramedEchoWorkload(const EndpointSpec& endpoint);
std::unique_ptr<Workload> createRequestResponseWorkload(const EndpointSpec& endpoint);
std::unique_ptr<Workload> createMalformedWorkload(const EndpointSpec& endpoint);

}  // namespace sockscope
