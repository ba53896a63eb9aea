#include "capture_ring.h"

#include <algorithm>
#include <cstring>

namespace sockscope {

CaptureRing::CaptureRing(uint32_t capacity, uint32_t previewBytes)
    : capacity_(capacity), previewBytes_(previewBytes), records_(capacity), previews_(size_t{capacity} * previewBytes) {}

void CaptureRing::record(int64_t atUs, uint32_t connectionId, int endpoint, Direction direction, size_t bytes,
                         const iovec* data, int dataCount) {
  std::lock_guard<std::mutex> lock(mutex_);
  const size_t slot = written_ % capacity_;
  CaptureRecord& record = records_[slot];
  record.atUs = atUs;
  record.connectionId = connectionId;
  record.bytes = static_cast<uint32_t>(std::min<size_t>(bytes, UINT32_MAX));
  record.endpoint = static_cast<uint16_t>(endpoint);
  record.direction = direction;
  uint8_t* preview = previews_.data() + slot * previewBytes_;
  size_t copied = 0;
  const size_t wanted = std::min<size_t>(bytes, previewBytes_);
  for (int i = 0; i < dataCount && copied < wanted; ++i) {
    const size_t take = std::min(wanted - copied, data[i].iov_len);
    std::memcpy(preview + copied, data[i].iov_base, take);
    copied += take;
  }
  record.previewLength = static_cast<uint16_t>(copied);
  ++written_;
}

void CaptureRing::drain(CaptureDrain* out) {
  std::lock_guard<std::mutex> lock(mutex_);
  out->previewBytes = previewBytes_;
  if (written_ - drained_ > capacity_) {
    out->dropped += written_ - drained_ - capacity_;
    drained_ = written_ - capacity_;
  }
  for (; drained_ < written_; ++drained_) {
    const size_t slot = drained_ % capacity_;
    out->records.push_back(records_[slot]);
    const uint8_t* preview = previews_.data() + slot * previewBytes_;
    out->previews.insert(out->previews.end(), preview, preview + previewBytes_);
  }
}

}  // namespace sockscope
