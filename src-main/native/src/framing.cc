#include "framing.h"

#include <algorithm>
#include <cstring>

namespace sockscope {
namespace {

uint64_t readUnsigned(const uint8_t* data, uint32_t width, bool bigEndian) {
  uint64_t value = 0;
  for (uint32_t i = 0; i < width; ++i) {
    const uint32_t shift = 8 * (bigEndian ? width - 1 - i : i);
    value |= uint64_t{data[i]} << shift;
  }
  return value;
}

void writeUnsigned(uint8_t* out, uint64_t value, uint32_t width, bool bigEndian) {
  for (uint32_t i = 0; i < width; ++i) {
    const uint32_t shift = 8 * (bigEndian ? width - 1 - i : i);
    out[i] = static_cast<uint8_t>(value >> shift);
  }
}

uint64_t fieldMaximum(uint32_t width) { return width >= 8 ? UINT64_MAX : (uint64_t{1} << (8 * width)) - 1; }

}  // namespace

uint64_t FrameFormat::largestAnnounceableBytes() const {
  return fieldMaximum(sizeBytes) + (sizeIncludesHeader ? 0 : headerBytes());
}

const char* frameRuleName(FrameRule rule) {
  switch (rule) {
    case FrameRule::SizeBelowHeader: return "size-below-header";
    case FrameRule::SizeAboveMaximum: return "size-above-maximum";
    case FrameRule::StalledMidFrame: return "stalled-mid-frame";
  }
  return "size-below-header";
}

FrameHeader readFrameHeader(const FrameFormat& format, const uint8_t* data) {
  FrameHeader header;
  const uint64_t size = readUnsigned(data, format.sizeBytes, format.bigEndian);
  header.frameBytes = format.sizeIncludesHeader ? size : size + format.headerBytes();
  header.id = static_cast<uint32_t>(readUnsigned(data + format.sizeBytes, format.idBytes, format.bigEndian));
  return header;
}

void writeRawFrameHeader(const FrameFormat& format, uint8_t* out, uint64_t sizeField, uint32_t id) {
  writeUnsigned(out, sizeField, format.sizeBytes, format.bigEndian);
  writeUnsigned(out + format.sizeBytes, id, format.idBytes, format.bigEndian);
}

void writeFrameHeader(const FrameFormat& format, uint8_t* out, uint64_t frameBytes, uint32_t id) {
  writeRawFrameHeader(format, out, format.sizeIncludesHeader ? frameBytes : frameBytes - format.headerBytes(), id);
}

std::string hexBytes(const uint8_t* data, size_t length) {
  static const char kDigits[] = "0123456789abcdef";
  std::string text;
  text.reserve(length * 3);
  for (size_t i = 0; i < length; ++i) {
    if (i) text.push_back(' ');
    text.push_back(kDigits[data[i] >> 4]);
    text.push_back(kDigits[data[i] & 0xf]);
  }
  return text;
}

void FrameAssembler::begin(const uint8_t* data, size_t length, int64_t nowUs) {
  input_ = data;
  inputLeft_ = length;
  nowUs_ = nowUs;
}

FrameStep FrameAssembler::next(FrameView* frame) {
  if (failed_) return FrameStep::Violation;
  const size_t headerBytes = format_.headerBytes();
  FrameHeader header;
  if (held_ > 0) {
    // Finish the frame begun in an earlier read: its header first, then the rest.
    if (held_ < headerBytes) {
      hold(input_, std::min(headerBytes - held_, inputLeft_));
      if (held_ < headerBytes) return FrameStep::NeedMore;
    }
    if (!acceptHeader(heldBuffer_.data(), &header)) return FrameStep::Violation;
    hold(input_, std::min<size_t>(header.frameBytes - held_, inputLeft_));
    if (held_ < header.frameBytes) return FrameStep::NeedMore;
    *frame = viewOf(heldBuffer_.data(), header);
    held_ = 0;
    return FrameStep::Frame;
  }
  if (inputLeft_ == 0) return FrameStep::NeedMore;
  if (inputLeft_ < headerBytes) {
    midFrameSinceUs_ = nowUs_;
    hold(input_, inputLeft_);
    return FrameStep::NeedMore;
  }
  if (!acceptHeader(input_, &header)) return FrameStep::Violation;
  if (inputLeft_ < header.frameBytes) {
    midFrameSinceUs_ = nowUs_;
    hold(input_, inputLeft_);
    return FrameStep::NeedMore;
  }
  // The common case: a whole frame inside this read, seen where it lies.
  *frame = viewOf(input_, header);
  input_ += header.frameBytes;
  inputLeft_ -= header.frameBytes;
  return FrameStep::Frame;
}

bool FrameAssembler::acceptHeader(const uint8_t* bytes, FrameHeader* decoded) {
  *decoded = readFrameHeader(format_, bytes);
  if (decoded->frameBytes < format_.headerBytes()) {
    fail(FrameRule::SizeBelowHeader, bytes, format_.headerBytes(), decoded->frameBytes);
    return false;
  }
  if (decoded->frameBytes > format_.maxFrameBytes) {
    fail(FrameRule::SizeAboveMaximum, bytes, format_.headerBytes(), decoded->frameBytes);
    return false;
  }
  return true;
}

FrameStep FrameAssembler::fail(FrameRule rule, const uint8_t* header, size_t headerLength, uint64_t announced) {
  failed_ = true;
  rule_ = rule;
  offendingHeader_.assign(header, header + headerLength);
  announcedFrameBytes_ = announced;
  return FrameStep::Violation;
}

void FrameAssembler::markStalled() {
  if (failed_ || held_ == 0) return;
  const size_t headerBytes = format_.headerBytes();
  const uint64_t announced = held_ >= headerBytes ? readFrameHeader(format_, heldBuffer_.data()).frameBytes : 0;
  stalledHeldBytes_ = held_;
  fail(FrameRule::StalledMidFrame, heldBuffer_.data(), std::min(held_, headerBytes), announced);
}

void FrameAssembler::hold(const uint8_t* data, size_t length) {
  if (length == 0) return;
  // held_ + length never exceeds the header or the accepted frame, so the buffer stays within
  // the maximum frame size.
  if (heldBuffer_.size() < held_ + length) heldBuffer_.resize(held_ + length);
  std::memcpy(heldBuffer_.data() + held_, data, length);
  held_ += length;
  input_ += length;
  inputLeft_ -= length;
}

FrameView FrameAssembler::viewOf(const uint8_t* frame, const FrameHeader& header) const {
  FrameView view;
  view.id = header.id;
  view.frame = frame;
  view.frameBytes = static_cast<size_t>(header.frameBytes);
  view.payload = frame + format_.headerBytes();
  view.payloadBytes = view.frameBytes - format_.headerBytes();
  return view;
}

std::string FrameAssembler::describeViolation() const {
  if (!failed_) return "";
  const std::string header = hexBytes(offendingHeader_.data(), offendingHeader_.size());
  const std::string announced = std::to_string(announcedFrameBytes_);
  switch (rule_) {
    case FrameRule::SizeBelowHeader:
      return "frame header " + header + " announces a " + announced + "-byte frame, smaller than its own " +
             std::to_string(format_.headerBytes()) + "-byte header";
    case FrameRule::SizeAboveMaximum:
      return "frame header " + header + " announces a " + announced + "-byte frame, larger than the maximum of " +
             std::to_string(format_.maxFrameBytes) + " bytes";
    case FrameRule::StalledMidFrame:
      if (announcedFrameBytes_ == 0) {
        return "the stream stalled inside a frame header: only " + std::to_string(stalledHeldBytes_) + " of its " +
               std::to_string(format_.headerBytes()) + " bytes arrived (" + header + ")";
      }
      return "the stream stalled mid-frame: " + std::to_string(stalledHeldBytes_) + " of the " + announced +
             " bytes announced by header " + header + " arrived";
  }
  return "";
}

}  // namespace sockscope
