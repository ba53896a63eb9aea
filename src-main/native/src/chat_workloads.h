// The chat workload: a server whose members join rooms and whose every chat message is
// broadcast to the member's whole room (chat_room.h), and clients that join, talk, and check
// that they hear every other member in order.
#pragma once
#include <memory>

#include "workload.h"

namespace sockscope {

std::unique_ptr<Workload> createChatServerWorkload(const EndpointSpec& endpoint);
std::unique_ptr<Workload> createChatClientWorkload(const EndpointSpec& endpoint);

}  // namespace sockscope
