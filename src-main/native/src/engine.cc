#include "engine.h"

#include <netinet/in.h>

#include <algorithm>
#include <chrono>

#include "clock.h"
#include "process_figures.h"

namespace sockscope {
namespace {

// Events waiting for the next batch; past this many they are counted, not kept.
constexpr size_t kMaxPendingEvents = 100000;
// Connections without a series whose kernel figures one sampler pass refreshes. Each read is a
// few system calls; this keeps a pass over 20,000 connections to a few milliseconds, and every
// connection is still refreshed within a few passes.
constexpr uint64_t kKernelReadsPerPass = 1024;
// Descriptors kept free beyond the run's sockets: Node's own, the addon's, a listener's retry.
constexpr uint64_t kDescriptorReserve = 64;

std::unique_ptr<IoModel> createModel(ModelKind kind, EngineServices& engine, EndpointRuntime& endpoint) {
  switch (kind) {
    case ModelKind::Blocking: return createBlockingModel(engine, endpoint);
    case ModelKind::Select: return createSelectModel(engine, endpoint);
    case ModelKind::Epoll: return createEpollModel(engine, endpoint);
    case ModelKind::Overlapped: return createOverlappedModel(engine, endpoint);
    case ModelKind::CompletionPort: return createCompletionPortModel(engine, endpoint);
  }
  return nullptr;
}

// A server bound to the wildcard address is reached through loopback of the same family.
NetAddress connectableAddress(const NetAddress& bound) {
  NetAddress target = bound;
  if (target.family() == AF_INET) {
    auto* v4 = reinterpret_cast<sockaddr_in*>(&target.storage);
    if (v4->sin_addr.s_addr == htonl(INADDR_ANY)) v4->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  } else if (target.family() == AF_INET6) {
    auto* v6 = reinterpret_cast<sockaddr_in6*>(&target.storage);
    if (IN6_IS_ADDR_UNSPECIFIED(&v6->sin6_addr)) v6->sin6_addr = in6addr_loopback;
  }
  return target;
}

CounterValues readCounters(const EndpointCounters& c) {
  auto get = [](const std::atomic<uint64_t>& value) { return value.load(std::memory_order_relaxed); };
  CounterValues v;
  v.threads = get(c.threads);
  v.connectionsOpen = get(c.connectionsOpen);
  v.connectionsTotal = get(c.connectionsTotal);
  v.accepts = get(c.accepts);
  v.connectionsRefused = get(c.connectionsRefused);
  v.reads = get(c.reads);
  v.writes = get(c.writes);
  v.bytesIn = get(c.bytesIn);
  v.bytesOut = get(c.bytesOut);
  v.wakeups = get(c.wakeups);
  v.wouldBlock = get(c.wouldBlock);
  v.messages = get(c.messages);
  v.messagesLost = get(c.messagesLost);
  v.verifyErrors = get(c.verifyErrors);
  v.datagramsOutOfOrder = get(c.datagramsOutOfOrder);
  v.datagramsMissing = get(c.datagramsMissing);
  v.errors = get(c.errors);
  v.protocolViolations = get(c.protocolViolations);
  return v;
}

ChatValues readChat(const ChatCounters& c) {
  auto get = [](const std::atomic<uint64_t>& value) { return value.load(std::memory_order_relaxed); };
  ChatValues v;
  v.members = get(c.members);
  v.joins = get(c.joins);
  v.broadcasts = get(c.broadcasts);
  v.bytesEncoded = get(c.bytesEncoded);
  v.deliveries = get(c.deliveries);
  v.presenceNotices = get(c.presenceNotices);
  v.membersDropped = get(c.membersDropped);
  v.messagesDropped = get(c.messagesDropped);
  v.peakMemberQueueBytes = get(c.peakMemberQueueBytes);
  v.roomBacklogPauses = get(c.roomBacklogPauses);
  v.jobsQueued = get(c.jobs.queued);
  v.jobsExecuted = get(c.jobs.executed);
  v.jobsHandedOff = get(c.jobs.handedOff);
  v.messagesSent = get(c.messagesSent);
  v.messagesReceived = get(c.messagesReceived);
  v.messagesMissed = get(c.messagesMissed);
  v.messagesOutOfOrder = get(c.messagesOutOfOrder);
  return v;
}

void addToAggregate(EndpointAggregate* aggregate, const Connection& connection) {
  ++aggregate->connections;
  if (connection.bytesIn() > 0 && connection.bytesOut() > 0) ++aggregate->connectionsExchanged;
  const uint64_t appQueued = connection.appSendQueueBytes();
  aggregate->appSendQueueBytes += appQueued;
  aggregate->appSendQueueMaxBytes = std::max(aggregate->appSendQueueMaxBytes, appQueued);
  const KernelBrief& kernel = connection.lastKernel;
  if (kernel.atUs == 0) return;
  if (aggregate->kernelFigures == 0 || kernel.atUs < aggregate->kernelFiguresOldestUs) aggregate->kernelFiguresOldestUs = kernel.atUs;
  ++aggregate->kernelFigures;
  aggregate->kernelSendQueueBytes += kernel.sendQueueBytes;
  aggregate->kernelSendQueueMaxBytes = std::max(aggregate->kernelSendQueueMaxBytes, kernel.sendQueueBytes);
  aggregate->kernelRecvQueueBytes += kernel.recvQueueBytes;
  aggregate->kernelRecvQueueMaxBytes = std::max(aggregate->kernelRecvQueueMaxBytes, kernel.recvQueueBytes);
  if (kernel.tcpState >= 0 && static_cast<size_t>(kernel.tcpState) < aggregate->tcpStates.size()) {
    ++aggregate->tcpStates[static_cast<size_t>(kernel.tcpState)];
    if (kernel.rttUs > 0) {
      aggregate->rttSumUs += kernel.rttUs;
      aggregate->rttMaxUs = std::max<uint64_t>(aggregate->rttMaxUs, kernel.rttUs);
      ++aggregate->rttCount;
    }
  }
}

KernelBrief briefOf(const ConnectionSample& sample) {
  KernelBrief brief;
  brief.atUs = sample.atUs;
  brief.sendQueueBytes = static_cast<uint64_t>(std::max(0, sample.queues.sendQueueBytes.value_or(0)));
  brief.recvQueueBytes = static_cast<uint64_t>(std::max(0, sample.queues.recvQueueBytes.value_or(0)));
  brief.tcpState = sample.haveTcp ? sample.tcp.state : -1;
  brief.rttUs = sample.haveTcp ? sample.tcp.rttUs : 0;
  return brief;
}

}  // namespace

Engine::Engine(EngineConfig config, BatchSink sink, SinkReady ready)
    : config_(std::move(config)), sink_(std::move(sink)), sinkReady_(std::move(ready)), seriesLessCounts_(config_.endpoints.size()), nextIndex_(config_.endpoints.size()) {
  if (config_.captureEnabled) capture_ = std::make_unique<CaptureRing>(config_.captureEntries, config_.capturePreviewBytes);
  actions_ = config_.actions;
  std::stable_sort(actions_.begin(), actions_.end(), [](const CommandSpec& a, const CommandSpec& b) { return a.atUs < b.atUs; });
}

Engine::~Engine() { stop(); }

int64_t Engine::nowUs() const { return monotonicNowUs() - originUs_; }

Status Engine::start() {
  if (started_.exchange(true)) return Status::fail("EALREADY", "the engine was already started");
  originUs_ = monotonicNowUs();
  const uint64_t runDescriptors = descriptorsForSockets();
  descriptors_ = raiseDescriptorLimit(openDescriptorCount() + runDescriptors + kDescriptorReserve);
  descriptorShortfall_ = describeShortfall(descriptors_, runDescriptors);
  for (size_t i = 0; i < config_.endpoints.size(); ++i) {
    endpoints_.push_back(std::make_unique<EndpointRuntime>(static_cast<int>(i), config_.endpoints[i]));
    models_.push_back(createModel(config_.endpoints[i].model, *this, *endpoints_.back()));
  }
  auto failStart = [this](size_t index, const Status& status) {
    for (auto& model : models_) model->stop();
    stopped_ = true;
    return Status::fail(status.code, "endpoint \"" + config_.endpoints[index].id + "\": " + status.message);
  };
  // Servers first: clients need their addresses.
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    if (config_.endpoints[i].role != Role::Server) continue;
    Status status = models_[i]->prepare();
    if (!status.ok()) return failStart(i, status);
  }
  // Then proxies: they carry on to a server's address, and clients may connect to theirs.
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    const EndpointSpec& spec = config_.endpoints[i];
    if (spec.role != Role::Proxy) continue;
    EndpointRuntime& endpoint = *endpoints_[i];
    if (spec.connectEndpoint >= 0) {
      endpoint.upstreamAddress = connectableAddress(endpoints_[static_cast<size_t>(spec.connectEndpoint)]->boundAddress);
    } else {
      Status status = parseNetAddress(spec.upstreamHost, spec.upstreamPort, &endpoint.upstreamAddress);
      if (!status.ok()) return failStart(i, status);
    }
    Status status = models_[i]->prepare();
    if (!status.ok()) return failStart(i, status);
  }
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    const EndpointSpec& spec = config_.endpoints[i];
    if (spec.role != Role::Client) continue;
    EndpointRuntime& endpoint = *endpoints_[i];
    if (spec.connectEndpoint >= 0) {
      endpoint.boundAddress = connectableAddress(endpoints_[static_cast<size_t>(spec.connectEndpoint)]->boundAddress);
    } else {
      Status status = parseNetAddress(spec.host, spec.port, &endpoint.boundAddress);
      if (!status.ok()) return failStart(i, status);
    }
    Status status = models_[i]->prepare();
    if (!status.ok()) return failStart(i, status);
  }
  for (Role role : {Role::Server, Role::Proxy, Role::Client}) {
    for (size_t i = 0; i < endpoints_.size(); ++i) {
      if (config_.endpoints[i].role == role) models_[i]->start();
    }
  }
  sampler_ = std::thread([this] { samplerLoop(); });
  return Status::success();
}

