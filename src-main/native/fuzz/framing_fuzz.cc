// libFuzzer target for the frame parser (src/framing.cc).
//
// The first four bytes of an input choose a frame format and how the stream is cut into reads;
// the rest is the stream. The assembler is fed the stream in those pieces and must find exactly
// what a plain reference parser finds reading the whole stream at once: the same frames, then the
// same violation (rule and header) or the same unfinished tail. Any difference, and any memory
// error the sanitizers see, is a crash.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "../src/framing.h"

namespace {

using sockscope::FrameAssembler;
using sockscope::FrameFormat;
using sockscope::FrameHeader;
using sockscope::FrameRule;
using sockscope::FrameStep;
using sockscope::FrameView;

struct SeenFrame {
  uint32_t id;
  std::vector<uint8_t> bytes;
  bool operator==(const SeenFrame& other) const { return id == other.id && bytes == other.bytes; }
};

struct Outcome {
  std::vector<SeenFrame> frames;
  bool violated = false;
  FrameRule rule = FrameRule::SizeBelowHeader;
  std::vector<uint8_t> header;
  size_t unfinishedBytes = 0;  // bytes of an unfinished frame at the end, without a violation
};

void check(bool condition) {
  if (!condition) abort();
}

uint32_t widthOf(uint8_t bits) {
  static const uint32_t kWidths[] = {1, 2, 4, 2};
  return kWidths[bits & 3];
}

// The obvious parser over one contiguous stream: the behaviour the assembler must match.
Outcome reference(const FrameFormat& format, const uint8_t* data, size_t length) {
  Outcome out;
  const size_t headerBytes = format.headerBytes();
  size_t at = 0;
  while (length - at >= headerBytes) {
    const FrameHeader header = sockscope::readFrameHeader(format, data + at);
    if (header.frameBytes < headerBytes || header.frameBytes > format.maxFrameBytes) {
      out.violated = true;
      out.rule = header.frameBytes < headerBytes ? FrameRule::SizeBelowHeader : FrameRule::SizeAboveMaximum;
      out.header.assign(data + at, data + at + headerBytes);
      return out;
    }
    if (length - at < header.frameBytes) break;
    out.frames.push_back(SeenFrame{header.id, std::vector<uint8_t>(data + at, data + at + header.frameBytes)});
    at += header.frameBytes;
  }
  out.unfinishedBytes = length - at;
  return out;
}

Outcome assembled(const FrameFormat& format, const uint8_t* data, size_t length, uint32_t cutSeed) {
  Outcome out;
  FrameAssembler assembler(format);
  uint32_t random = cutSeed * 2654435761u + 1;
  size_t at = 0;
  int64_t nowUs = 0;
  while (at < length && !out.violated) {
    random ^= random << 13;
    random ^= random >> 17;
    random ^= random << 5;
    // Reads of 1 to 64 bytes, or now and then all that is left: split and coalesced frames both.
    size_t piece = random % 8 == 0 ? length - at : 1 + random % 64;
    if (piece > length - at) piece = length - at;
    // The read lives in its own buffer, as in a connection, so an overread of it is caught.
    std::vector<uint8_t> read(data + at, data + at + piece);
    assembler.begin(read.data(), read.size(), ++nowUs);
    FrameView frame;
    for (;;) {
      const FrameStep step = assembler.next(&frame);
      if (step == FrameStep::NeedMore) break;
      if (step == FrameStep::Violation) {
        out.violated = true;
        out.rule = assembler.violatedRule();
        out.header = assembler.offendingHeader();
        check(!assembler.describeViolation().empty());
        break;
      }
      check(frame.frameBytes >= format.headerBytes() && frame.frameBytes <= format.maxFrameBytes);
      check(frame.payload == frame.frame + format.headerBytes() && frame.payloadBytes == frame.frameBytes - format.headerBytes());
      out.frames.push_back(SeenFrame{frame.id, std::vector<uint8_t>(frame.frame, frame.frame + frame.frameBytes)});
    }
    at += piece;
  }
  if (!out.violated && assembler.midFrame()) {
    // What an unfinished frame looks like when its time runs out.
    check(assembler.midFrameSinceUs() >= 1 && assembler.midFrameSinceUs() <= nowUs);
    assembler.markStalled();
    check(assembler.failed() && assembler.violatedRule() == FrameRule::StalledMidFrame);
    check(!assembler.describeViolation().empty());
    check(assembler.offendingHeader().size() <= format.headerBytes());
    FrameView frame;
    check(assembler.next(&frame) == FrameStep::Violation);
    out.unfinishedBytes = 1;  // compared as "something was left", not by count
  }
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 4) return 0;
  FrameFormat format;
  format.sizeBytes = widthOf(data[0]);
  format.idBytes = widthOf(data[0] >> 2);
  format.bigEndian = data[0] & 0x10;
  format.sizeIncludesHeader = !(data[0] & 0x20);
  // Small maxima make every rule reachable from short inputs.
  format.maxFrameBytes = format.headerBytes() + (uint32_t{data[1]} | (static_cast<uint32_t>(data[2] & 0x03) << 8));
  const uint32_t cutSeed = data[3];
  const uint8_t* stream = data + 4;
  const size_t length = size - 4;

  const Outcome expected = reference(format, stream, length);
  const Outcome got = assembled(format, stream, length, cutSeed);
  check(got.frames == expected.frames);
  check(got.violated == expected.violated);
  if (expected.violated) {
    check(got.rule == expected.rule);
    check(got.header == expected.header);
  } else {
    check((got.unfinishedBytes > 0) == (expected.unfinishedBytes > 0));
  }

  // Headers written by the encoder read back as written.
  if (length >= format.headerBytes()) {
    const FrameHeader header = sockscope::readFrameHeader(format, stream);
    if (header.frameBytes >= format.headerBytes() && header.frameBytes <= format.largestAnnounceableBytes()) {
      std::vector<uint8_t> encoded(format.headerBytes());
      sockscope::writeFrameHeader(format, encoded.data(), header.frameBytes, header.id);
      check(std::memcmp(encoded.data(), stream, format.headerBytes()) == 0);
    }
  }
  return 0;
}
