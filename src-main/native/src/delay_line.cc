#include "delay_line.h"

#include <algorithm>

#include "connection.h"

namespace sockscope {
namespace {

// Without a slicer, bytes move to the send queue in runs of at most this size, and only while
// the send queue holds less than the window: a receiver that does not read leaves them in the
// delay line, whose bound stops the reading.
constexpr size_t kReleaseRunBytes = 64 * 1024;
constexpr uint64_t kSendWindowBytes = 256 * 1024;

// The bandwidth limit releases in quanta of about 20 ms of its rate, so a slow limit still
// moves whole segments rather than a trickle of single bytes.
uint64_t bandwidthQuantum(uint64_t bytesPerSecond) { return std::clamp<uint64_t>(bytesPerSecond / 50, 1, 16 * 1024); }

}  // namespace

DelayLine::DelayLine(const DrawnFaults& faults, ProxyDirectionCounters& counters, uint64_t jitterSeed)
    : faults_(faults), counters_(counters), jitter_(jitterSeed), pacer_(faults.bandwidth ? faults.bytesPerSecond : 0, bandwidthQuantum(faults.bytesPerSecond)) {}

void DelayLine::push(const uint8_t* data, size_t length, int64_t nowUs) {
  if (length == 0) return;
  int64_t releaseAtUs = nowUs;
  if (faults_.latency) {
    int64_t delayUs = faults_.latencyUs;
    // Jitter spreads the delay evenly over latency ± jitter (never below zero).
    if (faults_.jitterUs > 0) delayUs += static_cast<int64_t>(jitter_.next() % static_cast<uint64_t>(2 * faults_.jitterUs + 1)) - faults_.jitterUs;
    releaseAtUs += std::max<int64_t>(delayUs, 0);
  }
  // TCP is a stream: bytes read later never overtake bytes read earlier.
  releaseAtUs = std::max(releaseAtUs, lastReleaseAtUs_);
  lastReleaseAtUs_ = releaseAtUs;
  const bool wasFull = full();
  segments_.push_back(Segment{releaseAtUs, std::make_shared<const std::vector<uint8_t>>(data, data + length), 0});
  queuedBytes_ += length;
  counters_.notePeak(queuedBytes_);
  if (!wasFull && full()) counters_.queueFull.fetch_add(1, std::memory_order_relaxed);
}

void DelayLine::release(Connection& to, int64_t nowUs) {
  wakeAtUs_ = 0;
  while (!segments_.empty()) {
    Segment& head = segments_.front();
    if (head.releaseAtUs > nowUs) {
      wakeAtUs_ = head.releaseAtUs;
      return;
    }
    const size_t left = head.bytes->size() - head.offset;
    size_t take = std::min(left, kReleaseRunBytes);
    if (faults_.slicer) {
      // One piece in the send queue at a time: the next is released when it has been written
      // (the send queue drained) and the slicer's delay has passed.
      if (to.queuedBytes() > 0) return;
      if (nextPieceAtUs_ > nowUs) {
        wakeAtUs_ = nextPieceAtUs_;
        return;
      }
      take = std::min<size_t>(take, faults_.pieceBytes);
    } else if (to.queuedBytes() >= kSendWindowBytes) {
      return;
    }
    if (faults_.bandwidth) {
      const int64_t allowance = pacer_.allowance(nowUs);
      const size_t wanted = std::min<size_t>(take, bandwidthQuantum(faults_.bytesPerSecond));
      if (allowance < static_cast<int64_t>(wanted)) {
        wakeAtUs_ = pacer_.whenAllowedUs(wanted);
        return;
      }
      take = std::min<size_t>(take, static_cast<size_t>(allowance));
      pacer_.use(take);
    }
    to.enqueue(head.bytes, faults_.slicer, nullptr, head.offset, head.offset + take);
    counters_.bytesForwarded.fetch_add(take, std::memory_order_relaxed);
    if (faults_.slicer) {
      counters_.piecesWritten.fetch_add(1, std::memory_order_relaxed);
      nextPieceAtUs_ = nowUs + faults_.pieceDelayUs;
    }
    head.offset += take;
    queuedBytes_ -= take;
    if (head.offset == head.bytes->size()) segments_.pop_front();
  }
}

}  // namespace sockscope
