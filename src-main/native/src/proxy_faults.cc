#include "proxy_faults.h"

namespace sockscope {
namespace {

bool draw(bool given, double probability, SeededRandom& random) {
  if (!given) return false;
  return random.unit() < probability;
}

std::string afterText(uint64_t afterBytes, int64_t afterUs) {
  std::string text;
  if (afterBytes) text = "after " + std::to_string(afterBytes) + " bytes";
  if (afterUs) text += (text.empty() ? "after " : " or ") + std::to_string(afterUs / 1000) + " ms";
  return text.empty() ? "from the first byte" : text;
}

}  // namespace

const char* proxyFaultName(ProxyFault fault) {
  switch (fault) {
    case ProxyFault::Latency: return "latency";
    case ProxyFault::Bandwidth: return "bandwidth";
    case ProxyFault::Slicer: return "slicer";
    case ProxyFault::Reset: return "reset";
    case ProxyFault::Blackhole: return "blackhole";
    case ProxyFault::SlowClose: return "slowClose";
  }
  return "latency";
}

bool DrawnFaults::drew(ProxyFault fault) const {
  switch (fault) {
    case ProxyFault::Latency: return latency;
    case ProxyFault::Bandwidth: return bandwidth;
    case ProxyFault::Slicer: return slicer;
    case ProxyFault::Reset: return reset;
    case ProxyFault::Blackhole: return blackhole;
    case ProxyFault::SlowClose: return slowClose;
  }
  return false;
}

DrawnFaults drawFaults(const ProxyFaultSet& set, SeededRandom& random) {
  DrawnFaults out;
  if ((out.latency = draw(set.latency.given, set.latency.probability, random))) {
    out.latencyUs = int64_t{set.latency.ms} * 1000;
    out.jitterUs = int64_t{set.latency.jitterMs} * 1000;
  }
  if ((out.bandwidth = draw(set.bandwidth.given, set.bandwidth.probability, random))) out.bytesPerSecond = set.bandwidth.bytesPerSecond;
  if ((out.slicer = draw(set.slicer.given, set.slicer.probability, random))) {
    out.pieceBytes = std::max<uint32_t>(set.slicer.pieceBytes, 1);
    out.pieceDelayUs = int64_t{set.slicer.delayMs} * 1000;
  }
  if ((out.reset = draw(set.reset.given, set.reset.probability, random))) {
    out.resetAfterBytes = set.reset.afterBytes;
    out.resetAfterUs = int64_t{set.reset.afterMs} * 1000;
  }
  if ((out.blackhole = draw(set.blackhole.given, set.blackhole.probability, random))) {
    out.blackholeAfterBytes = set.blackhole.afterBytes;
    out.blackholeAfterUs = int64_t{set.blackhole.afterMs} * 1000;
  }
  if ((out.slowClose = draw(set.slowClose.given, set.slowClose.probability, random))) out.slowCloseUs = int64_t{set.slowClose.delayMs} * 1000;
  return out;
}

std::string describeFault(ProxyFault fault, const DrawnFaults& f) {
  switch (fault) {
    case ProxyFault::Latency:
      return "latency " + std::to_string(f.latencyUs / 1000) + " ms" + (f.jitterUs ? ", jitter " + std::to_string(f.jitterUs / 1000) + " ms" : "");
    case ProxyFault::Bandwidth: return "bandwidth limited to " + std::to_string(f.bytesPerSecond) + " bytes/s";
    case ProxyFault::Slicer:
      return "writes cut into pieces of " + std::to_string(f.pieceBytes) + " bytes, " + std::to_string(f.pieceDelayUs / 1000) + " ms apart";
    case ProxyFault::Reset: return "both sides reset " + afterText(f.resetAfterBytes, f.resetAfterUs);
    case ProxyFault::Blackhole: return "bytes discarded " + afterText(f.blackholeAfterBytes, f.blackholeAfterUs) + "; both connections stay open";
    case ProxyFault::SlowClose: return "the FIN is passed on " + std::to_string(f.slowCloseUs / 1000) + " ms late";
  }
  return "";
}

}  // namespace sockscope
