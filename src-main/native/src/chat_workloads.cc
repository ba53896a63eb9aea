#include "chat_workloads.h"

#include <algorithm>
#include <cstring>
#include <unordered_map>
#include <vector>

#include "chat_protocol.h"
#include "chat_room.h"
#include "connection.h"
#include "frame_receiver.h"
#include "framing.h"
#include "pacer.h"

namespace sockscope {
namespace {

using Bytes = std::vector<uint8_t>;

// A room with this many jobs waiting makes its members stop reading until it catches up, so
// senders faster than the room push back on themselves instead of growing its queue.
constexpr size_t kRoomBacklogJobs = 1024;
// How soon a member held back by its room's backlog looks again.
constexpr int64_t kBacklogRetryUs = 1000;
// An unpaced client keeps at most this much of its own messages queued.
constexpr uint64_t kUnpacedQueueBytes = 64 * 1024;
// A client follows the sequences of at most this many senders.
constexpr size_t kMaxTrackedSenders = 4096;

class ChatServerWorkload final : public Workload {
 public:
  explicit ChatServerWorkload(const EndpointSpec& spec) : format_(spec.workload.frame), receiver_(spec.workload) {}
  ~ChatServerWorkload() override {
    if (inbox_) inbox_->detach();
  }

  void onOpen(Connection& connection) override {
    connection_ = &connection;
    hub_ = connection.endpoint.chatHub.get();
    inbox_ = std::make_shared<MemberInbox>(connection, connection.id);
  }

  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress*) override {
    receiver_.receive(connection, data, length, [&](const FrameView& frame) {
      if (!connection.closeRequested()) handle(connection, frame);
    });
    hub_->resumeHandedOff();
  }

  void onWake(Connection& connection) override {
    if (!inbox_) return;
    std::string evictedBecause;
    if (inbox_->take(&delivered_, &evictedBecause)) {
      connection.closeWithReason(false, "ENOBUFS", evictedBecause);
    } else {
      for (SharedFrame& frame : delivered_) connection.enqueue(std::move(frame));
      delivered_.clear();
      inbox_->noteSendQueue(connection.queuedBytes());
    }
    hub_->resumeHandedOff();
  }

  size_t readBudget(int64_t nowUs) override {
    if (!connection_) return SIZE_MAX;
    inbox_->noteSendQueue(connection_->queuedBytes());
    const bool backlogged = room_ >= 0 && hub_->waitingJobs(static_cast<uint32_t>(room_)) > kRoomBacklogJobs;
    if (backlogged && !backlogRetryUs_) connection_->endpoint.chat.roomBacklogPauses.fetch_add(1, std::memory_order_relaxed);
    backlogRetryUs_ = backlogged ? nowUs + kBacklogRetryUs : 0;
    return backlogged ? 0 : SIZE_MAX;
  }

  int64_t nextTimerUs() const override {
    const int64_t stall = receiver_.stallDeadlineUs();
    if (!backlogRetryUs_) return stall;
    return stall ? std::min(stall, backlogRetryUs_) : backlogRetryUs_;
  }

  void onTimer(Connection& connection) override { receiver_.checkStall(connection); }

  void onDrained(Connection& connection) override {
    if (inbox_) inbox_->noteSendQueue(0);
    Workload::onDrained(connection);
  }

  void onClosing(Connection&, bool) override {
    if (!inbox_) return;
    inbox_->detach();
    if (room_ >= 0) hub_->submit(static_cast<uint32_t>(room_), RoomJob{RoomJob::Kind::Leave, inbox_, nullptr});
    room_ = -1;
    hub_->resumeHandedOff();
  }

 private:
  void handle(Connection& connection, const FrameView& frame) {
    switch (frame.id) {
      case kChatJoin: join(connection, frame); return;
      case kChatMessage: chat(connection, frame); return;
      default:
        refuse(connection, frame, "unknown-frame-id",
               "frame id " + std::to_string(frame.id) + " is not a chat message: a client sends join (" + std::to_string(kChatJoin) + ") or chat (" +
                   std::to_string(kChatMessage) + ")");
    }
  }

  void join(Connection& connection, const FrameView& frame) {
    if (room_ >= 0) {
      refuse(connection, frame, "join-twice", "a second join: the connection is a member of room " + std::to_string(room_) + " already");
      return;
    }
    if (frame.payloadBytes != kChatJoinPayloadBytes) {
      refuse(connection, frame, "join-payload-size",
             "a join carries a " + std::to_string(kChatJoinPayloadBytes) + "-byte room number, not " + std::to_string(frame.payloadBytes) + " bytes");
      return;
    }
    const uint64_t room = getLittle(frame.payload, kChatJoinPayloadBytes);
    if (room >= hub_->rooms()) {
      refuse(connection, frame, "room-out-of-range",
             "room " + std::to_string(room) + " does not exist: the server has " + std::to_string(hub_->rooms()) + " rooms, 0 to " + std::to_string(hub_->rooms() - 1));
      return;
    }
    room_ = static_cast<int64_t>(room);
    hub_->submit(static_cast<uint32_t>(room), RoomJob{RoomJob::Kind::Join, inbox_, nullptr});
  }

