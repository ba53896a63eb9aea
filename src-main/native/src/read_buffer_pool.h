// The read buffer pool of a proactor queue (readBuffers "pool"): a fixed number of equal buffers
// that reads draw from only once data is there, instead of each posted read pinning a buffer of
// its own while its connection sits idle. This is the zero-byte receive of IOCP servers, and on
// io_uring a provided buffer ring the kernel picks from when a receive completes.
#pragma once
#include <atomic>
#include <cstdint>
#include <mutex>
#include <vector>

#include "errors.h"
#include "model_counters.h"

namespace sockscope {

class ReadBufferPool {
 public:
  explicit ReadBufferPool(ModelCounters& counters) : counters_(counters) {}
  ~ReadBufferPool();
  ReadBufferPool(const ReadBufferPool&) = delete;
  ReadBufferPool& operator=(const ReadBufferPool&) = delete;

  // Maps buffers × bufferBytes of anonymous memory (a buffer never filled stays non-resident),
  // every buffer free. Fails with the errno of mmap.
  Status map(uint32_t buffers, uint32_t bufferBytes);

  uint32_t buffers() const { return buffers_; }
  uint32_t bufferBytes() const { return bufferBytes_; }
  uint8_t* buffer(uint32_t id) const { return base_ + static_cast<size_t>(id) * bufferBytes_; }

  // The emulation's free list: a buffer for a read about to be made, or -1 when every one is
  // held. Any thread.
  int take();
  // Back to the free list: consumed, or unused by a read that would have blocked. Any thread.
  void give(uint32_t id);

  // For io_uring, whose kernel keeps the free list: a completion carried buffer `id` / it was
  // handed back to the kernel.
  void held();
  void released();

  // Whether some buffer is not held, so a read that found none may post again at once.
  bool anyFree() const { return inUse_.load() < static_cast<int64_t>(buffers_); }

 private:
  ModelCounters& counters_;
  uint8_t* base_ = nullptr;
  size_t mappedBytes_ = 0;
  uint32_t buffers_ = 0;
  uint32_t bufferBytes_ = 0;
  std::atomic<int64_t> inUse_{0};
  std::mutex freeMutex_;
  std::vector<uint32_t> free_;  // under freeMutex_; the emulation's only
};

}  // namespace sockscope
