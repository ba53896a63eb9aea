// The length-prefixed frame [size][id][payload] and the parser that finds whole frames in a TCP
// stream. Pure: no system calls, no engine types, so the fuzz target links it alone. The parser
// works in place on the bytes of each read; only the unfinished tail of a read is copied, into one
// per-connection buffer that never grows past the largest frame allowed.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace sockscope {

struct FrameFormat {
  uint32_t sizeBytes = 2;          // width of the size field: 1, 2 or 4
  uint32_t idBytes = 2;            // width of the id field: 1, 2 or 4
  bool bigEndian = false;
  bool sizeIncludesHeader = true;  // the size counts the header as well as the payload
  uint32_t maxFrameBytes = 4096;   // the largest frame accepted, header included

  uint32_t headerBytes() const { return sizeBytes + idBytes; }
  // The largest frame the size field can announce, header included.
  uint64_t largestAnnounceableBytes() const;
};

// The rule a peer broke.
enum class FrameRule { SizeBelowHeader, SizeAboveMaximum, StalledMidFrame };

// The protocol's short name of a rule ("size-below-header", ...).
const char* frameRuleName(FrameRule rule);

struct FrameHeader {
  uint64_t frameBytes = 0;  // the whole frame, header included, as the size field says
  uint32_t id = 0;
};

// Decodes the header at `data`, which holds at least format.headerBytes() bytes. A size that
// counts the header but is smaller than it gives frameBytes below headerBytes().
FrameHeader readFrameHeader(const FrameFormat& format, const uint8_t* data);
// Encodes a header for a frame of frameBytes (header included); the caller keeps frameBytes
// within what the size field can say.
void writeFrameHeader(const FrameFormat& format, uint8_t* out, uint64_t frameBytes, uint32_t id);
// Encodes the size field as given, true or not (the malformed workload lies on purpose).
void writeRawFrameHeader(const FrameFormat& format, uint8_t* out, uint64_t sizeField, uint32_t id);

// One whole frame. The pointers are valid until the next call to FrameAssembler::next().
struct FrameView {
  uint32_t id = 0;
  const uint8_t* frame = nullptr;
  size_t frameBytes = 0;
  const uint8_t* payload = nullptr;
  size_t payloadBytes = 0;
};

enum class FrameStep { Frame, NeedMore, Violation };

// Reassembles frames from reads that split or coalesce them.
class FrameAssembler {
 public:
  explicit FrameAssembler(const FrameFormat& format) : format_(format) {}

  // Hands over the bytes of one read, received at nowUs. They must stay valid until next()
  // returns NeedMore (or Violation).
  void begin(const uint8_t* data, size_t length, int64_t nowUs);
  // The next whole frame of the current read (Frame), or NeedMore once every byte is consumed;
  // Violation when the stream broke a rule, and from then on for good.
  FrameStep next(FrameView* frame);

  // A frame has begun but not finished; since when (engine microseconds).
  bool midFrame() const { return held_ > 0; }
  int64_t midFrameSinceUs() const { return midFrameSinceUs_; }
  // Declares the unfinished frame stalled: from now on the stream is in violation.
  void markStalled();

  bool failed() const { return failed_; }
  FrameRule violatedRule() const { return rule_; }
  // The header bytes that broke the rule (for a stall: what had arrived of the frame, up to a header).
  const std::vector<uint8_t>& offendingHeader() const { return offendingHeader_; }
  uint64_t announcedFrameBytes() const { return announcedFrameBytes_; }
  // A sentence for a person: the rule, the header as hex, the sizes involved.
  std::string describeViolation() const;

 private:
  FrameStep fail(FrameRule rule, const uint8_t* header, size_t headerLength, uint64_t announced);
  // Checks a complete header; fills announced frame bytes; false when it breaks a rule.
  bool acceptHeader(const uint8_t* header, FrameHeader* decoded);
  void hold(const uint8_t* data, size_t length);
  FrameView viewOf(const uint8_t* frame, const FrameHeader& header) const;

  const FrameFormat format_;
  const uint8_t* input_ = nullptr;
  size_t inputLeft_ = 0;
  int64_t nowUs_ = 0;
  std::vector<uint8_t> heldBuffer_;  // the unfinished frame; capacity bounded by maxFrameBytes
  size_t held_ = 0;
  int64_t midFrameSinceUs_ = 0;
  bool failed_ = false;
  FrameRule rule_ = FrameRule::SizeBelowHeader;
  std::vector<uint8_t> offendingHeader_;
  uint64_t announcedFrameBytes_ = 0;
  size_t stalledHeldBytes_ = 0;
};

// Lower-case hex pairs separated by spaces ("05 00 07 00").
std::string hexBytes(const uint8_t* data, size_t length);

}  // namespace sockscope