  void chat(Connection& connection, const FrameView& frame) {
    if (room_ < 0) {
      refuse(connection, frame, "chat-before-join", "a chat message before the connection joined a room");
      return;
    }
    if (frame.payloadBytes < kChatMessageHeadBytes) {
      refuse(connection, frame, "chat-payload-too-short",
             "a chat message carries at least a sequence and a send time (" + std::to_string(kChatMessageHeadBytes) + " bytes), not " + std::to_string(frame.payloadBytes) + " bytes");
      return;
    }
    const size_t headerBytes = format_.headerBytes();
    const uint64_t frameBytes = headerBytes + kChatMemberBytes + frame.payloadBytes;
    const uint64_t largest = std::min<uint64_t>(format_.maxFrameBytes, format_.largestAnnounceableBytes());
    if (frameBytes > largest) {
      refuse(connection, frame, "chat-above-maximum",
             "a chat payload of " + std::to_string(frame.payloadBytes) + " bytes makes a " + std::to_string(frameBytes) + "-byte broadcast, above the largest frame (" +
                 std::to_string(largest) + " bytes)");
      return;
    }
    // The one encoding of this message: every member's send queue gets this same buffer.
    auto broadcast = std::make_shared<Bytes>(frameBytes);
    writeFrameHeader(format_, broadcast->data(), frameBytes, kChatBroadcast);
    putLittle(broadcast->data() + headerBytes, inbox_->member, kChatMemberBytes);
    std::memcpy(broadcast->data() + headerBytes + kChatMemberBytes, frame.payload, frame.payloadBytes);
    connection.endpoint.chat.bytesEncoded.fetch_add(frameBytes, std::memory_order_relaxed);
    connection.endpoint.counters.messages.fetch_add(1, std::memory_order_relaxed);
    hub_->submit(static_cast<uint32_t>(room_), RoomJob{RoomJob::Kind::Broadcast, nullptr, std::move(broadcast)});
  }

  void refuse(Connection& connection, const FrameView& frame, const char* rule, const std::string& message) {
    connection.closeForProtocolViolation(rule, hexBytes(frame.frame, format_.headerBytes()), message);
  }

  const FrameFormat format_;
  FrameReceiver receiver_;
  Connection* connection_ = nullptr;
  ChatHub* hub_ = nullptr;
  std::shared_ptr<MemberInbox> inbox_;
  std::vector<SharedFrame> delivered_;  // reused between wakes
  int64_t room_ = -1;
  int64_t backlogRetryUs_ = 0;
};

class ChatClientWorkload final : public Workload {
 public:
  explicit ChatClientWorkload(const EndpointSpec& spec)
      : spec_(spec.workload), format_(spec.workload.frame), receiver_(spec.workload), readPacer_(spec.workload.readBytesPerSecond, 1) {}

  void onOpen(Connection& connection) override {
    readPacer_.start(connection.nowUs());
    const uint32_t room = spec_.chatRoom >= 0 ? static_cast<uint32_t>(spec_.chatRoom) : static_cast<uint32_t>(connection.index) % std::max<uint32_t>(spec_.chatRooms, 1);
    const size_t frameBytes = format_.headerBytes() + kChatJoinPayloadBytes;
    auto join = std::make_shared<Bytes>(frameBytes);
    writeFrameHeader(format_, join->data(), frameBytes, kChatJoin);
    putLittle(join->data() + format_.headerBytes(), room, kChatJoinPayloadBytes);
    connection.enqueue(std::move(join));
  }

  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress*) override {
    if (readPacer_.paced()) readPacer_.use(length);
    receiver_.receive(connection, data, length, [&](const FrameView& frame) {
      if (!connection.closeRequested()) handle(connection, frame);
    });
    if (!connection.closeRequested()) sendDue(connection);
  }

  void onTimer(Connection& connection) override {
    receiver_.checkStall(connection);
    if (!connection.closeRequested()) sendDue(connection);
  }

  void onDrained(Connection& connection) override {
    sendDue(connection);
    Workload::onDrained(connection);
  }

  int64_t nextTimerUs() const override {
    int64_t next = receiver_.stallDeadlineUs();
    auto sooner = [&next](int64_t atUs) {
      if (atUs > 0 && (next == 0 || atUs < next)) next = atUs;
    };
    if (spec_.messagesPerSecond && started_ && !finished() && nextSendUs_ > 0) sooner(nextSendUs_);
    if (readStarved_) sooner(readPacer_.whenAllowedUs(minimumRead()));
    return next;
  }

  size_t readBudget(int64_t nowUs) override {
    if (!readPacer_.paced()) return SIZE_MAX;
    const int64_t allowance = readPacer_.allowance(nowUs);
    readStarved_ = allowance < static_cast<int64_t>(minimumRead());
    return readStarved_ ? 0 : static_cast<size_t>(allowance);
  }

  void onPeerShutdown(Connection& connection) override { connection.requestClose(false); }