uint64_t Engine::descriptorsForSockets() const {
  uint64_t total = 0;
  for (size_t i = 0; i < config_.endpoints.size(); ++i) {
    const EndpointSpec& spec = config_.endpoints[i];
    // A reactor thread holds its poller and its wake-up descriptor.
    total += 2 * static_cast<uint64_t>(std::max(spec.threads, 1));
    if (spec.role == Role::Client) {
      total += static_cast<uint64_t>(spec.connections);
      continue;
    }
    total += 1;  // the listener, or the UDP socket
    if (spec.transport != Transport::Tcp) continue;
    // The accepted side of every client of this profile that connects here; a proxy also holds
    // its upstream connection for each.
    const uint64_t perClient = spec.role == Role::Proxy ? 2 : 1;
    for (const EndpointSpec& client : config_.endpoints) {
      if (client.role != Role::Client || client.connectEndpoint != static_cast<int>(i)) continue;
      total += perClient * static_cast<uint64_t>(client.connections);
    }
    // A server behind a proxy accepts the proxy's upstream connections.
    for (size_t proxy = 0; proxy < config_.endpoints.size(); ++proxy) {
      if (config_.endpoints[proxy].role != Role::Proxy || config_.endpoints[proxy].connectEndpoint != static_cast<int>(i)) continue;
      for (const EndpointSpec& client : config_.endpoints) {
        if (client.role == Role::Client && client.connectEndpoint == static_cast<int>(proxy)) total += static_cast<uint64_t>(client.connections);
      }
    }
  }
  return total;
}

