// The process's open-file limit (RLIMIT_NOFILE) against the descriptors a run will hold.
#pragma once
#include <cstdint>
#include <string>

namespace sockscope {

struct DescriptorLimit {
  uint64_t neededDescriptors = 0;  // already open plus what the run will open, with a margin
  uint64_t softBefore = 0;         // the soft limit when the run started
  uint64_t soft = 0;               // the soft limit after raising it
  uint64_t hard = 0;               // the hard limit after raising it (only CAP_SYS_RESOURCE may)
  bool enough() const { return soft >= neededDescriptors; }
};

// Descriptors the process holds now (entries of /proc/self/fd); 0 when that cannot be read.
uint64_t openDescriptorCount();

// Raises the soft limit to cover neededDescriptors, up to the hard limit, and the hard limit
// too where the process is allowed to. Never lowers either.
DescriptorLimit raiseDescriptorLimit(uint64_t neededDescriptors);

// A sentence naming the figures when the limit is below the need ("" when it is enough).
std::string describeShortfall(const DescriptorLimit& limit, uint64_t runDescriptors);

}  // namespace sockscope
