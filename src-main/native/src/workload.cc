#include "workload.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "connection.h"
#include "chat_workloads.h"
#include "framed_workloads.h"
#include "pacer.h"
#include "pattern.h"

namespace sockscope {
namespace {

using Bytes = std::vector<uint8_t>;
using SharedBytes = std::shared_ptr<const Bytes>;

// Above this many queued bytes an echo stops reading, so a slow peer pushes back on the sender
// instead of growing our memory.
constexpr uint64_t kEchoBackpressureBytes = 4 * 1024 * 1024;
// Datagrams of the bulk and ping-pong workloads start with a little-endian sequence number.
constexpr size_t kSequenceBytes = 8;
// A UDP sink tracks sequence numbers for at most this many senders.
constexpr size_t kMaxTrackedSenders = 4096;

void putSequence(uint8_t* out, uint64_t sequence) {
  for (size_t i = 0; i < kSequenceBytes; ++i) out[i] = static_cast<uint8_t>(sequence >> (8 * i));
}

uint64_t getSequence(const uint8_t* in) {
  uint64_t sequence = 0;
  for (size_t i = 0; i < kSequenceBytes; ++i) sequence |= uint64_t{in[i]} << (8 * i);
  return sequence;
}

// A pattern message of the given size, the pattern starting at offset (so messages differ).
SharedBytes patternMessage(size_t size, uint64_t offset) {
  auto bytes = std::make_shared<Bytes>(size);
  const uint8_t* pattern = patternBuffer()->data();
  for (size_t done = 0; done < size;) {
    const size_t start = (offset + done) % kPatternPeriod;
    const size_t take = std::min(size - done, kPatternPeriod);
    std::memcpy(bytes->data() + done, pattern + start, take);
    done += take;
  }
  return bytes;
}

class EchoWorkload final : public Workload {
 public:
  explicit EchoWorkload(const EndpointSpec& spec) : udp_(spec.transport == Transport::Udp), messageBytes_(spec.workload.echoMessageBytes) {}

  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress* from) override {
    if (udp_) {
      auto destination = from ? std::make_shared<const NetAddress>(*from) : nullptr;
      connection.enqueue(std::make_shared<const Bytes>(data, data + length), true, std::move(destination));
      return;
    }
    if (messageBytes_ == 0) {
      connection.enqueue(std::make_shared<const Bytes>(data, data + length));
      return;
    }
    // A request/response server: answer each whole message with one write.
    pending_.insert(pending_.end(), data, data + length);
    size_t used = 0;
    while (pending_.size() - used >= messageBytes_) {
      connection.enqueue(std::make_shared<const Bytes>(pending_.begin() + used, pending_.begin() + used + messageBytes_), true);
      used += messageBytes_;
    }
    pending_.erase(pending_.begin(), pending_.begin() + used);
  }

  size_t readBudget(int64_t) override { return budgetFor_ && budgetFor_->queuedBytes() > kEchoBackpressureBytes ? 0 : SIZE_MAX; }
  void onOpen(Connection& connection) override { budgetFor_ = &connection; }

 private:
  const bool udp_;
  const uint32_t messageBytes_;
  Bytes pending_;
  Connection* budgetFor_ = nullptr;
};

class SinkWorkload final : public Workload {
 public:
  explicit SinkWorkload(const EndpointSpec& spec)
      : udp_(spec.transport == Transport::Udp), spec_(spec.workload), pacer_(spec.workload.readBytesPerSecond, 1) {}

  void onOpen(Connection& connection) override { pacer_.start(connection.nowUs()); }

  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress* from) override {
    if (pacer_.paced()) pacer_.use(length);
    if (!udp_ || length < kSequenceBytes || !from) return;
    // Datagram sequence per sender: a gap is loss, a step back is reordering (or duplication).
    const std::string sender(reinterpret_cast<const char*>(&from->storage), from->length);
    auto found = expected_.find(sender);
    if (found == expected_.end()) {
      if (expected_.size() >= kMaxTrackedSenders) return;
      found = expected_.emplace(sender, 0).first;
    }
    const uint64_t sequence = getSequence(data);
    auto& counters = connection.endpoint.counters;
    if (sequence > found->second) counters.datagramsMissing.fetch_add(sequence - found->second, std::memory_order_relaxed);
    if (sequence < found->second) {
      counters.datagramsOutOfOrder.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    found->second = sequence + 1;
  }

  size_t readBudget(int64_t nowUs) override {
    if (!pacer_.paced()) return SIZE_MAX;
    const int64_t allowance = pacer_.allowance(nowUs);
    starved_ = allowance < static_cast<int64_t>(minimumRead());
    if (starved_) return 0;
    // A datagram is read whole; the pace catches up by waiting longer for the next one.
    return udp_ ? SIZE_MAX : static_cast<size_t>(allowance);
  }

  int64_t nextTimerUs() const override { return starved_ ? pacer_.whenAllowedUs(minimumRead()) : 0; }

 private:
  // Small enough that a slow reader reads a little at a time, as a real slow consumer does.
  uint64_t minimumRead() const { return udp_ ? 1 : std::clamp<uint64_t>(spec_.readBytesPerSecond / 100, 1, 4096); }

  const bool udp_;
  const WorkloadSpec spec_;
  Pacer pacer_;
  bool starved_ = false;
  std::unordered_map<std::string, uint64_t> expected_;
};

class BulkWorkload final : public Workload {
 public:
  explicit BulkWorkload(const EndpointSpec& spec)
      : udp_(spec.transport == Transport::Udp), spec_(spec.workload), pacer_(spec.workload.bytesPerSecond, spec.workload.writeBytes) {}