std::vector<std::string> Engine::boundAddresses() const {
  std::vector<std::string> addresses;
  for (const auto& endpoint : endpoints_) {
    addresses.push_back(endpoint->spec.role != Role::Client ? formatNetAddress(endpoint->boundAddress) : "");
  }
  return addresses;
}

void Engine::stop() {
  if (!started_.load() || stopped_) return;
  stopped_ = true;
  {
    std::lock_guard<std::mutex> lock(samplerMutex_);
    stopping_.store(true);
  }
  samplerWake_.notify_all();
  if (sampler_.joinable()) sampler_.join();
  // Clients first, so servers see their peers go rather than the other way round.
  for (Role role : {Role::Client, Role::Proxy, Role::Server}) {
    for (size_t i = 0; i < models_.size(); ++i) {
      if (config_.endpoints[i].role == role) models_[i]->stop();
    }
  }
  deliver(true);
}

void Engine::emit(EngineEvent event) {
  std::lock_guard<std::mutex> lock(eventsMutex_);
  if (events_.size() >= kMaxPendingEvents) {
    ++eventsDropped_;
    return;
  }
  events_.push_back(std::move(event));
}

std::shared_ptr<Connection> Engine::adopt(EndpointRuntime& endpoint, int fd, std::unique_ptr<Workload> workload) {
  const uint32_t id = nextConnectionId_.fetch_add(1, std::memory_order_relaxed);
  const int index = nextIndex_[static_cast<size_t>(endpoint.index)].fetch_add(1, std::memory_order_relaxed);
  auto connection = std::make_shared<Connection>(*this, endpoint, id, index, fd, std::move(workload));
  endpoint.counters.connectionsOpen.fetch_add(1, std::memory_order_relaxed);
  endpoint.counters.connectionsTotal.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(registryMutex_);
  // The first connections of each endpoint keep a sampled series; the rest are aggregated.
  const bool series = static_cast<uint32_t>(index) < config_.seriesConnections;
  if (!series) ++seriesLessCounts_[static_cast<size_t>(endpoint.index)];
  registry_[id] = Registered{connection, series};
  return connection;
}

