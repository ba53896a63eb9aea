// The receiving half of a framed connection, shared by the framed and chat workloads:
// reassembly, the stall deadline, and closing the connection when the peer breaks a rule.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "config.h"
#include "connection.h"
#include "framing.h"

namespace sockscope {

class FrameReceiver {
 public:
  explicit FrameReceiver(const WorkloadSpec& spec) : assembler_(spec.frame), stallTimeoutUs_(int64_t{spec.frameStallTimeoutMs} * 1000) {}

  // Hands each whole frame of one read to onFrame, in order; the views die with the call.
  template <typename OnFrame>
  void receive(Connection& connection, const uint8_t* data, size_t length, OnFrame&& onFrame) {
    if (assembler_.failed()) return;
    assembler_.begin(data, length, connection.nowUs());
    FrameView frame;
    for (;;) {
      const FrameStep step = assembler_.next(&frame);
      if (step == FrameStep::NeedMore) return;
      if (step == FrameStep::Violation) {
        report(connection);
        return;
      }
      onFrame(frame);
    }
  }

  // When an unfinished frame runs out of time, or 0.
  int64_t stallDeadlineUs() const {
    return assembler_.midFrame() && !assembler_.failed() ? assembler_.midFrameSinceUs() + stallTimeoutUs_ : 0;
  }

  void checkStall(Connection& connection) {
    const int64_t deadline = stallDeadlineUs();
    if (deadline == 0 || connection.nowUs() < deadline) return;
    assembler_.markStalled();
    report(connection);
  }

 private:
  void report(Connection& connection) {
    std::string message = assembler_.describeViolation();
    if (assembler_.violatedRule() == FrameRule::StalledMidFrame) message += " within " + std::to_string(stallTimeoutUs_ / 1000) + " ms";
    const auto& header = assembler_.offendingHeader();
    connection.closeForProtocolViolation(frameRuleName(assembler_.violatedRule()), hexBytes(header.data(), header.size()), message);
  }

  FrameAssembler assembler_;
  const int64_t stallTimeoutUs_;
};

}  // namespace sockscope
