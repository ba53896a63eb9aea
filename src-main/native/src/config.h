// The engine's view of a validated profile: plain structs, no Node-API. addon.cc fills them
// from the JavaScript object the engine host built; the host has already checked the profile.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "framing.h"

namespace sockscope {

enum class Transport { Tcp, Udp };
// A proxy listens like a server and opens one upstream connection per accepted one (proxy_link.h).
enum class Role { Server, Client, Proxy };
enum class ModelKind { Blocking, Select, Epoll, Overlapped, CompletionPort };
// How the proactor models reach the kernel: io_uring, or operations emulated over epoll.
enum class BackendKind { Auto, IoUring, Epoll };
// Where a proactor model's reads get their buffers: one per posted read (pinned while it waits),
// or a bounded pool shared by the queue's sessions, taken only once data is there.
enum class ReadBufferStrategy { PerOperation, Pool };
enum class WorkloadKind { Echo, Sink, Bulk, PingPong, Manual, FramedEcho, RequestResponse, Malformed, Proxy, Chat };
enum class ShutdownHow { Read, Write, Both };

struct KeepAliveSpec {
  int idleS = 0;
  int intervalS = 0;
  int count = 0;
};

// Each field is set only when the profile asked for it; unset fields keep the kernel default.
struct SocketOptionsSpec {
  std::optional<bool> noDelay;
  std::optional<int> sndBufBytes;
  std::optional<int> rcvBufBytes;
  bool lingerGiven = false;             // "linger" present in the profile
  std::optional<int> lingerSeconds;     // empty with lingerGiven = linger off
  bool keepAliveGiven = false;
  std::optional<KeepAliveSpec> keepAlive;  // empty with keepAliveGiven = keepalive off
  std::optional<bool> reuseAddr;
  std::optional<bool> reusePort;
};

// The faults a proxy injects in one direction. Each is drawn once per proxied connection with its
// probability; `given` is false when the profile left the fault out.
struct ProxyFaultSet {
  struct Latency {
    bool given = false;
    double probability = 1;
    uint32_t ms = 0, jitterMs = 0;
  } latency;
  struct Bandwidth {
    bool given = false;
    double probability = 1;
    uint64_t bytesPerSecond = 0;
  } bandwidth;
  struct Slicer {
    bool given = false;
    double probability = 1;
    uint32_t pieceBytes = 1, delayMs = 0;
  } slicer;
  // Reset and blackhole act once afterBytes have passed or afterMs have elapsed, whichever is
  // first; 0 = that threshold is not set (a blackhole with neither acts from the first byte).
  struct Threshold {
    bool given = false;
    double probability = 1;
    uint64_t afterBytes = 0;
    uint32_t afterMs = 0;
  } reset, blackhole;
  struct SlowClose {
    bool given = false;
    double probability = 1;
    uint32_t delayMs = 0;
  } slowClose;
};

struct ProxySpec {
  ProxyFaultSet toServer, toClient;
  uint64_t seed = 1;
};

struct WorkloadSpec {
  WorkloadKind kind = WorkloadKind::Manual;
  // echo
  uint32_t echoMessageBytes = 0;  // 0 = echo bytes as they arrive
  // sink
  uint64_t readBytesPerSecond = 0;  // 0 = as fast as possible
  // bulk
  uint32_t writeBytes = 65536;
  uint64_t totalBytes = 0;  // 0 = unlimited
  uint64_t bytesPerSecond = 0;
  bool thenShutdownWrite = false;
  // ping-pong
  uint32_t messageBytes = 64;
  uint32_t writesPerMessage = 1;
  uint32_t messagesPerSecond = 0;
  uint64_t totalMessages = 0;
  uint32_t timeoutMs = 1000;
  // framed workloads (framed-echo, request-response, malformed)
  FrameFormat frame;
  uint32_t frameStallTimeoutMs = 5000;  // a frame begun must be whole within this long
  uint32_t payloadMinBytes = 32;        // request payload sizes, uniform from min to max
  uint32_t payloadMaxBytes = 32;
  uint32_t requestsPerSecond = 0;       // 0 = send as soon as a request slot is free
  uint64_t totalRequests = 0;           // 0 = unlimited
  uint32_t maxInFlight = 1;             // requests awaiting their response, at most
  FrameRule violation = FrameRule::SizeBelowHeader;  // malformed: the rule its bad frame breaks
  uint32_t goodFramesBefore = 0;        // malformed: well-formed frames sent before the bad one
  ProxySpec proxy;                      // proxy: the faults of each direction
  // chat (messageBytes, messagesPerSecond, totalMessages and readBytesPerSecond as above)
  uint32_t chatRooms = 1;                 // server: its rooms; client: the rooms it spreads over
  int64_t chatRoom = -1;                  // client: the room every connection joins; -1 = index % chatRooms
  uint64_t memberQueueBytes = 256 * 1024; // server: bytes queued for one member at most
  bool dropMemberOnOverflow = false;      // server: past that, drop the member (else the message)
  uint32_t startWhenMembers = 0;          // client: talk once the room has this many members (0 = at once)
};

struct EndpointSpec {
  std::string id;
  Role role = Role::Server;
  Transport transport = Transport::Tcp;
  ModelKind model = ModelKind::Epoll;
  int threads = 1;
  BackendKind backend = BackendKind::Auto;  // overlapped and completion-port only
  ReadBufferStrategy readBuffers = ReadBufferStrategy::PerOperation;  // overlapped and completion-port, TCP
  uint32_t readPoolBuffers = 256;        // the endpoint's pool, shared out among its queues
  uint32_t readPoolBufferBytes = 16384;  // each pool buffer, so the most one read takes
  int backlog = 511;
  bool udpConnected = true;
  std::string host;  // numeric address: listen address for servers and proxies, target for clients
  int port = 0;
  int connectEndpoint = -1;  // clients and proxies: index of the endpoint to connect to, or -1 for host/port
  std::string upstreamHost;  // proxies without connectEndpoint: the numeric address of the upstream
  int upstreamPort = 0;
  int connections = 1;
  bool verifyIncoming = false;  // the incoming stream is the bulk pattern: check it
  SocketOptionsSpec options;
  WorkloadSpec workload;
};

enum class CommandKind { Shutdown, Close, SetOption, Send, RestartListener };

// A scheduled action (atUs >= 0) or a live command (atUs = -1).
struct CommandSpec {
  int64_t atUs = -1;
  int endpoint = -1;         // index into EngineConfig::endpoints
  int connectionIndex = -1;  // index within the endpoint; -1 = all its connections
  uint32_t connectionId = 0; // live commands may name a connection by id instead (0 = unused)
  CommandKind kind = CommandKind::Send;
  ShutdownHow how = ShutdownHow::Write;
  bool abortive = false;
  SocketOptionsSpec options;  // set-option; restart-listener: applied over the endpoint's own
  std::vector<uint8_t> bytes;
};

struct EngineConfig {
  std::vector<EndpointSpec> endpoints;
  std::vector<CommandSpec> actions;
  int64_t sampleEveryUs = 100000;
  bool captureEnabled = true;
  uint32_t captureEntries = 65536;
  uint32_t capturePreviewBytes = 64;
  uint32_t seriesConnections = 64;
};

}  // namespace sockscope