void Engine::release(const std::shared_ptr<Connection>& connection) {
  std::lock_guard<std::mutex> lock(registryMutex_);
  registry_.erase(connection->id);
}

std::vector<std::shared_ptr<Connection>> Engine::targetsOf(const CommandSpec& command) {
  std::vector<std::shared_ptr<Connection>> targets;
  std::lock_guard<std::mutex> lock(registryMutex_);
  for (auto& [id, registered] : registry_) {
    const Connection& connection = *registered.connection;
    const bool match = command.connectionId ? id == command.connectionId
                                            : connection.endpoint.index == command.endpoint &&
                                                  (command.connectionIndex < 0 || connection.index == command.connectionIndex);
    if (match) targets.push_back(registered.connection);
  }
  return targets;
}

Status Engine::restartListener(const CommandSpec& command) {
  const size_t index = static_cast<size_t>(command.endpoint);
  if (command.endpoint < 0 || index >= endpoints_.size()) return Status::fail("EINVAL", "restart-listener is aimed at an endpoint, not a connection");
  const EndpointSpec& spec = endpoints_[index]->spec;
  if (spec.role != Role::Server || spec.transport != Transport::Tcp) {
    return Status::fail("EINVAL", "endpoint \"" + spec.id + "\" has no listener to restart: restart-listener is for TCP servers");
  }
  models_[index]->restartListener(command.options);
  return Status::success();
}

Status Engine::command(CommandSpec command) {
  if (!started_.load() || stopped_) return Status::fail("ENOTCONN", "the engine is not running");
  if (command.kind == CommandKind::RestartListener) return restartListener(command);
  std::vector<std::shared_ptr<Connection>> targets = targetsOf(command);
  if (targets.empty()) {
    return Status::fail("ENOENT", command.connectionId ? "no open connection with id " + std::to_string(command.connectionId)
                                                       : "no open connection matches the command");
  }
  for (auto& target : targets) target->post(command);
  return Status::success();
}

void Engine::fireDueActions() {
  const int64_t now = nowUs();
  while (nextAction_ < actions_.size() && actions_[nextAction_].atUs <= now) {
    const CommandSpec& action = actions_[nextAction_++];
    if (action.kind == CommandKind::RestartListener) {
      Status status = restartListener(action);
      if (!status.ok()) endpoints_[static_cast<size_t>(action.endpoint)]->recordError(status);
      continue;
    }
    std::vector<std::shared_ptr<Connection>> targets = targetsOf(action);
    if (targets.empty()) {
      EndpointRuntime& endpoint = *endpoints_[static_cast<size_t>(action.endpoint)];
      endpoint.recordError(Status::fail("ENOENT", "an action at " + std::to_string(action.atUs / 1000) + " ms found no open connection" +
                                                      (action.connectionIndex >= 0 ? " with index " + std::to_string(action.connectionIndex) : "")));
    }
    for (auto& target : targets) target->post(action);
  }
}

void Engine::samplerLoop() {
  int64_t nextSampleUs = config_.sampleEveryUs;
  std::unique_lock<std::mutex> lock(samplerMutex_);
  while (!stopping_.load()) {
    int64_t wakeUs = nextSampleUs;
    if (nextAction_ < actions_.size()) wakeUs = std::min(wakeUs, actions_[nextAction_].atUs);
    const int64_t waitUs = wakeUs - nowUs();
    if (waitUs > 0) {
      samplerWake_.wait_for(lock, std::chrono::microseconds(waitUs));
      continue;
    }
    lock.unlock();
    fireDueActions();
    if (nowUs() >= nextSampleUs) {
      deliver(false);
      // A late sampler skips the samples it missed rather than bunching them up.
      while (nextSampleUs <= nowUs()) nextSampleUs += config_.sampleEveryUs;
    }
    lock.lock();
  }
}

