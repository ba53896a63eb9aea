// One direction of a proxied connection: bytes read from one side wait here until their release
// time (latency and jitter, never reordered), then leave for the other side's send queue at the
// pace of the bandwidth limit, cut into pieces by the slicer, each piece its own write.
#pragma once
#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "pacer.h"
#include "proxy_counters.h"
#include "proxy_faults.h"

namespace sockscope {

class Connection;

class DelayLine {
 public:
  // Bytes held back per direction of one connection; at this bound the proxy stops reading the
  // sending side, so the real sender's kernel queues fill instead of our memory.
  static constexpr uint64_t kMaxQueuedBytes = 4 * 1024 * 1024;

  DelayLine(const DrawnFaults& faults, ProxyDirectionCounters& counters, uint64_t jitterSeed);

  void start(int64_t nowUs) { pacer_.start(nowUs); }
  // Queues bytes read now; their release time is now + latency (+ jitter), never before the
  // release time of the bytes ahead of them.
  void push(const uint8_t* data, size_t length, int64_t nowUs);
  // Moves what is due into `to`'s send queue, within the bandwidth, the slicer's pace and a small
  // window of the send queue (so a slow receiver leaves the bytes here, where they are bounded).
  void release(Connection& to, int64_t nowUs);
  // When release() has more to do once time passes; 0 = nothing waits on time (empty, or waiting
  // for the send queue to drain).
  int64_t wakeAtUs() const { return wakeAtUs_; }
  uint64_t queuedBytes() const { return queuedBytes_; }
  bool full() const { return queuedBytes_ >= kMaxQueuedBytes; }
  bool empty() const { return segments_.empty(); }

 private:
  struct Segment {
    int64_t releaseAtUs;
    std::shared_ptr<const std::vector<uint8_t>> bytes;
    size_t offset;
  };

  const DrawnFaults faults_;
  ProxyDirectionCounters& counters_;
  SeededRandom jitter_;
  Pacer pacer_;
  std::deque<Segment> segments_;
  uint64_t queuedBytes_ = 0;
  int64_t lastReleaseAtUs_ = 0;
  int64_t nextPieceAtUs_ = 0;
  int64_t wakeAtUs_ = 0;
};

}  // namespace sockscope
