// A token bucket for paced streams: the bulk sender, the slow sink, and a proxy's bandwidth limit.
#pragma once
#include <algorithm>
#include <cstdint>

namespace sockscope {

// Allowance of a paced stream: rate bytes per second from start, with a bounded burst. The
// allowance may go below zero when a whole datagram had to be read at once.
class Pacer {
 public:
  // minimumBurst: the largest single use (one write); the burst cap never falls below it, or a
  // write larger than a tenth of a second's worth would wait forever.
  Pacer(uint64_t bytesPerSecond, uint64_t minimumBurst)
      : rate_(static_cast<int64_t>(bytesPerSecond)), minimumBurst_(static_cast<int64_t>(minimumBurst)) {}
  bool paced() const { return rate_ > 0; }
  void start(int64_t nowUs) {
    startUs_ = nowUs;
    used_ = 0;
  }
  int64_t allowance(int64_t nowUs) {
    const int64_t earned = static_cast<int64_t>(static_cast<double>(rate_) * static_cast<double>(nowUs - startUs_) / 1e6);
    // After a long pause, allow at most a tenth of a second's worth at once.
    const int64_t burst = std::max<int64_t>({rate_ / 10, minimumBurst_, 1});
    if (earned > used_ + burst) used_ = earned - burst;
    return earned - used_;
  }
  void use(uint64_t bytes) { used_ += static_cast<int64_t>(bytes); }
  // When `bytes` more will be allowed.
  int64_t whenAllowedUs(uint64_t bytes) const {
    return startUs_ + static_cast<int64_t>(static_cast<double>(used_ + static_cast<int64_t>(bytes)) * 1e6 / static_cast<double>(rate_)) + 1;
  }

 private:
  int64_t rate_;
  int64_t minimumBurst_;
  int64_t startUs_ = 0;
  int64_t used_ = 0;
};

}  // namespace sockscope
