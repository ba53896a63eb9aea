// Which of a direction's faults one proxied connection drew, and with what parameters: drawn once
// per connection from a generator seeded by the profile's seed and the connection's ordinal, so a
// run with the same seed draws the same faults for the same connections.
#pragma once
#include <algorithm>
#include <cstdint>
#include <string>

#include "config.h"
#include "proxy_counters.h"

namespace sockscope {

// splitmix64: small, fast, and the same sequence on every platform.
class SeededRandom {
 public:
  explicit SeededRandom(uint64_t seed) : state_(seed) {}
  uint64_t next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }
  // Uniform in [0, 1).
  double unit() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }

 private:
  uint64_t state_;
};

// The faults one direction of one connection drew; a fault not drawn is off.
struct DrawnFaults {
  bool latency = false;
  int64_t latencyUs = 0, jitterUs = 0;
  bool bandwidth = false;
  uint64_t bytesPerSecond = 0;
  bool slicer = false;
  uint32_t pieceBytes = 1;
  int64_t pieceDelayUs = 0;
  bool reset = false;
  uint64_t resetAfterBytes = 0;  // 0 = not by bytes
  int64_t resetAfterUs = 0;      // 0 = not by time
  bool blackhole = false;
  uint64_t blackholeAfterBytes = 0;
  int64_t blackholeAfterUs = 0;
  bool slowClose = false;
  int64_t slowCloseUs = 0;

  bool drew(ProxyFault fault) const;
};

// One draw per fault the set gives, in a fixed order, whether or not its probability is 1, so
// changing one fault's probability does not change which connections draw the others.
DrawnFaults drawFaults(const ProxyFaultSet& set, SeededRandom& random);

// The fault's parameters in words, for its fault event ("50 ms, jitter 5 ms").
std::string describeFault(ProxyFault fault, const DrawnFaults& faults);

}  // namespace sockscope
