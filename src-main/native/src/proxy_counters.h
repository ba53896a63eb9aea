// What a proxy endpoint did to the bytes it carried, per direction, and how many of its
// connections drew each fault. Relaxed atomics added to by the proxy's reactor threads and read
// one by one by the sampler.
#pragma once
#include <array>
#include <atomic>
#include <cstdint>

namespace sockscope {

enum class ProxyFault { Latency, Bandwidth, Slicer, Reset, Blackhole, SlowClose };
constexpr size_t kProxyFaultCount = 6;

const char* proxyFaultName(ProxyFault fault);

struct ProxyDirectionCounters {
  std::atomic<uint64_t> bytesForwarded{0};    // handed to the other side's send queue
  std::atomic<uint64_t> queuePeakBytes{0};    // the most bytes one connection held back at once
  std::atomic<uint64_t> queueFull{0};         // times a queue reached its bound and reading stopped
  std::atomic<uint64_t> piecesWritten{0};     // slicer pieces, each its own write
  std::atomic<uint64_t> bytesBlackholed{0};   // read and discarded
  std::atomic<uint64_t> resetsInjected{0};
  std::atomic<uint64_t> slowCloses{0};        // FINs held back
  std::array<std::atomic<uint64_t>, kProxyFaultCount> drawn{};  // connections that drew each fault

  void notePeak(uint64_t bytes) {
    uint64_t seen = queuePeakBytes.load(std::memory_order_relaxed);
    while (bytes > seen && !queuePeakBytes.compare_exchange_weak(seen, bytes, std::memory_order_relaxed)) {
    }
  }
};

struct ProxyCounters {
  std::atomic<uint64_t> connectionsProxied{0};       // accepted from clients
  std::atomic<uint64_t> upstreamConnectFailures{0};  // accepted ones whose upstream connect failed
  ProxyDirectionCounters toServer, toClient;
};

struct ProxyDirectionValues {
  uint64_t bytesForwarded = 0, queuePeakBytes = 0, queueFull = 0, piecesWritten = 0, bytesBlackholed = 0, resetsInjected = 0, slowCloses = 0;
  std::array<uint64_t, kProxyFaultCount> drawn{};
};

struct ProxyCounterValues {
  uint64_t connectionsProxied = 0, upstreamConnectFailures = 0;
  ProxyDirectionValues toServer, toClient;
};

inline ProxyDirectionValues readProxyDirection(const ProxyDirectionCounters& c) {
  auto get = [](const std::atomic<uint64_t>& value) { return value.load(std::memory_order_relaxed); };
  ProxyDirectionValues v;
  v.bytesForwarded = get(c.bytesForwarded);
  v.queuePeakBytes = get(c.queuePeakBytes);
  v.queueFull = get(c.queueFull);
  v.piecesWritten = get(c.piecesWritten);
  v.bytesBlackholed = get(c.bytesBlackholed);
  v.resetsInjected = get(c.resetsInjected);
  v.slowCloses = get(c.slowCloses);
  for (size_t i = 0; i < kProxyFaultCount; ++i) v.drawn[i] = get(c.drawn[i]);
  return v;
}

inline ProxyCounterValues readProxyCounters(const ProxyCounters& c) {
  ProxyCounterValues v;
  v.connectionsProxied = c.connectionsProxied.load(std::memory_order_relaxed);
  v.upstreamConnectFailures = c.upstreamConnectFailures.load(std::memory_order_relaxed);
  v.toServer = readProxyDirection(c.toServer);
  v.toClient = readProxyDirection(c.toClient);
  return v;
}

}  // namespace sockscope
