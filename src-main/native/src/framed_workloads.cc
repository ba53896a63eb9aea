#include "framed_workloads.h"

#include <algorithm>
#include <cstring>
#include <vector>

#include "connection.h"
#include "frame_receiver.h"
#include "framing.h"
#include "pattern.h"

namespace sockscope {
namespace {

using Bytes = std::vector<uint8_t>;

// Above this many queued bytes a framed echo stops reading, so a peer that does not read its
// answers pushes back on itself instead of growing our memory.
constexpr uint64_t kEchoBackpressureBytes = 4 * 1024 * 1024;
// Bytes of filler after a lying header, as a confused or hostile client would go on sending.
constexpr size_t kFillerAfterBadHeader = 16;

// Where request `sequence`'s payload starts in the pattern, so consecutive payloads differ.
uint64_t payloadOffset(uint64_t sequence) { return (sequence * 4099) % kPatternPeriod; }

void copyPattern(uint8_t* out, size_t bytes, uint64_t offset) {
  const uint8_t* pattern = patternBuffer()->data();
  while (bytes > 0) {
    const size_t start = offset % kPatternPeriod;
    const size_t take = std::min(bytes, kPatternPeriod);
    std::memcpy(out, pattern + start, take);
    out += take;
    bytes -= take;
    offset += take;
  }
}

uint64_t patternMismatches(const uint8_t* data, size_t bytes, uint64_t offset) {
  const uint8_t* pattern = patternBuffer()->data();
  uint64_t wrong = 0;
  while (bytes > 0) {
    const size_t start = offset % kPatternPeriod;
    const size_t take = std::min(bytes, kPatternPeriod);
    if (std::memcmp(data, pattern + start, take) != 0) {
      for (size_t i = 0; i < take; ++i) wrong += data[i] != pattern[start + i];
    }
    data += take;
    bytes -= take;
    offset += take;
  }
  return wrong;
}

uint32_t idMaskOf(const FrameFormat& format) { return format.idBytes >= 4 ? 0xffffffffu : (1u << (8 * format.idBytes)) - 1; }

class FramedEchoWorkload final : public Workload {
 public:
  explicit FramedEchoWorkload(const EndpointSpec& spec) : receiver_(spec.workload) {}

  void onOpen(Connection& connection) override { connection_ = &connection; }

  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress*) override {
    // The whole frames of one read go back in one buffer: one allocation per read, not per frame.
    std::shared_ptr<Bytes> reply;
    uint64_t frames = 0;
    receiver_.receive(connection, data, length, [&](const FrameView& frame) {
      if (!reply) {
        reply = std::make_shared<Bytes>();
        reply->reserve(std::max(length, frame.frameBytes));
      }
      reply->insert(reply->end(), frame.frame, frame.frame + frame.frameBytes);
      ++frames;
    });
    if (frames) connection.endpoint.counters.messages.fetch_add(frames, std::memory_order_relaxed);
    if (reply && !connection.closeRequested()) connection.enqueue(std::move(reply));
  }

  size_t readBudget(int64_t) override { return connection_ && connection_->queuedBytes() > kEchoBackpressureBytes ? 0 : SIZE_MAX; }
  int64_t nextTimerUs() const override { return receiver_.stallDeadlineUs(); }
  void onTimer(Connection& connection) override { receiver_.checkStall(connection); }

 private:
  FrameReceiver receiver_;
  Connection* connection_ = nullptr;
};

class RequestResponseWorkload final : public Workload {
 public:
  explicit RequestResponseWorkload(const EndpointSpec& spec)
      : spec_(spec.workload), format_(spec.workload.frame), receiver_(spec.workload), idMask_(idMaskOf(spec.workload.frame)) {
    // A power of two no larger than the id space: the ids of the requests in flight, at most
    // maxInFlight consecutive ones, fall into distinct slots.
    size_t slots = 1;
    while (slots < spec_.maxInFlight) slots <<= 1;
    slots_.resize(slots);
  }

