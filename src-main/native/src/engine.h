// The engine: one per run. It owns the endpoints, their I/O models, the sampler thread that also
// fires scheduled actions, and the capture ring, and hands batches of samples, events and
// capture records to a sink (the Node-API layer) a few times a second.
#pragma once
#include <array>
#include <atomic>
#include <condition_variable>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <thread>
#include <unordered_map>
#include <vector>

#include "capture_ring.h"
#include "config.h"
#include "connection.h"
#include "descriptor_limit.h"
#include "engine_services.h"
#include "io_model.h"

namespace sockscope {

struct CounterValues {
  uint64_t threads = 0, connectionsOpen = 0, connectionsTotal = 0, accepts = 0, connectionsRefused = 0;
  uint64_t reads = 0, writes = 0, bytesIn = 0, bytesOut = 0, wakeups = 0, wouldBlock = 0;
  uint64_t messages = 0, messagesLost = 0, verifyErrors = 0, datagramsOutOfOrder = 0, datagramsMissing = 0, errors = 0;
  uint64_t protocolViolations = 0;
};

// One sampler pass over every open connection of an endpoint. Byte figures come from the
// engine's own counters; kernel figures from each connection's latest kernel read, which the
// sampler refreshes for a bounded number of connections per pass (all of them when few).
struct EndpointAggregate {
  uint64_t connections = 0;            // open connections the pass visited
  uint64_t connectionsExchanged = 0;   // of those, connections that have read and written bytes
  uint64_t seriesConnections = 0;      // of those, connections with a sampled series
  uint64_t appSendQueueBytes = 0, appSendQueueMaxBytes = 0;
  uint64_t kernelFigures = 0;          // connections whose kernel figures are in the sums below
  int64_t kernelFiguresOldestUs = 0;   // engine time of the oldest kernel read in the sums
  uint64_t kernelSendQueueBytes = 0, kernelSendQueueMaxBytes = 0;
  uint64_t kernelRecvQueueBytes = 0, kernelRecvQueueMaxBytes = 0;
  uint64_t rttSumUs = 0, rttMaxUs = 0, rttCount = 0;
  std::array<uint64_t, 16> tcpStates{};  // connections per TCP state index (tcpi_state)
};

// The chat workload's figures (chat_counters.h), read one by one.
struct ChatValues {
  uint64_t members = 0, joins = 0, broadcasts = 0, bytesEncoded = 0, deliveries = 0, presenceNotices = 0;
  uint64_t membersDropped = 0, messagesDropped = 0, peakMemberQueueBytes = 0, roomBacklogPauses = 0;
  uint64_t jobsQueued = 0, jobsExecuted = 0, jobsHandedOff = 0;
  uint64_t messagesSent = 0, messagesReceived = 0, messagesMissed = 0, messagesOutOfOrder = 0;
};

struct EndpointSnapshot {
  CounterValues counters;
  bool haveChat = false, chatServer = false;
  ChatValues chat;
  ModelCounterValues model;
  LatencySummary latency;
  std::map<std::string, ErrorTally> errors;
  bool haveApplied = false;
  AppliedSocketOptions applied;
  bool proxy = false;  // a proxy endpoint: proxyCounters hold its figures
  ProxyCounterValues proxyCounters;
  uint64_t connectionsWithoutSeries = 0;
  EndpointAggregate aggregate;
};

// The cost of the engine and of its sampler, measured in the pass that made the batch.
struct EngineFigures {
  uint64_t residentBytes = 0, threads = 0;  // of the whole process
  int64_t samplerPassUs = 0;                // visiting, sampling and aggregating the connections
  int64_t samplerPassCpuUs = 0;             // the same pass in the sampler thread's CPU time
  uint64_t connectionsVisited = 0, kernelReads = 0;
  DescriptorLimit descriptors;
};

struct SampleRecord {
  uint32_t connectionId = 0;
  int endpoint = 0;
  int index = 0;
  ConnectionSample sample;
};

struct EngineBatch {
  uint64_t sequence = 0;
  int64_t atUs = 0;
  bool final = false;
  std::vector<EndpointSnapshot> endpoints;
  std::vector<SampleRecord> samples;
  std::vector<EngineEvent> events;
  uint64_t eventsDropped = 0;
  CaptureDrain capture;
  std::vector<std::string> notices;  // limits reached and similar, in words
  EngineFigures engine;
};

class Engine final : public EngineServices {
 public:
  using BatchSink = std::function<void(EngineBatch&&)>;
  // Whether the sink can take another interim batch now; when not, the interval is skipped and
  // its events and capture wait in their bounded queues for the next one.
  using SinkReady = std::function<bool()>;

  Engine(EngineConfig config, BatchSink sink, SinkReady ready = [] { return true; });
  ~Engine() override;

  // Binds every server (failing with EADDRINUSE and the address if taken), then starts the
  // servers, the clients and the sampler. On failure nothing keeps running.
  Status start();
  // The address each server bound, in endpoint order ("" for clients).
  std::vector<std::string> boundAddresses() const;
  // Stops every model, then delivers the final batch and returns. Idempotent.
  void stop();
  // A live command: a connection by id, or an endpoint's connections by index.
  Status command(CommandSpec command);

  // EngineServices
  int64_t nowUs() const override;
  bool stopping() const override { return stopping_.load(std::memory_order_relaxed); }
  void emit(EngineEvent event) override;
  CaptureRing* capture() override { return capture_.get(); }
  using EngineServices::adopt;
  std::shared_ptr<Connection> adopt(EndpointRuntime& endpoint, int fd, std::unique_ptr<Workload> workload) override;
  void release(const std::shared_ptr<Connection>& connection) override;

 private:
  struct Registered {
    std::shared_ptr<Connection> connection;
    bool series = false;
  };

  void samplerLoop();
  void deliver(bool final);
  // Samples the series connections and aggregates every open one into batch->endpoints.
  void sampleConnections(EngineBatch* batch);
  uint64_t descriptorsForSockets() const;
  void fireDueActions();
  // Hands a restart-listener command to the endpoint's model; EINVAL unless it is a TCP server.
  Status restartListener(const CommandSpec& command);
  std::vector<std::shared_ptr<Connection>> targetsOf(const CommandSpec& command);

  const EngineConfig config_;
  BatchSink sink_;
  SinkReady sinkReady_;
  uint64_t skippedBatches_ = 0;
  int64_t originUs_ = 0;
  std::vector<std::unique_ptr<EndpointRuntime>> endpoints_;
  std::vector<std::unique_ptr<IoModel>> models_;
  std::unique_ptr<CaptureRing> capture_;

  std::mutex registryMutex_;
  std::unordered_map<uint32_t, Registered> registry_;
  std::vector<uint64_t> seriesLessCounts_;  // per endpoint
  std::atomic<uint32_t> nextConnectionId_{1};
  std::vector<std::atomic<int>> nextIndex_;
  std::vector<std::pair<std::shared_ptr<Connection>, bool>> passConnections_;  // reused by each pass
  uint64_t passNumber_ = 0;
  DescriptorLimit descriptors_;
  std::string descriptorShortfall_;

  std::mutex eventsMutex_;
  std::vector<EngineEvent> events_;
  uint64_t eventsDropped_ = 0;

  std::vector<CommandSpec> actions_;  // sorted by time
  size_t nextAction_ = 0;

  std::mutex samplerMutex_;
  std::condition_variable samplerWake_;
  std::thread sampler_;
  std::atomic<bool> started_{false};
  std::atomic<bool> stopping_{false};
  bool stopped_ = false;
  uint64_t sequence_ = 0;
};

}  // namespace sockscope