  void onOpen(Connection& connection) override {
    pacer_.start(connection.nowUs());
    fill(connection);
  }
  void onDrained(Connection& connection) override { fill(connection); }
  void onTimer(Connection& connection) override { fill(connection); }
  int64_t nextTimerUs() const override { return waitingForPace_ ? pacer_.whenAllowedUs(nextChunk()) : 0; }
  void onPeerShutdown(Connection& connection) override { connection.requestClose(false); }

 private:
  size_t nextChunk() const {
    uint64_t chunk = spec_.writeBytes;
    if (spec_.totalBytes) chunk = std::min<uint64_t>(chunk, spec_.totalBytes - enqueued_);
    return static_cast<size_t>(chunk);
  }

  // Keeps one write's worth queued, within the pace and the total.
  void fill(Connection& connection) {
    waitingForPace_ = false;
    while (!done_ && connection.queuedBytes() < spec_.writeBytes) {
      const size_t chunk = nextChunk();
      if (pacer_.paced() && pacer_.allowance(connection.nowUs()) < static_cast<int64_t>(chunk)) {
        waitingForPace_ = true;
        break;
      }
      if (udp_) {
        auto datagram = patternMessage(std::max(chunk, kSequenceBytes), 0);
        putSequence(const_cast<uint8_t*>(datagram->data()), sequence_++);
        connection.enqueue(datagram, true, nullptr);
      } else {
        enqueuePattern(connection, chunk);
      }
      if (pacer_.paced()) pacer_.use(chunk);
      enqueued_ += chunk;
      if (spec_.totalBytes && enqueued_ >= spec_.totalBytes) done_ = true;
    }
    if (done_ && connection.queuedBytes() == 0 && spec_.thenShutdownWrite && !shutDown_) {
      shutDown_ = true;
      connection.shutdownWrite();
    }
  }

  // Slices of the shared pattern buffer: no copy, no allocation.
  void enqueuePattern(Connection& connection, size_t bytes) {
    uint64_t offset = enqueued_;
    while (bytes > 0) {
      const size_t start = offset % kPatternPeriod;
      const size_t take = std::min(bytes, kPatternPeriod);
      connection.enqueue(patternBuffer(), false, nullptr, start, start + take);
      bytes -= take;
      offset += take;
    }
  }

  const bool udp_;
  const WorkloadSpec spec_;
  Pacer pacer_;
  uint64_t enqueued_ = 0;
  uint64_t sequence_ = 0;
  bool done_ = false;
  bool shutDown_ = false;
  bool waitingForPace_ = false;
};

class PingPongWorkload final : public Workload {
 public:
  explicit PingPongWorkload(const EndpointSpec& spec) : udp_(spec.transport == Transport::Udp), spec_(spec.workload) {}

  void onOpen(Connection& connection) override { sendNext(connection); }

  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress*) override {
    auto& counters = connection.endpoint.counters;
    if (!message_) return;
    if (udp_) {
      if (length != message_->size() || getSequence(data) != sequence_) {
        counters.datagramsOutOfOrder.fetch_add(1, std::memory_order_relaxed);
        return;
      }
      if (std::memcmp(data, message_->data(), length) != 0) counters.verifyErrors.fetch_add(1, std::memory_order_relaxed);
      complete(connection);
      return;
    }
    // TCP: the echo may come back in pieces; compare each piece where it belongs.
    const size_t take = std::min(length, message_->size() - received_);
    if (std::memcmp(data, message_->data() + received_, take) != 0) {
      uint64_t wrong = 0;
      for (size_t i = 0; i < take; ++i) wrong += data[i] != (*message_)[received_ + i];
      counters.verifyErrors.fetch_add(wrong, std::memory_order_relaxed);
    }
    received_ += take;
    if (take < length) counters.verifyErrors.fetch_add(length - take, std::memory_order_relaxed);
    if (received_ == message_->size()) complete(connection);
  }

