// A bounded ring of every read and write: time, connection, direction, size and the first bytes.
// Writers are the I/O threads; the sampler drains it. When writers lap the reader, the oldest
// records are lost and counted.
#pragma once
#include <sys/uio.h>

#include <cstdint>
#include <mutex>
#include <vector>

namespace sockscope {

enum class Direction : uint8_t { Read = 0, Write = 1 };

struct CaptureRecord {
  int64_t atUs = 0;
  uint32_t connectionId = 0;
  uint32_t bytes = 0;
  uint16_t endpoint = 0;
  Direction direction = Direction::Read;
  uint16_t previewLength = 0;
};

struct CaptureDrain {
  std::vector<CaptureRecord> records;
  std::vector<uint8_t> previews;  // previewBytes per record, in record order
  uint32_t previewBytes = 0;
  uint64_t dropped = 0;           // records overwritten before they were drained
};

class CaptureRing {
 public:
  CaptureRing(uint32_t capacity, uint32_t previewBytes);

  void record(int64_t atUs, uint32_t connectionId, int endpoint, Direction direction, size_t bytes,
              const iovec* data, int dataCount);

  // Moves every record written since the last drain into out (appending).
  void drain(CaptureDrain* out);

 private:
  std::mutex mutex_;
  const uint32_t capacity_;
  const uint32_t previewBytes_;
  std::vector<CaptureRecord> records_;
  std::vector<uint8_t> previews_;
  uint64_t written_ = 0;
  uint64_t drained_ = 0;
};

}  // namespace sockscope