 private:
  bool finished() const { return spec_.totalMessages && sent_ >= spec_.totalMessages; }
  // A slow member reads a little at a time, as a real slow consumer does.
  uint64_t minimumRead() const { return std::clamp<uint64_t>(spec_.readBytesPerSecond / 100, 1, 4096); }

  void handle(Connection& connection, const FrameView& frame) {
    switch (frame.id) {
      case kChatPresence:
        if (frame.payloadBytes < kChatPresencePayloadBytes) break;
        // Members start talking once the room has as many as they wait for, so everyone hears
        // every message from its first.
        if (!started_ && getLittle(frame.payload, kChatPresencePayloadBytes) >= std::max<uint32_t>(spec_.startWhenMembers, 1)) started_ = true;
        return;
      case kChatBroadcast:
        if (frame.payloadBytes < kChatMemberBytes + kChatMessageHeadBytes) break;
        received(connection, frame.payload);
        return;
      default: break;
    }
    connection.closeForProtocolViolation("unexpected-frame", hexBytes(frame.frame, format_.headerBytes()),
                                         "frame id " + std::to_string(frame.id) + " with a " + std::to_string(frame.payloadBytes) +
                                             "-byte payload is neither a broadcast nor a presence notice of the chat server");
  }

  void received(Connection& connection, const uint8_t* payload) {
    ChatCounters& chat = connection.endpoint.chat;
    const auto sender = static_cast<uint32_t>(getLittle(payload, kChatMemberBytes));
    const uint64_t sequence = getLittle(payload + kChatMemberBytes, 8);
    const auto sentAtNs = static_cast<int64_t>(getLittle(payload + kChatMemberBytes + 8, 8));
    chat.messagesReceived.fetch_add(1, std::memory_order_relaxed);
    connection.endpoint.counters.messages.fetch_add(1, std::memory_order_relaxed);
    connection.endpoint.latency.record(static_cast<uint64_t>(std::max<int64_t>(monotonicNowNs() - sentAtNs, 0) / 1000));
    // Each sender's messages are checked from the first heard: what it said before this member
    // joined was never owed to it.
    auto found = expected_.find(sender);
    if (found == expected_.end()) {
      if (expected_.size() < kMaxTrackedSenders) expected_.emplace(sender, sequence + 1);
      return;
    }
    if (sequence < found->second) {
      chat.messagesOutOfOrder.fetch_add(1, std::memory_order_relaxed);
      return;
    }
    if (sequence > found->second) chat.messagesMissed.fetch_add(sequence - found->second, std::memory_order_relaxed);
    found->second = sequence + 1;
  }

  void sendDue(Connection& connection) {
    if (!started_) return;
    const int64_t now = connection.nowUs();
    while (!finished()) {
      if (spec_.messagesPerSecond) {
        // On a schedule from the first message, so late wake-ups do not slow the rate; a sender
        // far behind starts a new schedule rather than bursting to catch up.
        const int64_t intervalUs = std::max<int64_t>(1000000 / spec_.messagesPerSecond, 1);
        if (nextSendUs_ == 0) nextSendUs_ = now;
        if (now < nextSendUs_) break;
        nextSendUs_ = std::max(nextSendUs_ + intervalUs, now - 10 * intervalUs);
      } else if (connection.queuedBytes() >= kUnpacedQueueBytes) {
        break;  // onDrained sends more
      }
      send(connection);
    }
  }

  void send(Connection& connection) {
    const size_t headerBytes = format_.headerBytes();
    const size_t payloadBytes = std::max<size_t>(spec_.messageBytes, kChatMessageHeadBytes);
    auto frame = std::make_shared<Bytes>(headerBytes + payloadBytes);
    writeFrameHeader(format_, frame->data(), headerBytes + payloadBytes, kChatMessage);
    uint8_t* payload = frame->data() + headerBytes;
    putLittle(payload, sent_, 8);
    putLittle(payload + 8, static_cast<uint64_t>(monotonicNowNs()), 8);
    // Filler a person can read in the stream view.
    for (size_t i = kChatMessageHeadBytes; i < payloadBytes; ++i) payload[i] = static_cast<uint8_t>('a' + (sent_ + i) % 26);
    ++sent_;
    connection.endpoint.chat.messagesSent.fetch_add(1, std::memory_order_relaxed);
    connection.enqueue(std::move(frame));
  }

  const WorkloadSpec spec_;
  const FrameFormat format_;
  FrameReceiver receiver_;
  Pacer readPacer_;
  bool readStarved_ = false;
  bool started_ = false;
  uint64_t sent_ = 0;
  int64_t nextSendUs_ = 0;
  std::unordered_map<uint32_t, uint64_t> expected_;  // per sender: the next sequence
};

}  // namespace

std::unique_ptr<Workload> createChatServerWorkload(const EndpointSpec& endpoint) { return std::make_unique<ChatServerWorkload>(endpoint); }
std::unique_ptr<Workload> createChatClientWorkload(const EndpointSpec& endpoint) { return std::make_unique<ChatClientWorkload>(endpoint); }

}  // namespace sockscope