  void onOpen(Connection& connection) override {
    random_ = 0x9e3779b97f4a7c15ULL * (uint64_t{connection.id} + 1);
    sendDue(connection);
  }

  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress*) override {
    receiver_.receive(connection, data, length, [&](const FrameView& frame) { complete(connection, frame); });
    if (!connection.closeRequested()) sendDue(connection);
  }

  void onTimer(Connection& connection) override {
    receiver_.checkStall(connection);
    if (!connection.closeRequested()) sendDue(connection);
  }

  int64_t nextTimerUs() const override {
    int64_t next = receiver_.stallDeadlineUs();
    if (spec_.requestsPerSecond && !finished() && inFlight_ < spec_.maxInFlight && nextSendUs_ > 0) {
      next = next ? std::min(next, nextSendUs_) : nextSendUs_;
    }
    return next;
  }

  void onPeerShutdown(Connection& connection) override { connection.requestClose(false); }

 private:
  struct Slot {
    uint64_t sequence = 0;
    int64_t sentAtUs = 0;
    uint32_t payloadBytes = 0;
    bool waiting = false;
  };

  bool finished() const { return spec_.totalRequests && sent_ >= spec_.totalRequests; }

  void complete(Connection& connection, const FrameView& frame) {
    auto& counters = connection.endpoint.counters;
    Slot& slot = slots_[frame.id & (slots_.size() - 1)];
    if (!slot.waiting || (slot.sequence & idMask_) != frame.id) {
      // An answer to nothing we asked: every byte of it is wrong.
      counters.verifyErrors.fetch_add(frame.frameBytes, std::memory_order_relaxed);
      return;
    }
    slot.waiting = false;
    --inFlight_;
    if (frame.payloadBytes != slot.payloadBytes) {
      counters.verifyErrors.fetch_add(std::max<uint64_t>(frame.payloadBytes, slot.payloadBytes), std::memory_order_relaxed);
    } else if (const uint64_t wrong = patternMismatches(frame.payload, frame.payloadBytes, payloadOffset(slot.sequence))) {
      counters.verifyErrors.fetch_add(wrong, std::memory_order_relaxed);
    }
    connection.endpoint.latency.record(static_cast<uint64_t>(std::max<int64_t>(connection.nowUs() - slot.sentAtUs, 0)));
    counters.messages.fetch_add(1, std::memory_order_relaxed);
  }

  void sendDue(Connection& connection) {
    const int64_t now = connection.nowUs();
    while (!finished() && inFlight_ < spec_.maxInFlight) {
      if (spec_.requestsPerSecond) {
        // On a schedule from the first request, so late wake-ups do not slow the rate; a sender
        // far behind starts a new schedule rather than bursting to catch up.
        const int64_t intervalUs = std::max<int64_t>(1000000 / spec_.requestsPerSecond, 1);
        if (nextSendUs_ == 0) nextSendUs_ = now;
        if (now < nextSendUs_) break;
        nextSendUs_ = std::max(nextSendUs_ + intervalUs, now - 10 * intervalUs);
      }
      send(connection, now);
    }
  }

  uint32_t nextPayloadBytes() {
    if (spec_.payloadMaxBytes <= spec_.payloadMinBytes) return spec_.payloadMinBytes;
    random_ ^= random_ << 13;
    random_ ^= random_ >> 7;
    random_ ^= random_ << 17;
    return spec_.payloadMinBytes + static_cast<uint32_t>(random_ % (uint64_t{spec_.payloadMaxBytes} - spec_.payloadMinBytes + 1));
  }

  void send(Connection& connection, int64_t now) {
    const uint32_t payloadBytes = nextPayloadBytes();
    const uint64_t sequence = nextSequence_++;
    const size_t headerBytes = format_.headerBytes();
    auto frame = std::make_shared<Bytes>(headerBytes + payloadBytes);
    writeFrameHeader(format_, frame->data(), headerBytes + payloadBytes, static_cast<uint32_t>(sequence & idMask_));
    copyPattern(frame->data() + headerBytes, payloadBytes, payloadOffset(sequence));
    Slot& slot = slots_[sequence & (slots_.size() - 1)];
    if (slot.waiting) {
      // Its answer never came while newer ones did; the slot is needed again.
      connection.endpoint.counters.messagesLost.fetch_add(1, std::memory_order_relaxed);
      --inFlight_;
    }
    slot = Slot{sequence, now, payloadBytes, true};
    ++inFlight_;
    ++sent_;
    // Not a write of its own: requests queued together leave in one call, coalesced.
    connection.enqueue(std::move(frame));
  }