  void onTimer(Connection& connection) override {
    const int64_t now = connection.nowUs();
    if (message_ && udp_ && now >= sentAtUs_ + int64_t{spec_.timeoutMs} * 1000) {
      connection.endpoint.counters.messagesLost.fetch_add(1, std::memory_order_relaxed);
      message_.reset();
    }
    if (!message_ && now >= nextSendUs_) sendNext(connection);
  }

  int64_t nextTimerUs() const override {
    if (message_) return udp_ ? sentAtUs_ + int64_t{spec_.timeoutMs} * 1000 : 0;
    return finished() ? 0 : nextSendUs_;
  }

  void onPeerShutdown(Connection& connection) override { connection.requestClose(false); }

 private:
  bool finished() const { return spec_.totalMessages && sent_ >= spec_.totalMessages; }

  void complete(Connection& connection) {
    const int64_t now = connection.nowUs();
    connection.endpoint.latency.record(static_cast<uint64_t>(std::max<int64_t>(now - sentAtUs_, 0)));
    connection.endpoint.counters.messages.fetch_add(1, std::memory_order_relaxed);
    message_.reset();
    if (spec_.messagesPerSecond) {
      // On a schedule from the first message, so late wake-ups do not add up to a slower rate;
      // a sender that fell far behind starts a new schedule rather than bursting to catch up.
      const int64_t intervalUs = 1000000 / spec_.messagesPerSecond;
      nextSendUs_ = std::max(nextSendUs_ + intervalUs, now - 10 * intervalUs);
      if (nextSendUs_ > now) return;
    }
    sendNext(connection);
  }

  void sendNext(Connection& connection) {
    if (finished()) return;
    const int64_t now = connection.nowUs();
    if (nextSendUs_ == 0) nextSendUs_ = now;
    const size_t size = udp_ ? std::max<size_t>(spec_.messageBytes, kSequenceBytes) : spec_.messageBytes;
    auto message = patternMessage(size, sent_ * 97);
    ++sequence_;
    if (udp_) putSequence(const_cast<uint8_t*>(message->data()), sequence_);
    message_ = message;
    received_ = 0;
    sentAtUs_ = now;
    ++sent_;
    // Each part in its own write call: with Nagle on, the second part waits for the first's ACK.
    const size_t parts = udp_ ? 1 : std::min<size_t>(spec_.writesPerMessage, size);
    for (size_t part = 0; part < parts; ++part) {
      connection.enqueue(message, true, nullptr, size * part / parts, size * (part + 1) / parts);
    }
  }

  const bool udp_;
  const WorkloadSpec spec_;
  SharedBytes message_;  // in flight, kept to check the echo against
  size_t received_ = 0;
  uint64_t sequence_ = 0;
  uint64_t sent_ = 0;
  int64_t sentAtUs_ = 0;
  int64_t nextSendUs_ = 0;
};

class ManualWorkload final : public Workload {
 public:
  // A manual connection stays half-open after the peer's FIN until the user acts: that is the
  // CLOSE_WAIT state the user came to see.
  void onPeerShutdown(Connection&) override {}
  void onDrained(Connection&) override {}
};

}  // namespace

void Workload::onPeerShutdown(Connection& connection) {
  if (connection.queuedBytes() == 0) connection.requestClose(false);
}

void Workload::onDrained(Connection& connection) {
  if (connection.peerShutDown()) connection.requestClose(false);
}

std::unique_ptr<Workload> Workload::create(const EndpointSpec& endpoint) {
  switch (endpoint.workload.kind) {
    case WorkloadKind::Echo: return std::make_unique<EchoWorkload>(endpoint);
    case WorkloadKind::Sink: return std::make_unique<SinkWorkload>(endpoint);
    case WorkloadKind::Bulk: return std::make_unique<BulkWorkload>(endpoint);
    case WorkloadKind::PingPong: return std::make_unique<PingPongWorkload>(endpoint);
    case WorkloadKind::Manual: return std::make_unique<ManualWorkload>();
    case WorkloadKind::FramedEcho: return createFramedEchoWorkload(endpoint);
    case WorkloadKind::RequestResponse: return createRequestResponseWorkload(endpoint);
    case WorkloadKind::Malformed: return createMalformedWorkload(endpoint);
    // Each side of a proxied pair gets its workload from its ProxyLink; none is made alone.
    case WorkloadKind::Proxy: return std::make_unique<ManualWorkload>();
    case WorkloadKind::Chat: return endpoint.role == Role::Server ? createChatServerWorkload(endpoint) : createChatClientWorkload(endpoint);
  }
  return std::make_unique<ManualWorkload>();
}

}  // namespace sockscope
