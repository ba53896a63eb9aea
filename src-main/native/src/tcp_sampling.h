// Kernel-level figures of one socket: queue occupancy by ioctl and TCP_INFO.
#pragma once
#include <cstdint>
#include <optional>

namespace sockscope {

// The subset of TCP_INFO the product shows. A field the running kernel does not fill is empty.
struct TcpInfoSample {
  uint8_t state = 0;  // index into the kernel's TCP state names
  uint8_t retransmits = 0;
  uint8_t probes = 0;
  uint32_t rttUs = 0;
  uint32_t rttVarUs = 0;
  uint32_t cwndSegments = 0;
  uint32_t ssthreshSegments = 0;
  uint32_t mssBytes = 0;
  uint32_t unackedSegments = 0;
  uint32_t lostSegments = 0;
  uint32_t totalRetrans = 0;
  uint32_t segsIn = 0;
  uint32_t segsOut = 0;
  std::optional<uint32_t> dataSegsOut;
  std::optional<uint32_t> notsentBytes;
  std::optional<uint64_t> deliveryRateBytesPerS;
  std::optional<uint64_t> busyTimeUs;
  std::optional<uint64_t> rwndLimitedUs;
  std::optional<uint64_t> sndbufLimitedUs;
  std::optional<uint64_t> bytesRetrans;
  std::optional<uint32_t> sndWndBytes;
  std::optional<uint32_t> rcvWndBytes;
};

// Reads TCP_INFO; false when the socket is not TCP or is gone.
bool readTcpInfo(int fd, TcpInfoSample* out);

// Only the TCP state (cheaper callers still pay one getsockopt); -1 when unavailable.
int readTcpState(int fd);

struct QueueSample {
  std::optional<int> sendQueueBytes;    // SIOCOUTQ
  std::optional<int> unsentBytes;       // SIOCOUTQNSD (TCP only)
  std::optional<int> recvQueueBytes;    // SIOCINQ
};

QueueSample readQueues(int fd, bool tcp);

}  // namespace sockscope
