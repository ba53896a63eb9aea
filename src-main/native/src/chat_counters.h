// The chat workload's figures for one endpoint: the rooms of a server, the members of a client.
#pragma once
#include <atomic>
#include <cstdint>

#include "job_queue.h"

namespace sockscope {

struct ChatCounters {
  // server
  std::atomic<uint64_t> members{0}, joins{0};
  std::atomic<uint64_t> broadcasts{0}, bytesEncoded{0}, deliveries{0}, presenceNotices{0};
  std::atomic<uint64_t> membersDropped{0}, messagesDropped{0}, peakMemberQueueBytes{0};
  std::atomic<uint64_t> roomBacklogPauses{0};  // a member stopped reading: its room's queue was too long
  JobQueueCounters jobs;  // every room's queue
  // client
  std::atomic<uint64_t> messagesSent{0}, messagesReceived{0}, messagesMissed{0}, messagesOutOfOrder{0};

  void notePeakMemberQueue(uint64_t bytes) {
    uint64_t peak = peakMemberQueueBytes.load(std::memory_order_relaxed);
    while (bytes > peak && !peakMemberQueueBytes.compare_exchange_weak(peak, bytes, std::memory_order_relaxed)) {
    }
  }
};

}  // namespace sockscope
