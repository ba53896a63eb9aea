#include "descriptor_limit.h"

#include <dirent.h>
#include <sys/resource.h>

#include <algorithm>

namespace sockscope {

uint64_t openDescriptorCount() {
  DIR* dir = opendir("/proc/self/fd");
  if (!dir) return 0;
  uint64_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  // The directory stream itself held one descriptor while it was counted.
  return count > 0 ? count - 1 : 0;
}

DescriptorLimit raiseDescriptorLimit(uint64_t neededDescriptors) {
  DescriptorLimit limit;
  limit.neededDescriptors = neededDescriptors;
  rlimit current{};
  if (getrlimit(RLIMIT_NOFILE, &current) != 0) return limit;
  limit.softBefore = limit.soft = current.rlim_cur;
  limit.hard = current.rlim_max;
  if (current.rlim_cur == RLIM_INFINITY || current.rlim_cur >= neededDescriptors) return limit;
  // First ask for the hard limit to grow too; without CAP_SYS_RESOURCE that fails with EPERM,
  // and the soft limit can still rise as far as the hard one.
  if (current.rlim_max != RLIM_INFINITY && current.rlim_max < neededDescriptors) {
    rlimit wider{neededDescriptors, neededDescriptors};
    if (setrlimit(RLIMIT_NOFILE, &wider) == 0) {
      limit.soft = limit.hard = neededDescriptors;
      return limit;
    }
  }
  rlimit raised{std::min<rlim_t>(neededDescriptors, current.rlim_max), current.rlim_max};
  if (setrlimit(RLIMIT_NOFILE, &raised) == 0) limit.soft = raised.rlim_cur;
  return limit;
}

std::string describeShortfall(const DescriptorLimit& limit, uint64_t runDescriptors) {
  if (limit.enough()) return "";
  return "file descriptors: the run needs about " + std::to_string(limit.neededDescriptors) + " (" + std::to_string(runDescriptors) +
         " for its sockets, the rest already open or kept in reserve) but the open-file limit (RLIMIT_NOFILE) is " +
         std::to_string(limit.soft) + " (hard limit " + std::to_string(limit.hard) +
         "); connections past it fail with EMFILE. Raise the hard limit (ulimit -Hn, systemd LimitNOFILE) or run the servers in another process";
}

}  // namespace sockscope
