#include "tcp_sampling.h"

#include <linux/sockios.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <cstddef>

#ifndef TCP_INFO
#define TCP_INFO 11
#endif

namespace sockscope {
namespace {

// The kernel's struct tcp_info (include/uapi/linux/tcp.h), declared here in full because the
// C library's headers may predate the fields we read. The layout only ever grows at the end,
// and getsockopt tells how much of it this kernel filled.
struct KernelTcpInfo {
  uint8_t state, caState, retransmits, probes, backoff, options;
  uint8_t wscale, flags;
  uint32_t rto, ato, sndMss, rcvMss;
  uint32_t unacked, sacked, lost, retrans, fackets;
  uint32_t lastDataSent, lastAckSent, lastDataRecv, lastAckRecv;
  uint32_t pmtu, rcvSsthresh, rtt, rttvar, sndSsthresh, sndCwnd, advmss, reordering;
  uint32_t rcvRtt, rcvSpace;
  uint32_t totalRetrans;
  uint64_t pacingRate, maxPacingRate, bytesAcked, bytesReceived;
  uint32_t segsOut, segsIn;
  uint32_t notsentBytes, minRtt, dataSegsIn, dataSegsOut;
  uint64_t deliveryRate;
  uint64_t busyTime, rwndLimited, sndbufLimited;
  uint32_t delivered, deliveredCe;
  uint64_t bytesSent, bytesRetrans;
  uint32_t dsackDups, reordSeen;
  uint32_t rcvOoopack;
  uint32_t sndWnd;
  uint32_t rcvWnd;
  uint32_t rehash;
};

template <typename T>
std::optional<T> ifFilled(socklen_t filled, size_t offset, T value) {
  if (filled >= offset + sizeof(T)) return value;
  return std::nullopt;
}

}  // namespace

bool readTcpInfo(int fd, TcpInfoSample* out) {
  KernelTcpInfo info{};
  socklen_t filled = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &filled) != 0) return false;
  *out = TcpInfoSample{};
  out->state = info.state;
  out->retransmits = info.retransmits;
  out->probes = info.probes;
  out->rttUs = info.rtt;
  out->rttVarUs = info.rttvar;
  out->cwndSegments = info.sndCwnd;
  out->ssthreshSegments = info.sndSsthresh;
  out->mssBytes = info.sndMss;
  out->unackedSegments = info.unacked;
  out->lostSegments = info.lost;
  out->totalRetrans = info.totalRetrans;
  out->segsIn = info.segsIn;
  out->segsOut = info.segsOut;
  out->dataSegsOut = ifFilled(filled, offsetof(KernelTcpInfo, dataSegsOut), info.dataSegsOut);
  out->notsentBytes = ifFilled(filled, offsetof(KernelTcpInfo, notsentBytes), info.notsentBytes);
  out->deliveryRateBytesPerS = ifFilled(filled, offsetof(KernelTcpInfo, deliveryRate), info.deliveryRate);
  out->busyTimeUs = ifFilled(filled, offsetof(KernelTcpInfo, busyTime), info.busyTime);
  out->rwndLimitedUs = ifFilled(filled, offsetof(KernelTcpInfo, rwndLimited), info.rwndLimited);
  out->sndbufLimitedUs = ifFilled(filled, offsetof(KernelTcpInfo, sndbufLimited), info.sndbufLimited);
  out->bytesRetrans = ifFilled(filled, offsetof(KernelTcpInfo, bytesRetrans), info.bytesRetrans);
  out->sndWndBytes = ifFilled(filled, offsetof(KernelTcpInfo, sndWnd), info.sndWnd);
  out->rcvWndBytes = ifFilled(filled, offsetof(KernelTcpInfo, rcvWnd), info.rcvWnd);
  return true;
}

int readTcpState(int fd) {
  KernelTcpInfo info{};
  socklen_t filled = sizeof info;
  if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &info, &filled) != 0 || filled < 1) return -1;
  return info.state;
}

QueueSample readQueues(int fd, bool tcp) {
  QueueSample sample;
  int value = 0;
  if (ioctl(fd, SIOCOUTQ, &value) == 0) sample.sendQueueBytes = value;
  if (tcp && ioctl(fd, SIOCOUTQNSD, &value) == 0) sample.unsentBytes = value;
  if (ioctl(fd, SIOCINQ, &value) == 0) sample.recvQueueBytes = value;
  return sample;
}

}  // namespace sockscope
