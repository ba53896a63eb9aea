// What the I/O models and connections may use of the engine: the clock, events, capture,
// connection registration and endpoint state. The engine implements it; models never see Engine.
#pragma once
#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "capture_ring.h"
#include "chat_counters.h"
#include "config.h"
#include "errors.h"
#include "latency_histogram.h"
#include "model_counters.h"
#include "net_address.h"
#include "proxy_counters.h"
#include "socket_options.h"
#include "workload.h"

namespace sockscope {

class ChatHub;
class Connection;

enum class EventType { Open, State, PeerShutdown, Shutdown, Reset, Closed, Error, Option, ProtocolViolation, Listen, Fault };

struct EngineEvent {
  int64_t atUs = 0;
  uint32_t connectionId = 0;
  int endpoint = 0;
  EventType type = EventType::Open;
  int tcpState = -1;
  ShutdownHow how = ShutdownHow::Write;
  bool abortive = false;
  std::string code;
  std::string message;
  std::string local;
  std::string remote;
  std::string rule;    // protocol-violation: the framing rule broken
  std::string header;  // protocol-violation: the offending header as hex
  std::string fault;      // fault: which one a proxy began to inject (proxyFaultName)
  std::string direction;  // fault: "to-server" or "to-client"
  // Listen (an endpoint's listener restarted; connectionId 0): what the restart asked for and
  // the kernel's TIME_WAIT sockets on the port at that moment (-1 = the kernel could not be asked).
  bool reuseAddr = false;
  int64_t timeWaitSockets = -1;
  std::string timeWaitSource;
};

// Counters an endpoint's threads add to. Relaxed atomics: each is read on its own for display.
struct EndpointCounters {
  std::atomic<uint64_t> threads{0}, connectionsOpen{0}, connectionsTotal{0}, accepts{0}, connectionsRefused{0};
  std::atomic<uint64_t> reads{0}, writes{0}, bytesIn{0}, bytesOut{0}, wakeups{0}, wouldBlock{0};
  std::atomic<uint64_t> messages{0}, messagesLost{0}, verifyErrors{0}, datagramsOutOfOrder{0}, datagramsMissing{0};
  std::atomic<uint64_t> errors{0};
  std::atomic<uint64_t> protocolViolations{0};  // connections closed for breaking the framing rules
};

struct ErrorTally {
  std::string message;  // the first message seen with this code
  uint64_t count = 0;
};

// One endpoint of the profile while it runs.
class EndpointRuntime {
 public:
  EndpointRuntime(int index, EndpointSpec spec);
  ~EndpointRuntime();

  const int index;
  const EndpointSpec spec;
  EndpointCounters counters;
  ModelCounters model;
  LatencyHistogram latency;
  ChatCounters chat;
  std::unique_ptr<ChatHub> chatHub;  // a chat server's rooms
  NetAddress boundAddress;  // servers and proxies, after bind; clients: the address they connect to
  NetAddress upstreamAddress;  // proxies: where each accepted connection is carried on to
  ProxyCounters proxy;         // proxies only
  std::atomic<int64_t> firstActivityUs{-1}, lastActivityUs{-1};

  void recordError(const Status& status);
  std::map<std::string, ErrorTally> errorsSnapshot();

  // The first socket's options as the kernel applied them; `refresh` reads them again after a
  // live change.
  void recordAppliedOptions(int fd, bool refresh = false);
  bool appliedOptions(AppliedSocketOptions* out);

 private:
  std::mutex mutex_;
  std::map<std::string, ErrorTally> errors_;
  bool haveApplied_ = false;
  AppliedSocketOptions applied_;
};

class EngineServices {
 public:
  virtual ~EngineServices() = default;

  // Microseconds since the run started.
  virtual int64_t nowUs() const = 0;
  virtual bool stopping() const = 0;
  virtual void emit(EngineEvent event) = 0;
  // Null when capture is off.
  virtual CaptureRing* capture() = 0;
  // Creates and registers a connection for an open socket; the engine can then sample it and
  // route commands to it. The workload is the endpoint's own unless one is given (a proxy gives
  // each side of a pair its half of the link).
  virtual std::shared_ptr<Connection> adopt(EndpointRuntime& endpoint, int fd, std::unique_ptr<Workload> workload) = 0;
  std::shared_ptr<Connection> adopt(EndpointRuntime& endpoint, int fd) { return adopt(endpoint, fd, nullptr); }
  // Forgets a closed connection.
  virtual void release(const std::shared_ptr<Connection>& connection) = 0;

  // Counts a failure against the endpoint and reports it as an error event; connectionId 0 when
  // no connection exists (a connect that failed before one was adopted).
  void reportError(EndpointRuntime& endpoint, uint32_t connectionId, const Status& status) {
    endpoint.recordError(status);
    EngineEvent event;
    event.atUs = nowUs();
    event.connectionId = connectionId;
    event.endpoint = endpoint.index;
    event.type = EventType::Error;
    event.code = status.code;
    event.message = status.message;
    emit(std::move(event));
  }
};

}  // namespace sockscope
