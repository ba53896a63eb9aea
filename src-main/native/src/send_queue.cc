#include "send_queue.h"

namespace sockscope {

void SendQueue::push(std::shared_ptr<const std::vector<uint8_t>> data, bool ownWrite,
                     std::shared_ptr<const NetAddress> destination, size_t offset, size_t end, bool datagram) {
  if (!data) return;
  if (end == 0 || end > data->size()) end = data->size();
  // An empty datagram is a real UDP message; an empty TCP write is nothing.
  if (offset >= end && !datagram) return;
  queuedBytes_ += end - offset;
  // A datagram always goes out in a send of its own: gathering would merge datagrams.
  chunks_.push_back(SendChunk{std::move(data), offset, end, ownWrite || datagram, std::move(destination)});
}

int SendQueue::nextWrite(iovec* iov, int maxIov) const {
  int count = 0;
  for (const SendChunk& chunk : chunks_) {
    if (count == maxIov) break;
    if (count > 0 && (chunk.ownWrite || chunk.destination)) break;
    iov[count].iov_base = const_cast<uint8_t*>(chunk.data->data() + chunk.offset);
    iov[count].iov_len = chunk.end - chunk.offset;
    ++count;
    if (chunk.ownWrite || chunk.destination) break;
  }
  return count;
}

void SendQueue::pinFront(int count, std::vector<std::shared_ptr<const std::vector<uint8_t>>>* pins) const {
  for (int i = 0; i < count && static_cast<size_t>(i) < chunks_.size(); ++i) pins->push_back(chunks_[static_cast<size_t>(i)].data);
}

void SendQueue::consume(size_t bytes) {
  queuedBytes_ -= bytes;
  while (bytes > 0 && !chunks_.empty()) {
    SendChunk& chunk = chunks_.front();
    const size_t left = chunk.end - chunk.offset;
    if (bytes < left) {
      chunk.offset += bytes;
      return;
    }
    bytes -= left;
    chunks_.pop_front();
  }
}

void SendQueue::popFront() {
  if (chunks_.empty()) return;
  queuedBytes_ -= chunks_.front().end - chunks_.front().offset;
  chunks_.pop_front();
}

void SendQueue::clear() {
  chunks_.clear();
  queuedBytes_ = 0;
}

}  // namespace sockscope
