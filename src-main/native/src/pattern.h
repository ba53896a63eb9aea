// The byte pattern bulk streams carry, so the receiver can check that every byte arrived, in order.
// Byte i of a stream is (i ^ (i >> 8)) & 0xff: the period is 65536 bytes, so a shift, a loss or a
// duplicate shorter than that shows, and a 64 KiB write from an aligned offset is one shared buffer.
#pragma once
#include <cstdint>
#include <cstring>
#include <memory>
#include <vector>

namespace sockscope {

constexpr size_t kPatternPeriod = 65536;

// Two periods of the pattern, so any slice of up to one period starts at (offset % period).
// Never destroyed: I/O threads may still be writing from it while the process exits.
inline const std::shared_ptr<const std::vector<uint8_t>>& patternBuffer() {
  static const auto* buffer = new std::shared_ptr<const std::vector<uint8_t>>([] {
    auto bytes = std::make_shared<std::vector<uint8_t>>(2 * kPatternPeriod);
    for (size_t i = 0; i < bytes->size(); ++i) (*bytes)[i] = static_cast<uint8_t>((i ^ (i >> 8)) & 0xff);
    return bytes;
  }());
  return *buffer;
}

// Checks incoming stream bytes against the pattern; counts the bytes that differ.
class PatternVerifier {
 public:
  uint64_t check(const uint8_t* data, size_t length) {
    const uint8_t* pattern = patternBuffer()->data();
    uint64_t wrong = 0;
    while (length > 0) {
      const size_t start = offset_ % kPatternPeriod;
      const size_t take = length < kPatternPeriod ? length : kPatternPeriod;
      if (std::memcmp(data, pattern + start, take) != 0) {
        for (size_t i = 0; i < take; ++i) wrong += data[i] != pattern[start + i];
      }
      data += take;
      length -= take;
      offset_ += take;
    }
    return wrong;
  }

 private:
  uint64_t offset_ = 0;
};

}  // namespace sockscope
