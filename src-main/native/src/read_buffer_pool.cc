#include "read_buffer_pool.h"

#include <sys/mman.h>

#include <cerrno>

namespace sockscope {

ReadBufferPool::~ReadBufferPool() {
  if (!base_) return;
  munmap(base_, mappedBytes_);
  // No longer pinned; readPoolBytes and readPoolBuffers stay, as the result reports the pool's size.
  counters_.bytesPinned.fetch_sub(static_cast<int64_t>(buffers_) * bufferBytes_, std::memory_order_relaxed);
}

Status ReadBufferPool::map(uint32_t buffers, uint32_t bufferBytes) {
  mappedBytes_ = static_cast<size_t>(buffers) * bufferBytes;
  void* base = mmap(nullptr, mappedBytes_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (base == MAP_FAILED) return errnoStatus(errno, "mmap (read buffer pool)");
  base_ = static_cast<uint8_t*>(base);
  buffers_ = buffers;
  bufferBytes_ = bufferBytes;
  free_.reserve(buffers);
  // Taken from the back: buffer 0 first, so a quiet endpoint keeps touching the same few pages.
  for (uint32_t id = buffers; id > 0; --id) free_.push_back(id - 1);
  const int64_t bytes = static_cast<int64_t>(buffers) * bufferBytes;
  // Every free buffer may be filled at any time, so the whole pool counts as pinned.
  counters_.readPoolBytes.fetch_add(bytes, std::memory_order_relaxed);
  counters_.bytesPinned.fetch_add(bytes, std::memory_order_relaxed);
  counters_.readPoolBuffers.fetch_add(buffers, std::memory_order_relaxed);
  return Status::success();
}

int ReadBufferPool::take() {
  uint32_t id = 0;
  {
    std::lock_guard<std::mutex> lock(freeMutex_);
    if (free_.empty()) return -1;
    id = free_.back();
    free_.pop_back();
  }
  held();
  return static_cast<int>(id);
}

void ReadBufferPool::give(uint32_t id) {
  {
    std::lock_guard<std::mutex> lock(freeMutex_);
    free_.push_back(id);
  }
  released();
}

void ReadBufferPool::held() {
  inUse_.fetch_add(1);
  counters_.readPoolBufferTaken();
}

void ReadBufferPool::released() {
  // Sequentially consistent, against CompletionQueue::waitForReadBuffer's count.
  inUse_.fetch_sub(1);
  counters_.readPoolBuffersInUse.fetch_sub(1, std::memory_order_relaxed);
}

}  // namespace sockscope
