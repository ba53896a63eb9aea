// A job queue that runs its jobs one at a time on whichever thread finds it idle, instead of
// having threads contend for a lock around the state the jobs touch (the command pattern).
//
// A thread that pushes onto an idle queue becomes its executor and runs jobs until none is
// left. An executor that has run too long stops and hands the queue off: it stays claimed, and
// whoever the owner tells (claim()) runs the rest, so one busy queue cannot hold one I/O thread
// for ever. Only the queue's own list is locked, for a push or a pop, never while a job runs.
#pragma once
#include <atomic>
#include <cstdint>
#include <deque>
#include <mutex>
#include <utility>

#include "clock.h"

namespace sockscope {

struct JobQueueCounters {
  std::atomic<uint64_t> queued{0}, executed{0}, handedOff{0};
};

template <typename Job>
class JobQueue {
 public:
  explicit JobQueue(JobQueueCounters& counters) : counters_(counters) {}

  // Adds a job. True when the queue was idle: the caller is now its executor and must call
  // runFor() (and hand off or finish as it says).
  bool push(Job job) {
    std::lock_guard<std::mutex> lock(mutex_);
    jobs_.push_back(std::move(job));
    waiting_.store(jobs_.size(), std::memory_order_relaxed);
    counters_.queued.fetch_add(1, std::memory_order_relaxed);
    if (state_ != State::Idle) return false;
    state_ = State::Running;
    return true;
  }

  // Takes over a queue that was handed off. True when the caller is now its executor.
  bool claim() {
    std::lock_guard<std::mutex> lock(mutex_);
    if (state_ != State::HandedOff) return false;
    state_ = State::Running;
    return true;
  }

  // The executor runs jobs through run(job) until none is left (true: the queue is idle again
  // and the caller no longer its executor) or budgetUs have passed with jobs left (false: the
  // caller is still the executor and must call handOff(), or runFor() again).
  template <typename Run>
  bool runFor(int64_t budgetUs, Run&& run) {
    const int64_t startUs = monotonicNowUs();
    for (;;) {
      Job job;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        if (jobs_.empty()) {
          state_ = State::Idle;
          return true;
        }
        job = std::move(jobs_.front());
        jobs_.pop_front();
        waiting_.store(jobs_.size(), std::memory_order_relaxed);
      }
      run(job);
      counters_.executed.fetch_add(1, std::memory_order_relaxed);
      if (monotonicNowUs() - startUs >= budgetUs) {
        std::lock_guard<std::mutex> lock(mutex_);
        if (jobs_.empty()) {
          state_ = State::Idle;
          return true;
        }
        return false;
      }
    }
  }

  // Jobs waiting to run, as of the last push or pop.
  size_t waiting() const { return waiting_.load(std::memory_order_relaxed); }

  // The executor stops with jobs left; the next claim() takes the queue over.
  void handOff() {
    std::lock_guard<std::mutex> lock(mutex_);
    state_ = State::HandedOff;
    counters_.handedOff.fetch_add(1, std::memory_order_relaxed);
  }

 private:
  enum class State { Idle, Running, HandedOff };

  JobQueueCounters& counters_;
  std::mutex mutex_;  // guards jobs_ and state_ for a push, a pop or a change of state only
  std::deque<Job> jobs_;
  State state_ = State::Idle;
  std::atomic<size_t> waiting_{0};
};

}  // namespace sockscope
