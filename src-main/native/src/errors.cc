#include "errors.h"

#include <cerrno>
#include <cstring>

namespace sockscope {

std::string errnoName(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  if (const char* name = strerrorname_np(err)) return name;
#endif
  return "E" + std::to_string(err);
}

Status errnoStatus(int err, const std::string& what) {
  return Status::fail(errnoName(err), what + ": " + std::strerror(err) + " (" + errnoName(err) + ")");
}

}  // namespace sockscope
