#include "proxy_link.h"

#include <algorithm>

#include "connection.h"

namespace sockscope {
namespace {

constexpr ProxyFault kAllFaults[] = {ProxyFault::Latency, ProxyFault::Bandwidth, ProxyFault::Slicer,
                                     ProxyFault::Reset, ProxyFault::Blackhole, ProxyFault::SlowClose};
// These shape every byte from the start, so they start acting when the pair is linked.
constexpr ProxyFault kShapingFaults[] = {ProxyFault::Latency, ProxyFault::Bandwidth, ProxyFault::Slicer};

class ProxySideWorkload final : public Workload {
 public:
  ProxySideWorkload(std::shared_ptr<ProxyLink> link, ProxySide side) : link_(std::move(link)), side_(side) {}

  void onOpen(Connection& connection) override { link_->opened(side_, connection); }
  void onData(Connection& connection, const uint8_t* data, size_t length, const NetAddress*) override { link_->data(side_, connection, data, length); }
  // A FIN is passed on by the link, not answered by closing.
  void onPeerShutdown(Connection&) override { link_->peerShutdown(side_); }
  void onDrained(Connection&) override { link_->drained(side_); }
  void onTimer(Connection&) override { link_->timer(side_); }
  int64_t nextTimerUs() const override { return link_->nextTimerUs(side_); }
  size_t readBudget(int64_t) override { return link_->readBudget(side_); }
  void onClosing(Connection&, bool reset) override { link_->closing(side_, reset); }

