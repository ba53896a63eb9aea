// What the engine's process costs the machine: resident memory and threads, from /proc/self.
#pragma once
#include <cstdint>

namespace sockscope {

struct ProcessFigures {
  uint64_t residentBytes = 0;  // VmRSS; 0 when /proc cannot be read
  uint64_t threads = 0;        // every thread of the process, Node's and the engine's
};

ProcessFigures readProcessFigures();

// CPU time the calling thread has used, in microseconds: a cost that, unlike wall time, does
// not grow when the machine is busy with other work.
int64_t threadCpuNowUs();

}  // namespace sockscope
