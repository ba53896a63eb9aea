// A connection's application-level send queue. Queued buffers are gathered into one vectored
// write, except those marked to go out in a write call of their own (so a message split over two
// writes really is two system calls, which is what triggers Nagle).
#pragma once
#include <sys/uio.h>

#include <cstdint>
#include <deque>
#include <memory>
#include <vector>

#include "net_address.h"

namespace sockscope {

struct SendChunk {
  std::shared_ptr<const std::vector<uint8_t>> data;
  size_t offset = 0;  // bytes of data already written
  size_t end = 0;     // one past the last byte to send: a chunk may be a slice of a shared buffer
  bool ownWrite = false;
  std::shared_ptr<const NetAddress> destination;  // UDP without connect(): where this datagram goes
};

class SendQueue {
 public:
  static constexpr int kMaxGather = 64;

  // Queues data[offset, end); end = 0 means the whole buffer. A datagram is queued even when
  // empty; an empty stream write is dropped.
  void push(std::shared_ptr<const std::vector<uint8_t>> data, bool ownWrite,
            std::shared_ptr<const NetAddress> destination = nullptr, size_t offset = 0, size_t end = 0, bool datagram = false);

  bool empty() const { return chunks_.empty(); }
  uint64_t queuedBytes() const { return queuedBytes_; }
  const SendChunk& front() const { return chunks_.front(); }

  // Fills iov with the next write: a run of gatherable chunks, or one ownWrite chunk. Returns the count.
  int nextWrite(iovec* iov, int maxIov) const;

  // Appends the buffers of the first count chunks to pins, so they outlive a clear().
  void pinFront(int count, std::vector<std::shared_ptr<const std::vector<uint8_t>>>* pins) const;

  // Drops bytes the kernel accepted.
  void consume(size_t bytes);
  // Drops the front chunk whole: a datagram is sent or lost as one.
  void popFront();
  void clear();

 private:
  std::deque<SendChunk> chunks_;
  uint64_t queuedBytes_ = 0;
};

}  // namespace sockscope
