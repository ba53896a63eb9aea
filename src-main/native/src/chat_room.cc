#include "chat_room.h"

#include <algorithm>

#include "chat_protocol.h"
#include "connection.h"
#include "framing.h"

namespace sockscope {
namespace {

// How long one thread runs a room's jobs before handing the room to a member's thread, so a
// busy room cannot keep one I/O thread from its own sockets.
constexpr int64_t kRoomTurnUs = 2000;

}  // namespace

MemberInbox::Offer MemberInbox::offer(const SharedFrame& frame, uint64_t limitBytes, uint64_t* queuedBytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  *queuedBytes = waitingBytes_ + sendQueueBytes_;
  if (!connection_ || evicted_) return Offer::Gone;
  if (*queuedBytes + frame->size() > limitBytes) return Offer::Overflow;
  const bool wasEmpty = waiting_.empty();
  waiting_.push_back(frame);
  waitingBytes_ += frame->size();
  *queuedBytes += frame->size();
  // Under the lock: detach() takes it too, so the connection cannot be gone meanwhile.
  if (wasEmpty) connection_->wakeWorkload();
  return Offer::Delivered;
}

void MemberInbox::evict(std::string reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!connection_ || evicted_) return;
  evicted_ = true;
  evictedReason_ = std::move(reason);
  waiting_.clear();
  waitingBytes_ = 0;
  connection_->wakeWorkload();
}

bool MemberInbox::wakeOwner() {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!connection_) return false;
  connection_->wakeWorkload();
  return true;
}

bool MemberInbox::take(std::vector<SharedFrame>* out, std::string* reason) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (evicted_) {
    *reason = evictedReason_;
    return true;
  }
  out->swap(waiting_);
  // Counted as queued until the owner reads the send queue again.
  sendQueueBytes_ += waitingBytes_;
  waitingBytes_ = 0;
  return false;
}

void MemberInbox::noteSendQueue(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mutex_);
  sendQueueBytes_ = bytes;
}

void MemberInbox::detach() {
  std::lock_guard<std::mutex> lock(mutex_);
  connection_ = nullptr;
  waiting_.clear();
  waitingBytes_ = 0;
}

ChatRoom::ChatRoom(ChatHub& hub, uint32_t number) : hub_(hub), number_(number), queue_(hub.counters.jobs) {}

void ChatRoom::execute() {
  for (;;) {
    if (queue_.runFor(kRoomTurnUs, [this](RoomJob& job) { run(job); })) return;
    // Chosen while still the executor: after handOff() the member list is no longer ours.
    std::shared_ptr<MemberInbox> next = members_.empty() ? nullptr : members_[nextHandOff_++ % members_.size()];
    if (!next) continue;  // no member thread to take over: this one goes on
    queue_.handOff();
    hub_.handedOff(this);
    // A woken member resumes the room from onWake(), or from onClosing() if it closes first.
    if (next->wakeOwner()) return;
    // It had closed (its leave job still queued): take the room back unless another thread has.
    if (!queue_.claim()) return;
  }
}

void ChatRoom::run(RoomJob& job) {
  switch (job.kind) {
    case RoomJob::Kind::Join: join(job.member); break;
    case RoomJob::Kind::Leave: leave(job.member); break;
    case RoomJob::Kind::Broadcast:
      hub_.counters.broadcasts.fetch_add(1, std::memory_order_relaxed);
      broadcast(job.frame, false);
      break;
  }
}

void ChatRoom::join(const std::shared_ptr<MemberInbox>& member) {
  members_.push_back(member);
  hub_.counters.joins.fetch_add(1, std::memory_order_relaxed);
  hub_.counters.members.fetch_add(1, std::memory_order_relaxed);
  announcePresence();
}

void ChatRoom::leave(const std::shared_ptr<MemberInbox>& member) {
  auto found = std::find(members_.begin(), members_.end(), member);
  // A member dropped for overflow left already.
  if (found == members_.end()) return;
  members_.erase(found);
  hub_.counters.members.fetch_sub(1, std::memory_order_relaxed);
  announcePresence();
}

void ChatRoom::announcePresence() {
  const FrameFormat& format = hub_.spec.frame;
  const size_t frameBytes = format.headerBytes() + kChatPresencePayloadBytes;
  auto frame = std::make_shared<std::vector<uint8_t>>(frameBytes);
  writeFrameHeader(format, frame->data(), frameBytes, kChatPresence);
  putLittle(frame->data() + format.headerBytes(), members_.size(), kChatPresencePayloadBytes);
  hub_.counters.presenceNotices.fetch_add(1, std::memory_order_relaxed);
  broadcast(frame, true);
}

void ChatRoom::broadcast(const SharedFrame& frame, bool presence) {
  ChatCounters& counters = hub_.counters;
  const WorkloadSpec& spec = hub_.spec;
  uint64_t delivered = 0;
  size_t kept = 0;
  for (size_t i = 0; i < members_.size(); ++i) {
    std::shared_ptr<MemberInbox>& member = members_[i];
    uint64_t queuedBytes = 0;
    const MemberInbox::Offer offer = member->offer(frame, spec.memberQueueBytes, &queuedBytes);
    bool stays = true;
    if (offer == MemberInbox::Offer::Delivered) {
      ++delivered;
      counters.notePeakMemberQueue(queuedBytes);
    } else if (offer == MemberInbox::Offer::Gone) {
      // Closed, its leave job still to come: it leaves now.
      stays = false;
    } else if (spec.dropMemberOnOverflow) {
      member->evict("dropped from room " + std::to_string(number_) + ": " + std::to_string(queuedBytes) + " bytes were queued for it and a " +
                    std::to_string(frame->size()) + "-byte message would pass the member queue of " + std::to_string(spec.memberQueueBytes) + " bytes");
      counters.membersDropped.fetch_add(1, std::memory_order_relaxed);
      stays = false;
    } else if (!presence) {
      // A presence notice a full member misses is not counted: the next one says the same.
      counters.messagesDropped.fetch_add(1, std::memory_order_relaxed);
    }
    if (stays) {
      if (kept != i) members_[kept] = std::move(member);
      ++kept;
    }
  }
  const size_t removed = members_.size() - kept;
  members_.resize(kept);
  if (!presence) counters.deliveries.fetch_add(delivered, std::memory_order_relaxed);
  if (removed) {
    counters.members.fetch_sub(removed, std::memory_order_relaxed);
    announcePresence();
  }
}

ChatHub::ChatHub(const WorkloadSpec& spec, ChatCounters& counters) : spec(spec), counters(counters) {
  for (uint32_t i = 0; i < std::max<uint32_t>(spec.chatRooms, 1); ++i) rooms_.push_back(std::make_unique<ChatRoom>(*this, i));
}

ChatHub::~ChatHub() = default;

void ChatHub::submit(uint32_t room, RoomJob job) {
  ChatRoom& target = *rooms_[room];
  if (target.queue().push(std::move(job))) target.execute();
}

void ChatHub::handedOff(ChatRoom* room) {
  {
    std::lock_guard<std::mutex> lock(handedOffMutex_);
    handedOff_.push_back(room);
  }
  anyHandedOff_.store(true, std::memory_order_release);
}

void ChatHub::resumeHandedOff() {
  if (!anyHandedOff_.load(std::memory_order_acquire)) return;
  std::vector<ChatRoom*> rooms;
  {
    std::lock_guard<std::mutex> lock(handedOffMutex_);
    rooms.swap(handedOff_);
    anyHandedOff_.store(false, std::memory_order_release);
  }
  for (ChatRoom* room : rooms) {
    if (room->queue().claim()) room->execute();
  }
}

}  // namespace sockscope
