#include "process_figures.h"

#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace sockscope {
namespace {

// Reads a small /proc file into buffer, NUL-terminated; false when it cannot.
bool readSmallFile(const char* path, char* buffer, size_t capacity) {
  const int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const ssize_t length = read(fd, buffer, capacity - 1);
  close(fd);
  if (length <= 0) return false;
  buffer[length] = '\0';
  return true;
}

}  // namespace

ProcessFigures readProcessFigures() {
  ProcessFigures figures;
  char buffer[1024];
  // statm: size resident shared ... in pages.
  if (readSmallFile("/proc/self/statm", buffer, sizeof buffer)) {
    char* cursor = nullptr;
    std::strtoull(buffer, &cursor, 10);
    figures.residentBytes = std::strtoull(cursor, nullptr, 10) * static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  }
  // stat: the command name may hold spaces and parentheses, so fields are counted from the
  // last ')'; num_threads is field 20, the 18th after it.
  if (readSmallFile("/proc/self/stat", buffer, sizeof buffer)) {
    const char* cursor = std::strrchr(buffer, ')');
    for (int field = 0; cursor && field < 18; ++field) cursor = std::strchr(cursor + 1, ' ');
    if (cursor) figures.threads = std::strtoull(cursor + 1, nullptr, 10);
  }
  return figures;
}

int64_t threadCpuNowUs() {
  timespec now{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now);
  return static_cast<int64_t>(now.tv_sec) * 1000000 + now.tv_nsec / 1000;
}

}  // namespace sockscope
