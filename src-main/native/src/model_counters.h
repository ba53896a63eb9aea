// What an endpoint's I/O model shows of its architecture: pending operations and the bytes they
// pin, the completion queue, and the share of work each worker thread did. Models that have no
// such thing leave the figures at zero.
#pragma once
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace sockscope {

// Padded apart: each worker adds to its own line only.
struct alignas(64) WorkerCounters {
  std::atomic<uint64_t> completions{0};
  std::atomic<uint64_t> busyUs{0};
};

struct ModelCounters {
  // Gauges: operations posted and not yet completed, the buffer bytes they hold, and completions
  // waiting in the queue for a worker.
  std::atomic<int64_t> operationsInFlight{0}, bytesPinned{0}, completionQueueDepth{0};
  std::atomic<uint64_t> operationsPosted{0}, completions{0};
  // Buffers written by all writes together: divided by writes, how many a write gathered.
  std::atomic<uint64_t> buffersWritten{0};
  // Read buffer pools (readBuffers "pool"): their bytes (also in bytesPinned, as the kernel or the
  // emulation may fill any free one), buffers held by reads that completed and were not yet
  // consumed, the most held at once, reads that found every buffer held, and reads waiting for
  // one to come back.
  std::atomic<bool> pooledReads{false};
  std::atomic<int64_t> readPoolBytes{0}, readPoolBuffers{0}, readPoolBuffersInUse{0}, readPoolPeakBuffersInUse{0};
  std::atomic<int64_t> readsWaitingForBuffer{0};
  std::atomic<uint64_t> readPoolExhausted{0};
  // Timer entries waiting in the completion queues' heaps (superseded ones included), and the most.
  std::atomic<int64_t> timersQueued{0}, timersQueuedPeak{0};

  void timersQueuedChanged(int64_t delta) {
    const int64_t queued = timersQueued.fetch_add(delta, std::memory_order_relaxed) + delta;
    int64_t peak = timersQueuedPeak.load(std::memory_order_relaxed);
    while (queued > peak && !timersQueuedPeak.compare_exchange_weak(peak, queued, std::memory_order_relaxed)) {
    }
  }

  void readPoolBufferTaken() {
    const int64_t inUse = readPoolBuffersInUse.fetch_add(1, std::memory_order_relaxed) + 1;
    int64_t peak = readPoolPeakBuffersInUse.load(std::memory_order_relaxed);
    while (inUse > peak && !readPoolPeakBuffersInUse.compare_exchange_weak(peak, inUse, std::memory_order_relaxed)) {
    }
  }

  // Set once by the model before its threads start.
  void setWorkers(int count) {
    workers_ = std::make_unique<WorkerCounters[]>(static_cast<size_t>(count));
    workerCount_.store(count, std::memory_order_release);
  }
  int workerCount() const { return workerCount_.load(std::memory_order_acquire); }
  WorkerCounters& worker(int index) { return workers_[static_cast<size_t>(index)]; }

  // Which backend ran, and why when it is not the one asked for.
  void setBackend(std::string name, std::string note) {
    std::lock_guard<std::mutex> lock(backendMutex_);
    backend_ = std::move(name);
    backendNote_ = std::move(note);
  }
  void backend(std::string* name, std::string* note) {
    std::lock_guard<std::mutex> lock(backendMutex_);
    *name = backend_;
    *note = backendNote_;
  }

 private:
  std::unique_ptr<WorkerCounters[]> workers_;
  std::atomic<int> workerCount_{0};
  std::mutex backendMutex_;
  std::string backend_;
  std::string backendNote_;
};

struct ModelCounterValues {
  int64_t operationsInFlight = 0, bytesPinned = 0, completionQueueDepth = 0;
  uint64_t operationsPosted = 0, completions = 0, buffersWritten = 0;
  bool pooledReads = false;
  int64_t readPoolBytes = 0, readPoolBuffers = 0, readPoolBuffersInUse = 0, readPoolPeakBuffersInUse = 0, readsWaitingForBuffer = 0;
  uint64_t readPoolExhausted = 0;
  int64_t timersQueued = 0, timersQueuedPeak = 0;
  std::vector<uint64_t> workerCompletions, workerBusyUs;
  std::string backend, backendNote;
};

inline ModelCounterValues readModelCounters(ModelCounters& counters) {
  ModelCounterValues values;
  values.operationsInFlight = counters.operationsInFlight.load(std::memory_order_relaxed);
  values.bytesPinned = counters.bytesPinned.load(std::memory_order_relaxed);
  values.completionQueueDepth = counters.completionQueueDepth.load(std::memory_order_relaxed);
  values.operationsPosted = counters.operationsPosted.load(std::memory_order_relaxed);
  values.completions = counters.completions.load(std::memory_order_relaxed);
  values.buffersWritten = counters.buffersWritten.load(std::memory_order_relaxed);
  values.pooledReads = counters.pooledReads.load(std::memory_order_relaxed);
  values.readPoolBytes = counters.readPoolBytes.load(std::memory_order_relaxed);
  values.readPoolBuffers = counters.readPoolBuffers.load(std::memory_order_relaxed);
  values.readPoolBuffersInUse = counters.readPoolBuffersInUse.load(std::memory_order_relaxed);
  values.readPoolPeakBuffersInUse = counters.readPoolPeakBuffersInUse.load(std::memory_order_relaxed);
  values.readsWaitingForBuffer = counters.readsWaitingForBuffer.load(std::memory_order_relaxed);
  values.readPoolExhausted = counters.readPoolExhausted.load(std::memory_order_relaxed);
  values.timersQueued = counters.timersQueued.load(std::memory_order_relaxed);
  values.timersQueuedPeak = counters.timersQueuedPeak.load(std::memory_order_relaxed);
  const int workers = counters.workerCount();
  for (int i = 0; i < workers; ++i) {
    values.workerCompletions.push_back(counters.worker(i).completions.load(std::memory_order_relaxed));
    values.workerBusyUs.push_back(counters.worker(i).busyUs.load(std::memory_order_relaxed));
  }
  counters.backend(&values.backend, &values.backendNote);
  return values;
}

}  // namespace sockscope
