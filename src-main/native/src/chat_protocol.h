// The chat workload's messages, carried in [size][id][payload] frames of the endpoint's format.
// Payload fields are little-endian whatever the header's byte order.
//
//   join      client -> server  [u32 room]
//   chat      client -> server  [u64 sender's sequence][u64 sent at, CLOCK_MONOTONIC ns][filler]
//   broadcast server -> client  [u32 sender's member number][the chat payload as sent]
//   presence  server -> client  [u32 members now in the room]
//
// The send time is the monotonic clock, not engine time, so a receiver in another process on
// the same machine can measure the delivery latency.
#pragma once
#include <time.h>

#include <cstddef>
#include <cstdint>

namespace sockscope {

enum ChatFrameId : uint32_t { kChatJoin = 1, kChatMessage = 2, kChatBroadcast = 3, kChatPresence = 4 };

constexpr size_t kChatJoinPayloadBytes = 4;
constexpr size_t kChatMessageHeadBytes = 16;  // sequence and send time, before any filler
constexpr size_t kChatMemberBytes = 4;        // what a broadcast adds in front of the chat payload
constexpr size_t kChatPresencePayloadBytes = 4;

inline void putLittle(uint8_t* out, uint64_t value, size_t bytes) {
  for (size_t i = 0; i < bytes; ++i) out[i] = static_cast<uint8_t>(value >> (8 * i));
}

inline uint64_t getLittle(const uint8_t* in, size_t bytes) {
  uint64_t value = 0;
  for (size_t i = 0; i < bytes; ++i) value |= uint64_t{in[i]} << (8 * i);
  return value;
}

inline int64_t monotonicNowNs() {
  timespec now{};
  clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1000000000 + now.tv_nsec;
}

}  // namespace sockscope
