// The rooms of one chat server endpoint. Each room's state (its member list) is touched only by
// the job running its queue (job_queue.h); members live on whatever thread their model gave
// them, so a room reaches a member through the member's inbox, which its owner thread empties
// into the connection's send queue when woken.
//
// A broadcast is encoded once by the sender's connection; the room hands that one buffer to
// every member's inbox, so the bytes copied per broadcast are the single encoding.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "chat_counters.h"
#include "config.h"
#include "job_queue.h"

namespace sockscope {

class Connection;
using SharedFrame = std::shared_ptr<const std::vector<uint8_t>>;

// What the room has for one member, and the way to its owner thread. The room side may call
// any method from any thread; take() and noteSendQueue() belong to the member's owner thread.
class MemberInbox {
 public:
  MemberInbox(Connection& connection, uint32_t member) : member(member), connection_(&connection) {}

  enum class Offer { Delivered, Overflow, Gone };
  // Queues frame for the member unless its bytes queued (inbox and send queue) would pass
  // limitBytes; *queuedBytes is that figure after the offer. Wakes the owner when the inbox
  // was empty.
  Offer offer(const SharedFrame& frame, uint64_t limitBytes, uint64_t* queuedBytes);
  // The member is dropped from its room; its owner closes it with this reason when woken.
  void evict(std::string reason);
  // Asks the owner thread to look in (a room handed off to it). False when the member has
  // closed: no thread will look.
  bool wakeOwner();

  // Owner thread: moves the waiting frames into *out; true (with *reason) when evicted.
  bool take(std::vector<SharedFrame>* out, std::string* reason);
  // Owner thread: the connection's send queue holds this many bytes now.
  void noteSendQueue(uint64_t bytes);
  // Owner thread: the connection is closing; nothing more is delivered or woken.
  void detach();

  const uint32_t member;  // the member number receivers see as the sender

 private:
  std::mutex mutex_;  // this member's alone: a broadcast takes each member's in turn
  Connection* connection_;
  std::vector<SharedFrame> waiting_;
  uint64_t waitingBytes_ = 0;
  // As the owner last saw it; between looks it only overstates, so a member is never let past
  // its limit.
  uint64_t sendQueueBytes_ = 0;
  bool evicted_ = false;
  std::string evictedReason_;
};

// A room's work, queued as data (the command pattern) rather than as a closure.
struct RoomJob {
  enum class Kind { Join, Leave, Broadcast };
  Kind kind = Kind::Broadcast;
  std::shared_ptr<MemberInbox> member;  // join and leave
  SharedFrame frame;                    // broadcast: the frame every member gets
};

class ChatHub;

class ChatRoom {
 public:
  ChatRoom(ChatHub& hub, uint32_t number);

  JobQueue<RoomJob>& queue() { return queue_; }
  // The caller is the queue's executor: runs jobs until none is left, or hands the queue off to
  // one of the members' threads when its turn is used up.
  void execute();

 private:
  void run(RoomJob& job);
  void join(const std::shared_ptr<MemberInbox>& member);
  void leave(const std::shared_ptr<MemberInbox>& member);
  void broadcast(const SharedFrame& frame, bool presence);
  void announcePresence();

  ChatHub& hub_;
  const uint32_t number_;
  JobQueue<RoomJob> queue_;
  std::vector<std::shared_ptr<MemberInbox>> members_;  // the room's jobs only
  size_t nextHandOff_ = 0;                             // the room's jobs only
};

// Every room of one server endpoint (EndpointRuntime::chatHub).
class ChatHub {
 public:
  ChatHub(const WorkloadSpec& spec, ChatCounters& counters);
  ~ChatHub();

  uint32_t rooms() const { return static_cast<uint32_t>(rooms_.size()); }
  // Any thread: queues a job for a room (number < rooms()); runs the room if it was idle.
  void submit(uint32_t room, RoomJob job);
  // Any thread: takes over the rooms handed off since, and runs them.
  void resumeHandedOff();
  // Jobs waiting in a room: a room far behind makes its members stop reading.
  size_t waitingJobs(uint32_t room) const { return rooms_[room]->queue().waiting(); }

  const WorkloadSpec spec;
  ChatCounters& counters;

 private:
  friend class ChatRoom;
  void handedOff(ChatRoom* room);

  std::vector<std::unique_ptr<ChatRoom>> rooms_;
  std::mutex handedOffMutex_;
  std::vector<ChatRoom*> handedOff_;
  std::atomic<bool> anyHandedOff_{false};
};

}  // namespace sockscope
