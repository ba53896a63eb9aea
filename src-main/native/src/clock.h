// Monotonic time for the engine, in microseconds.
#pragma once
#include <chrono>
#include <cstdint>

namespace sockscope {

// Microseconds on the steady clock; differences are meaningful, the origin is not.
inline int64_t monotonicNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace sockscope