  const WorkloadSpec spec_;
  const FrameFormat format_;
  FrameReceiver receiver_;
  const uint32_t idMask_;
  std::vector<Slot> slots_;
  uint32_t inFlight_ = 0;
  uint64_t nextSequence_ = 0;
  uint64_t sent_ = 0;
  int64_t nextSendUs_ = 0;
  uint64_t random_ = 1;
};

class MalformedWorkload final : public Workload {
 public:
  explicit MalformedWorkload(const EndpointSpec& spec) : spec_(spec.workload), format_(spec.workload.frame), receiver_(spec.workload) {}

  void onOpen(Connection& connection) override {
    // The good frames and the bad one leave in one write, as from a client that went wrong
    // mid-stream: the server must answer the good ones and refuse only what follows.
    auto bytes = std::make_shared<Bytes>();
    const size_t headerBytes = format_.headerBytes();
    const uint32_t idMask = idMaskOf(format_);
    const uint32_t payloadBytes = spec_.payloadMinBytes;
    for (uint32_t i = 0; i < spec_.goodFramesBefore; ++i) {
      const size_t at = bytes->size();
      bytes->resize(at + headerBytes + payloadBytes);
      writeFrameHeader(format_, bytes->data() + at, headerBytes + payloadBytes, i & idMask);
      copyPattern(bytes->data() + at + headerBytes, payloadBytes, payloadOffset(i));
    }
    const size_t at = bytes->size();
    const uint32_t badId = spec_.goodFramesBefore & idMask;
    switch (spec_.violation) {
      case FrameRule::SizeBelowHeader:
        bytes->resize(at + headerBytes + kFillerAfterBadHeader);
        writeRawFrameHeader(format_, bytes->data() + at, headerBytes - 1, badId);
        copyPattern(bytes->data() + at + headerBytes, kFillerAfterBadHeader, 0);
        break;
      case FrameRule::SizeAboveMaximum:
        bytes->resize(at + headerBytes + kFillerAfterBadHeader);
        writeFrameHeader(format_, bytes->data() + at, uint64_t{format_.maxFrameBytes} + 1, badId);
        copyPattern(bytes->data() + at + headerBytes, kFillerAfterBadHeader, 0);
        break;
      case FrameRule::StalledMidFrame: {
        // A frame announced in full, of which only the header and half the payload ever come.
        const uint32_t announcedPayload = std::max<uint32_t>(payloadBytes, 2);
        bytes->resize(at + headerBytes + announcedPayload / 2);
        writeFrameHeader(format_, bytes->data() + at, headerBytes + announcedPayload, badId);
        copyPattern(bytes->data() + at + headerBytes, announcedPayload / 2, 0);
        break;
      }
    }
    connection.enqueue(std::move(bytes), true);
  }

  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress*) override {
    uint64_t answers = 0;
    receiver_.receive(connection, data, length, [&](const FrameView&) { ++answers; });
    if (answers) connection.endpoint.counters.messages.fetch_add(answers, std::memory_order_relaxed);
  }

  // Stays until the server closes the connection, which is the point.
  void onPeerShutdown(Connection& connection) override { connection.requestClose(false); }

 private:
  const WorkloadSpec spec_;
  const FrameFormat format_;
  FrameReceiver receiver_;
};

}  // namespace

std::unique_ptr<Workload> createFramedEchoWorkload(const EndpointSpec& endpoint) { return std::make_unique<FramedEchoWorkload>(endpoint); }
std::unique_ptr<Workload> createRequestResponseWorkload(const EndpointSpec& endpoint) { return std::make_unique<RequestResponseWorkload>(endpoint); }
std::unique_ptr<Workload> createMalformedWorkload(const EndpointSpec& endpoint) { return std::make_unique<MalformedWorkload>(endpoint); }

}  // namespace sockscope