void Engine::deliver(bool final) {
  if (!final && !sinkReady_()) {
    ++skippedBatches_;
    return;
  }
  EngineBatch batch;
  batch.sequence = ++sequence_;
  batch.final = final;
  for (size_t i = 0; i < endpoints_.size(); ++i) batch.endpoints.emplace_back();
  sampleConnections(&batch);
  batch.atUs = nowUs();
  for (size_t i = 0; i < endpoints_.size(); ++i) {
    EndpointRuntime& endpoint = *endpoints_[i];
    EndpointSnapshot& snapshot = batch.endpoints[i];
    snapshot.counters = readCounters(endpoint.counters);
    snapshot.model = readModelCounters(endpoint.model);
    snapshot.haveChat = endpoint.spec.workload.kind == WorkloadKind::Chat;
    snapshot.chatServer = endpoint.spec.role == Role::Server;
    if (snapshot.haveChat) snapshot.chat = readChat(endpoint.chat);
    snapshot.latency = endpoint.latency.summarize();
    snapshot.errors = endpoint.errorsSnapshot();
    snapshot.haveApplied = endpoint.appliedOptions(&snapshot.applied);
    snapshot.proxy = endpoint.spec.role == Role::Proxy;
    if (snapshot.proxy) snapshot.proxyCounters = readProxyCounters(endpoint.proxy);
  }
  {
    std::lock_guard<std::mutex> lock(eventsMutex_);
    batch.events.swap(events_);
    batch.eventsDropped = eventsDropped_;
    eventsDropped_ = 0;
  }
  // Notices are constant sentences (the counts travel in their own fields), so a recorder that
  // keeps each distinct notice once stays small however often they repeat.
  if (batch.eventsDropped) {
    batch.notices.push_back("events were dropped: more than " + std::to_string(kMaxPendingEvents) + " arrived between two batches");
  }
  if (skippedBatches_) {
    batch.notices.push_back("sample intervals were skipped while the JavaScript thread was behind");
    skippedBatches_ = 0;
  }
  if (!descriptorShortfall_.empty()) batch.notices.push_back(descriptorShortfall_);
  if (capture_) capture_->drain(&batch.capture);
  sink_(std::move(batch));
}

void Engine::sampleConnections(EngineBatch* batch) {
  const int64_t passStartUs = monotonicNowUs();
  const int64_t passStartCpuUs = threadCpuNowUs();
  uint64_t withoutSeries = 0;
  {
    std::lock_guard<std::mutex> lock(registryMutex_);
    passConnections_.clear();
    for (auto& [id, registered] : registry_) {
      passConnections_.emplace_back(registered.connection, registered.series);
      if (!registered.series) ++withoutSeries;
    }
    for (size_t i = 0; i < endpoints_.size(); ++i) batch->endpoints[i].connectionsWithoutSeries = seriesLessCounts_[i];
  }
  // Connections without a series take turns by id for a kernel read: all of them every
  // `stride` passes, at most about kKernelReadsPerPass in one.
  const uint64_t stride = std::max<uint64_t>(1, (withoutSeries + kKernelReadsPerPass - 1) / kKernelReadsPerPass);
  const uint64_t turn = passNumber_++ % stride;
  uint64_t kernelReads = 0;
  for (auto& [connection, series] : passConnections_) {
    EndpointAggregate& aggregate = batch->endpoints[static_cast<size_t>(connection->endpoint.index)].aggregate;
    if (series) {
      SampleRecord record;
      record.connectionId = connection->id;
      record.endpoint = connection->endpoint.index;
      record.index = connection->index;
      if (!connection->sample(&record.sample)) continue;
      ++kernelReads;
      ++aggregate.seriesConnections;
      connection->lastKernel = briefOf(record.sample);
      batch->samples.push_back(std::move(record));
    } else if (connection->id % stride == turn) {
      if (!connection->sampleKernel(&connection->lastKernel)) continue;
      ++kernelReads;
    }
    addToAggregate(&aggregate, *connection);
  }
  EngineFigures& figures = batch->engine;
  figures.connectionsVisited = passConnections_.size();
  figures.kernelReads = kernelReads;
  passConnections_.clear();
  figures.samplerPassUs = monotonicNowUs() - passStartUs;
  figures.samplerPassCpuUs = threadCpuNowUs() - passStartCpuUs;
  const ProcessFigures process = readProcessFigures();
  figures.residentBytes = process.residentBytes;
  figures.threads = process.threads;
  figures.descriptors = descriptors_;
}

}  // namespace sockscope
