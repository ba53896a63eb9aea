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
  const int workers = counters.workerCount();
  for (int i = 0; i < workers; ++i) {
    values.workerCompletions.push_back(counters.worker(i).completions.load(std::memory_order_relaxed));
    values.workerBusyUs.push_back(counters.worker(i).busyUs.load(std::memory_order_relaxed));
  }
  counters.backend(&values.backend, &values.backendNote);
  return values;
}

}  // namespace sockscope
