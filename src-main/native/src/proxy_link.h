// The proxy's pairing of two connections on one reactor thread: the one accepted from a client
// and the one it opened to the upstream. Each direction is a DelayLine; the link decides when
// each fault acts, passes FINs on (late, with slowClose) and resets on, and keeps reading within
// the delay lines' bounds. Both connections and the link live on the same thread, so forwarding
// never crosses threads.
#pragma once
#include <cstdint>
#include <memory>

#include "delay_line.h"
#include "engine_services.h"
#include "proxy_faults.h"
#include "workload.h"

namespace sockscope {

class Connection;

// Client: the connection accepted from a client. Server: the one opened to the upstream.
enum class ProxySide { Client, Server };

class ProxyLink final : public std::enable_shared_from_this<ProxyLink> {
 public:
  // ordinal: the connection's place among those the endpoint accepted; with the profile's seed
  // it decides which faults this pair draws.
  ProxyLink(EndpointRuntime& endpoint, uint64_t ordinal);

  // The workload of one side; both hold the link.
  std::unique_ptr<Workload> workloadFor(ProxySide side);

  // ---- called by the side workloads, on the owner thread ----
  void opened(ProxySide side, Connection& connection);
  void data(ProxySide side, Connection& connection, const uint8_t* bytes, size_t length);
  void peerShutdown(ProxySide side);
  void drained(ProxySide side);
  void timer(ProxySide side);
  int64_t nextTimerUs(ProxySide side) const;
  size_t readBudget(ProxySide side) const;
  void closing(ProxySide side, bool reset);

 private:
  struct Direction {
    // Draws the faults first, then the jitter's seed: members are initialised in this order.
    Direction(const char* name, const ProxyFaultSet& set, ProxyDirectionCounters& counters, SeededRandom& random)
        : name(name), faults(drawFaults(set, random)), counters(counters), line(faults, counters, random.next()) {}
    const char* name;
    const DrawnFaults faults;
    ProxyDirectionCounters& counters;
    DelayLine line;
    uint64_t bytesRead = 0;
    bool blackholing = false;
    bool resetPending = false;     // the reset's byte threshold passed: reset once those bytes are out
    bool sourceEnded = false;      // the sending side's FIN arrived
    int64_t finReleaseAtUs = 0;    // slowClose: when the held FIN goes on
    bool finForwarded = false;
  };

  // The direction whose bytes `side` reads, and the one it writes.
  Direction& from(ProxySide side) { return side == ProxySide::Client ? toServer_ : toClient_; }
  Direction& to(ProxySide side) { return side == ProxySide::Client ? toClient_ : toServer_; }
  const Direction& from(ProxySide side) const { return side == ProxySide::Client ? toServer_ : toClient_; }
  const Direction& to(ProxySide side) const { return side == ProxySide::Client ? toClient_ : toServer_; }
  Connection* at(ProxySide side) const { return side == ProxySide::Client ? client_ : server_; }
  static ProxySide other(ProxySide side) { return side == ProxySide::Client ? ProxySide::Server : ProxySide::Client; }
  ProxySide destinationOf(const Direction& direction) const { return &direction == &toServer_ ? ProxySide::Server : ProxySide::Client; }

  // Moves due bytes on, then passes a FIN or a reset on when their time has come.
  void pump(Direction& direction);
  void injectReset(Direction& direction, const std::string& why);
  void reportStart(Direction& direction, ProxyFault fault);
  bool linked() const { return client_ && server_; }

  SeededRandom random_;
  Direction toServer_;
  Direction toClient_;
  int64_t startUs_ = 0;
  Connection* client_ = nullptr;  // cleared when it closes
  Connection* server_ = nullptr;
  bool ended_ = false;            // a reset was injected or passed on: nothing more moves
};

}  // namespace sockscope
