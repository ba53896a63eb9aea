// A log-linear histogram of latencies in microseconds: 32 buckets per power of two, so a
// percentile is within about 3% of the true value. Recording is lock-free.
#pragma once
#include <array>
#include <atomic>
#include <bit>
#include <cstdint>

namespace sockscope {

struct LatencySummary {
  uint64_t count = 0;
  double p50 = 0, p90 = 0, p99 = 0, max = 0, mean = 0;
};

class LatencyHistogram {
 public:
  void record(uint64_t us) {
    buckets_[bucketOf(us)].fetch_add(1, std::memory_order_relaxed);
    count_.fetch_add(1, std::memory_order_relaxed);
    sum_.fetch_add(us, std::memory_order_relaxed);
    uint64_t seen = max_.load(std::memory_order_relaxed);
    while (us > seen && !max_.compare_exchange_weak(seen, us, std::memory_order_relaxed)) {
    }
  }

  // Percentiles read while recording goes on are approximate, which is fine for a live view.
  LatencySummary summarize() const {
    LatencySummary summary;
    summary.count = count_.load(std::memory_order_relaxed);
    if (summary.count == 0) return summary;
    summary.max = static_cast<double>(max_.load(std::memory_order_relaxed));
    summary.mean = static_cast<double>(sum_.load(std::memory_order_relaxed)) / static_cast<double>(summary.count);
    const double targets[3] = {0.50, 0.90, 0.99};
    double* outputs[3] = {&summary.p50, &summary.p90, &summary.p99};
    uint64_t seen = 0;
    int next = 0;
    for (size_t bucket = 0; bucket < kBuckets && next < 3; ++bucket) {
      seen += buckets_[bucket].load(std::memory_order_relaxed);
      while (next < 3 && static_cast<double>(seen) >= targets[next] * static_cast<double>(summary.count)) {
        double value = midpointOf(bucket);
        *outputs[next++] = value < summary.max ? value : summary.max;
      }
    }
    return summary;
  }

 private:
  static constexpr int kSubBits = 5;  // 32 sub-buckets per power of two
  static constexpr size_t kLinear = 1u << (kSubBits + 1);
  static constexpr size_t kBuckets = kLinear + (64 - kSubBits - 1) * (1u << kSubBits);

  static size_t bucketOf(uint64_t value) {
    if (value < kLinear) return static_cast<size_t>(value);
    int msb = 63 - std::countl_zero(value);
    size_t sub = static_cast<size_t>((value >> (msb - kSubBits)) & ((1u << kSubBits) - 1));
    return kLinear + static_cast<size_t>(msb - kSubBits - 1) * (1u << kSubBits) + sub;
  }

  static double midpointOf(size_t bucket) {
    if (bucket < kLinear) return static_cast<double>(bucket);
    size_t offset = bucket - kLinear;
    int msb = static_cast<int>(offset >> kSubBits) + kSubBits + 1;
    uint64_t sub = offset & ((1u << kSubBits) - 1);
    uint64_t low = (uint64_t{1} << msb) | (sub << (msb - kSubBits));
    uint64_t width = uint64_t{1} << (msb - kSubBits);
    return static_cast<double>(low) + static_cast<double>(width) / 2.0;
  }

  std::array<std::atomic<uint64_t>, kBuckets> buckets_{};
  std::atomic<uint64_t> count_{0};
  std::atomic<uint64_t> sum_{0};
  std::atomic<uint64_t> max_{0};
};

}  // namespace sockscope