 private:
  std::shared_ptr<ProxyLink> link_;
  const ProxySide side_;
};

// Mixes the ordinal into the seed so neighbouring connections draw unrelated sequences.
uint64_t linkSeed(uint64_t seed, uint64_t ordinal) { return SeededRandom(seed ^ (ordinal * 0xd1b54a32d192ed03ULL)).next(); }

}  // namespace

ProxyLink::ProxyLink(EndpointRuntime& endpoint, uint64_t ordinal)
    : random_(linkSeed(endpoint.spec.workload.proxy.seed, ordinal)),
      toServer_("to-server", endpoint.spec.workload.proxy.toServer, endpoint.proxy.toServer, random_),
      toClient_("to-client", endpoint.spec.workload.proxy.toClient, endpoint.proxy.toClient, random_) {
  for (Direction* direction : {&toServer_, &toClient_}) {
    for (ProxyFault fault : kAllFaults) {
      if (direction->faults.drew(fault)) direction->counters.drawn[static_cast<size_t>(fault)].fetch_add(1, std::memory_order_relaxed);
    }
  }
}

std::unique_ptr<Workload> ProxyLink::workloadFor(ProxySide side) { return std::make_unique<ProxySideWorkload>(shared_from_this(), side); }

void ProxyLink::opened(ProxySide side, Connection& connection) {
  if (side == ProxySide::Client) {
    client_ = &connection;
    startUs_ = connection.nowUs();
    return;
  }
  server_ = &connection;
  // The client went while the upstream connect was under way.
  if (!client_ || ended_) {
    connection.requestClose(false);
    return;
  }
  const int64_t now = connection.nowUs();
  for (Direction* direction : {&toServer_, &toClient_}) {
    direction->line.start(now);
    for (ProxyFault fault : kShapingFaults) {
      if (direction->faults.drew(fault)) reportStart(*direction, fault);
    }
  }
}

size_t ProxyLink::readBudget(ProxySide side) const {
  // Nothing is read before the upstream is connected: the kernel holds it meanwhile.
  if (!linked() || ended_) return 0;
  const Direction& direction = from(side);
  if (direction.blackholing) return SIZE_MAX;
  if (direction.line.full()) return 0;
  return static_cast<size_t>(DelayLine::kMaxQueuedBytes - direction.line.queuedBytes());
}

void ProxyLink::data(ProxySide side, Connection& connection, const uint8_t* bytes, size_t length) {
  if (ended_) return;
  Direction& direction = from(side);
  const DrawnFaults& faults = direction.faults;
  const int64_t now = connection.nowUs();
  const uint64_t before = direction.bytesRead;
  direction.bytesRead += length;
  size_t pass = length;
  if (faults.blackhole) {
    if (!direction.blackholing) {
      const bool fromStart = !faults.blackholeAfterBytes && !faults.blackholeAfterUs;
      const bool timeUp = faults.blackholeAfterUs && now - startUs_ >= faults.blackholeAfterUs;
      const uint64_t limit = fromStart || timeUp ? before : faults.blackholeAfterBytes ? faults.blackholeAfterBytes : UINT64_MAX;
      if (before + length > limit) {
        pass = static_cast<size_t>(limit > before ? limit - before : 0);
        direction.blackholing = true;
        reportStart(direction, ProxyFault::Blackhole);
      }
    } else {
      pass = 0;
    }
    if (direction.blackholing) direction.counters.bytesBlackholed.fetch_add(length - pass, std::memory_order_relaxed);
  }
  if (faults.reset && faults.resetAfterBytes) {
    // The bytes up to the threshold go on; the reset follows once they are out.
    if (direction.resetPending) {
      pass = 0;
    } else if (before + pass >= faults.resetAfterBytes) {
      pass = static_cast<size_t>(std::min<uint64_t>(pass, faults.resetAfterBytes > before ? faults.resetAfterBytes - before : 0));
      direction.resetPending = true;
    }
  }
  direction.line.push(bytes, pass, now);
  pump(direction);
}

void ProxyLink::peerShutdown(ProxySide side) {
  Direction& direction = from(side);
  direction.sourceEnded = true;
  pump(direction);
}

void ProxyLink::drained(ProxySide side) { pump(to(side)); }

void ProxyLink::timer(ProxySide side) {
  Direction& direction = to(side);
  Connection* connection = at(side);
  if (!connection || ended_ || !linked()) return;
  const DrawnFaults& faults = direction.faults;
  if (faults.reset && faults.resetAfterUs && connection->nowUs() - startUs_ >= faults.resetAfterUs) {
    injectReset(direction, "after " + std::to_string(faults.resetAfterUs / 1000) + " ms");
    return;
  }
  pump(direction);
}

int64_t ProxyLink::nextTimerUs(ProxySide side) const {
  if (ended_ || !linked()) return 0;
  const Direction& direction = to(side);
  int64_t next = direction.line.wakeAtUs();
  auto consider = [&next](int64_t atUs) {
    if (atUs > 0 && (next == 0 || atUs < next)) next = atUs;
  };
  if (direction.finReleaseAtUs && !direction.finForwarded) consider(direction.finReleaseAtUs);
  if (direction.faults.reset && direction.faults.resetAfterUs) consider(startUs_ + direction.faults.resetAfterUs);
  return next;
}

void ProxyLink::pump(Direction& direction) {
  if (ended_) return;
  Connection* destination = at(destinationOf(direction));
  if (!destination || !linked() || destination->closeRequested() || destination->closed()) return;
  const int64_t now = destination->nowUs();
  direction.line.release(*destination, now);
  const bool allOut = direction.line.empty() && destination->queuedBytes() == 0;
  if (!allOut) return;
  if (direction.resetPending) {
    injectReset(direction, "after " + std::to_string(direction.faults.resetAfterBytes) + " bytes");
    return;
  }
  // A blackhole swallows the FIN too: the other side keeps its connection open, as behind a dead path.
  if (!direction.sourceEnded || direction.finForwarded || direction.blackholing) return;
  if (direction.faults.slowClose) {
    if (direction.finReleaseAtUs == 0) {
      direction.finReleaseAtUs = now + direction.faults.slowCloseUs;
      direction.counters.slowCloses.fetch_add(1, std::memory_order_relaxed);
      reportStart(direction, ProxyFault::SlowClose);
    }
    if (now < direction.finReleaseAtUs) return;
  }
  direction.finForwarded = true;
  destination->shutdownWrite();
  // Both ways finished: the pair closes gracefully, as the two real peers asked.
  Direction& back = &direction == &toServer_ ? toClient_ : toServer_;
  if (back.finForwarded) {
    client_->requestClose(false);
    server_->requestClose(false);
  }
}

void ProxyLink::injectReset(Direction& direction, const std::string& why) {
  if (ended_) return;
  direction.counters.resetsInjected.fetch_add(1, std::memory_order_relaxed);
  reportStart(direction, ProxyFault::Reset);
  ended_ = true;
  const std::string message = std::string("proxy fault: reset ") + why + " " + direction.name;
  for (Connection* connection : {client_, server_}) {
    if (connection) connection->closeWithReason(true, "", message);
  }
}

void ProxyLink::reportStart(Direction& direction, ProxyFault fault) {
  // Fault events go on the client's side of the pair, the connection a user follows.
  Connection* connection = client_ ? client_ : server_;
  if (connection) connection->reportFault(proxyFaultName(fault), direction.name, describeFault(fault, direction.faults));
}

void ProxyLink::closing(ProxySide side, bool reset) {
  (side == ProxySide::Client ? client_ : server_) = nullptr;
  Connection* peer = at(other(side));
  if (!peer) return;
  if (reset && !ended_) {
    // A reset from one peer reaches the other as a reset, as it would without the proxy between.
    ended_ = true;
    peer->closeWithReason(true, "ECONNRESET", "the other side of the proxy was reset");
    return;
  }
  peer->requestClose(false);
}

}  // namespace sockscope
