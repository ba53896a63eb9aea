// Errors are values: an errno-style code name and a sentence for a person.
#pragma once
#include <string>

namespace sockscope {

struct Status {
  std::string code;     // "EADDRINUSE", "FD_SETSIZE", ...; empty when ok
  std::string message;  // "address 127.0.0.1:8080 is already in use (EADDRINUSE)"

  bool ok() const { return code.empty(); }
  static Status success() { return {}; }
  static Status fail(std::string code, std::string message) { return {std::move(code), std::move(message)}; }
};

// The symbolic name of an errno value ("ECONNRESET"), or "E<number>" when unknown.
std::string errnoName(int err);

// A Status for a failed system call: "<what>: <strerror> (<ENAME>)".
Status errnoStatus(int err, const std::string& what);

}  // namespace sockscope
