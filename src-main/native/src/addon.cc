// The Node-API surface of the engine. It converts and checks arguments, and turns engine batches
// into JavaScript objects on the main thread; nothing else. The engine host validated the
// profile already; the checks here keep a wrong call from reaching the engine at all.
#include <napi.h>
#include <sys/socket.h>

#include <algorithm>
#include <atomic>
#include <climits>
#include <memory>

#include "chat_protocol.h"
#include "completion_backend.h"
#include "engine.h"
#include "socket_options.h"
#include "tcp_sampling.h"

namespace sockscope {
namespace {

// ---- JavaScript to engine ----

Napi::Value field(const Napi::Object& object, const char* key) { return object.Get(key); }

[[noreturn]] void typeError(Napi::Env env, const std::string& path, const char* expected) {
  throw Napi::TypeError::New(env, path + " must be " + expected);
}

int64_t intField(const Napi::Object& object, const char* key, const std::string& path, int64_t fallback, int64_t min, int64_t max) {
  Napi::Value value = field(object, key);
  if (value.IsUndefined() || value.IsNull()) return fallback;
  if (!value.IsNumber()) typeError(object.Env(), path + "." + key, "a number");
  const double number = value.As<Napi::Number>().DoubleValue();
  if (!(number >= static_cast<double>(min) && number <= static_cast<double>(max)) || number != static_cast<double>(static_cast<int64_t>(number))) {
    typeError(object.Env(), path + "." + key, ("an integer from " + std::to_string(min) + " to " + std::to_string(max)).c_str());
  }
  return static_cast<int64_t>(number);
}

std::optional<bool> optionalBool(const Napi::Object& object, const char* key, const std::string& path) {
  Napi::Value value = field(object, key);
  if (value.IsUndefined() || value.IsNull()) return std::nullopt;
  if (!value.IsBoolean()) typeError(object.Env(), path + "." + key, "a boolean");
  return value.As<Napi::Boolean>().Value();
}

std::string stringField(const Napi::Object& object, const char* key, const std::string& path, const char* fallback = nullptr) {
  Napi::Value value = field(object, key);
  if ((value.IsUndefined() || value.IsNull()) && fallback) return fallback;
  if (!value.IsString()) typeError(object.Env(), path + "." + key, "a string");
  return value.As<Napi::String>().Utf8Value();
}

Napi::Object objectField(const Napi::Object& object, const char* key, const std::string& path) {
  Napi::Value value = field(object, key);
  if (!value.IsObject()) typeError(object.Env(), path + "." + key, "an object");
  return value.As<Napi::Object>();
}

template <typename Enum, size_t N>
Enum enumField(const Napi::Object& object, const char* key, const std::string& path, const std::pair<const char*, Enum> (&names)[N]) {
  const std::string text = stringField(object, key, path);
  for (const auto& [name, value] : names) {
    if (text == name) return value;
  }
  typeError(object.Env(), path + "." + key, "one of the known names");
}

constexpr std::pair<const char*, Role> kRoles[] = {{"server", Role::Server}, {"client", Role::Client}, {"proxy", Role::Proxy}};
constexpr std::pair<const char*, Transport> kTransports[] = {{"tcp", Transport::Tcp}, {"udp", Transport::Udp}};
constexpr std::pair<const char*, ModelKind> kModels[] = {{"blocking", ModelKind::Blocking}, {"select", ModelKind::Select}, {"epoll", ModelKind::Epoll},
                                                         {"overlapped", ModelKind::Overlapped}, {"completion-port", ModelKind::CompletionPort}};
constexpr std::pair<const char*, BackendKind> kBackends[] = {{"auto", BackendKind::Auto}, {"io_uring", BackendKind::IoUring}, {"epoll", BackendKind::Epoll}};
constexpr std::pair<const char*, ReadBufferStrategy> kReadBufferStrategies[] = {{"per-operation", ReadBufferStrategy::PerOperation},
                                                                                {"pool", ReadBufferStrategy::Pool}};
constexpr std::pair<const char*, WorkloadKind> kWorkloads[] = {{"echo", WorkloadKind::Echo}, {"sink", WorkloadKind::Sink}, {"bulk", WorkloadKind::Bulk},
                                                               {"ping-pong", WorkloadKind::PingPong}, {"manual", WorkloadKind::Manual},
                                                               {"framed-echo", WorkloadKind::FramedEcho}, {"request-response", WorkloadKind::RequestResponse},
                                                               {"malformed", WorkloadKind::Malformed}, {"proxy", WorkloadKind::Proxy}, {"chat", WorkloadKind::Chat}};
constexpr std::pair<const char*, FrameRule> kFrameRules[] = {{"size-below-header", FrameRule::SizeBelowHeader},
                                                             {"size-above-maximum", FrameRule::SizeAboveMaximum},
                                                             {"stalled-mid-frame", FrameRule::StalledMidFrame}};
constexpr std::pair<const char*, CommandKind> kCommands[] = {{"shutdown", CommandKind::Shutdown}, {"close", CommandKind::Close},
                                                             {"set-option", CommandKind::SetOption}, {"send", CommandKind::Send},
                                                             {"restart-listener", CommandKind::RestartListener}};
constexpr std::pair<const char*, ShutdownHow> kHows[] = {{"read", ShutdownHow::Read}, {"write", ShutdownHow::Write}, {"both", ShutdownHow::Both}};

constexpr int64_t kMaxInt = 2147483647;

SocketOptionsSpec readOptions(const Napi::Object& options, const std::string& path) {
  SocketOptionsSpec spec;
  spec.noDelay = optionalBool(options, "noDelay", path);
  spec.reuseAddr = optionalBool(options, "reuseAddr", path);
  spec.reusePort = optionalBool(options, "reusePort", path);
  if (options.Has("sndBufBytes")) spec.sndBufBytes = static_cast<int>(intField(options, "sndBufBytes", path, 0, 1, kMaxInt));
  if (options.Has("rcvBufBytes")) spec.rcvBufBytes = static_cast<int>(intField(options, "rcvBufBytes", path, 0, 1, kMaxInt));
  if (options.Has("linger")) {
    spec.lingerGiven = true;
    Napi::Value linger = options.Get("linger");
    if (linger.IsObject()) spec.lingerSeconds = static_cast<int>(intField(linger.As<Napi::Object>(), "seconds", path + ".linger", 0, 0, 65535));
    else if (!linger.IsNull()) typeError(options.Env(), path + ".linger", "an object or null");
  }
  if (options.Has("keepAlive")) {
    spec.keepAliveGiven = true;
    Napi::Value keepAlive = options.Get("keepAlive");
    if (keepAlive.IsObject()) {
      Napi::Object k = keepAlive.As<Napi::Object>();
      const std::string at = path + ".keepAlive";
      spec.keepAlive = KeepAliveSpec{static_cast<int>(intField(k, "idleS", at, 0, 1, 32767)), static_cast<int>(intField(k, "intervalS", at, 0, 1, 32767)),
                                     static_cast<int>(intField(k, "count", at, 0, 1, 127))};
    } else if (!keepAlive.IsNull()) {
      typeError(options.Env(), path + ".keepAlive", "an object or null");
    }
  }
  return spec;
}

uint32_t fieldWidth(const Napi::Object& object, const char* key, const std::string& path) {
  const int64_t width = intField(object, key, path, 2, 1, 4);
  if (width == 3) typeError(object.Env(), path + "." + key, "1, 2 or 4");
  return static_cast<uint32_t>(width);
}

// The framed workloads' settings; the rules between them (a maximum the size field can reach,
// payloads that fit) are checked again here so no call can hand the parser an impossible format.
void readFraming(const Napi::Object& w, const std::string& path, WorkloadSpec* spec) {
  const Napi::Object frame = objectField(w, "frame", path);
  const std::string at = path + ".frame";
  FrameFormat& format = spec->frame;
  format.sizeBytes = fieldWidth(frame, "sizeBytes", at);
  format.idBytes = fieldWidth(frame, "idBytes", at);
  format.bigEndian = optionalBool(frame, "bigEndian", at).value_or(false);
  format.sizeIncludesHeader = optionalBool(frame, "sizeIncludesHeader", at).value_or(true);
  format.maxFrameBytes = static_cast<uint32_t>(intField(frame, "maxFrameBytes", at, 4096, format.headerBytes(), 64 << 20));
  spec->frameStallTimeoutMs = static_cast<uint32_t>(intField(frame, "stallTimeoutMs", at, 5000, 1, 3600000));
  const uint64_t largestFrame = std::min<uint64_t>(format.maxFrameBytes, format.largestAnnounceableBytes());
  const int64_t largestPayload = static_cast<int64_t>(largestFrame) - format.headerBytes();
  spec->payloadMinBytes = static_cast<uint32_t>(intField(w, "payloadMinBytes", path, 32, 0, largestPayload));
  spec->payloadMaxBytes = static_cast<uint32_t>(intField(w, "payloadMaxBytes", path, spec->payloadMinBytes, spec->payloadMinBytes, largestPayload));
  spec->requestsPerSecond = static_cast<uint32_t>(intField(w, "requestsPerSecond", path, 0, 0, 10000000));
  spec->totalRequests = static_cast<uint64_t>(intField(w, "totalRequests", path, 0, 0, int64_t{1} << 50));
  const int64_t idSpace = format.idBytes >= 4 ? 4096 : std::min<int64_t>(4096, int64_t{1} << (8 * format.idBytes));
  spec->maxInFlight = static_cast<uint32_t>(intField(w, "maxInFlight", path, 1, 1, idSpace));
  spec->goodFramesBefore = static_cast<uint32_t>(intField(w, "goodFramesBefore", path, 0, 0, 100000));
  if (spec->kind == WorkloadKind::Malformed) {
    spec->violation = enumField(w, "violation", path, kFrameRules);
    if (spec->violation == FrameRule::SizeBelowHeader && !format.sizeIncludesHeader) {
      typeError(w.Env(), path + ".violation", "possible: a size that excludes the header cannot be smaller than it");
    }
    if (spec->violation == FrameRule::SizeAboveMaximum && uint64_t{format.maxFrameBytes} >= format.largestAnnounceableBytes()) {
      typeError(w.Env(), at + ".maxFrameBytes", "below what the size field can announce, to send a frame above it");
    }
  }
}

// The chat workload's settings. Its messages are framed; a chat message must leave room in the
// largest frame for the member number a broadcast adds.
void readChat(const Napi::Object& w, const std::string& path, WorkloadSpec* spec) {
  readFraming(w, path, spec);
  const FrameFormat& format = spec->frame;
  const uint64_t largestFrame = std::min<uint64_t>(format.maxFrameBytes, format.largestAnnounceableBytes());
  const int64_t largestMessage = static_cast<int64_t>(largestFrame) - format.headerBytes() - static_cast<int64_t>(kChatMemberBytes);
  if (largestMessage < static_cast<int64_t>(kChatMessageHeadBytes)) {
    typeError(w.Env(), path + ".frame.maxFrameBytes", "large enough for a broadcast of the smallest chat message");
  }
  spec->messageBytes = static_cast<uint32_t>(intField(w, "messageBytes", path, 64, kChatMessageHeadBytes, largestMessage));
  spec->chatRooms = static_cast<uint32_t>(intField(w, "rooms", path, 1, 1, 65536));
  spec->chatRoom = intField(w, "room", path, -1, -1, 65535);
  spec->memberQueueBytes = static_cast<uint64_t>(intField(w, "memberQueueBytes", path, 256 * 1024, 1, int64_t{1} << 40));
  spec->dropMemberOnOverflow = optionalBool(w, "dropMemberOnOverflow", path).value_or(false);
  spec->startWhenMembers = static_cast<uint32_t>(intField(w, "startWhenMembers", path, 0, 0, 1000000));
}

// One fault of a set, when present: its probability (default 1) and what `read` takes from it.
template <typename Fault, typename Read>
void readFault(const Napi::Object& set, const char* key, const std::string& path, Fault* fault, Read read) {
  Napi::Value value = set.Get(key);
  if (value.IsUndefined() || value.IsNull()) return;
  const std::string at = path + "." + key;
  if (!value.IsObject()) typeError(set.Env(), at, "an object");
  Napi::Object object = value.As<Napi::Object>();
  fault->given = true;
  Napi::Value probability = object.Get("probability");
  if (!probability.IsUndefined()) {
    const double p = probability.IsNumber() ? probability.As<Napi::Number>().DoubleValue() : -1;
    if (!(p >= 0 && p <= 1)) typeError(set.Env(), at + ".probability", "a number from 0 to 1");
    fault->probability = p;
  }
  read(object, at);
}

ProxyFaultSet readFaultSet(const Napi::Object& w, const char* key, const std::string& path) {
  ProxyFaultSet set;
  Napi::Value value = w.Get(key);
  if (value.IsUndefined() || value.IsNull()) return set;
  const std::string at = path + "." + key;
  if (!value.IsObject()) typeError(w.Env(), at, "an object");
  const Napi::Object faults = value.As<Napi::Object>();
  constexpr int64_t kHour = 3600000;
  readFault(faults, "latency", at, &set.latency, [&](const Napi::Object& f, const std::string& p) {
    set.latency.ms = static_cast<uint32_t>(intField(f, "ms", p, 0, 0, kHour));
    set.latency.jitterMs = static_cast<uint32_t>(intField(f, "jitterMs", p, 0, 0, kHour));
  });
  readFault(faults, "bandwidth", at, &set.bandwidth, [&](const Napi::Object& f, const std::string& p) {
    set.bandwidth.bytesPerSecond = static_cast<uint64_t>(intField(f, "bytesPerSecond", p, 0, 1, int64_t{1} << 40));
  });
  readFault(faults, "slicer", at, &set.slicer, [&](const Napi::Object& f, const std::string& p) {
    set.slicer.pieceBytes = static_cast<uint32_t>(intField(f, "pieceBytes", p, 1, 1, 64 << 10));
    set.slicer.delayMs = static_cast<uint32_t>(intField(f, "delayMs", p, 0, 0, 60000));
  });
  auto threshold = [&](ProxyFaultSet::Threshold* t) {
    return [t](const Napi::Object& f, const std::string& p) {
      t->afterBytes = static_cast<uint64_t>(intField(f, "afterBytes", p, 0, 0, int64_t{1} << 50));
      t->afterMs = static_cast<uint32_t>(intField(f, "afterMs", p, 0, 0, 24 * kHour));
    };
  };
  readFault(faults, "reset", at, &set.reset, threshold(&set.reset));
  readFault(faults, "blackhole", at, &set.blackhole, threshold(&set.blackhole));
  if (set.reset.given && !set.reset.afterBytes && !set.reset.afterMs) typeError(w.Env(), at + ".reset", "given afterBytes or afterMs");
  readFault(faults, "slowClose", at, &set.slowClose, [&](const Napi::Object& f, const std::string& p) {
    set.slowClose.delayMs = static_cast<uint32_t>(intField(f, "delayMs", p, 0, 0, kHour));
  });
  return set;
}

WorkloadSpec readWorkload(const Napi::Object& w, const std::string& path) {
  WorkloadSpec spec;
  spec.kind = enumField(w, "kind", path, kWorkloads);
  const int64_t maxBytes = int64_t{1} << 50;
  spec.echoMessageBytes = static_cast<uint32_t>(intField(w, "messageBytesEcho", path, 0, 0, kMaxInt));
  spec.readBytesPerSecond = static_cast<uint64_t>(intField(w, "readBytesPerSecond", path, 0, 0, maxBytes));
  spec.writeBytes = static_cast<uint32_t>(intField(w, "writeBytes", path, 65536, 1, 64 << 20));
  spec.totalBytes = static_cast<uint64_t>(intField(w, "totalBytes", path, 0, 0, maxBytes));
  spec.bytesPerSecond = static_cast<uint64_t>(intField(w, "bytesPerSecond", path, 0, 0, maxBytes));
  spec.thenShutdownWrite = optionalBool(w, "thenShutdownWrite", path).value_or(false);
  spec.messageBytes = static_cast<uint32_t>(intField(w, "messageBytes", path, 64, 1, 64 << 20));
  spec.writesPerMessage = static_cast<uint32_t>(intField(w, "writesPerMessage", path, 1, 1, 64));
  spec.messagesPerSecond = static_cast<uint32_t>(intField(w, "messagesPerSecond", path, 0, 0, 10000000));
  spec.totalMessages = static_cast<uint64_t>(intField(w, "totalMessages", path, 0, 0, maxBytes));
  spec.timeoutMs = static_cast<uint32_t>(intField(w, "timeoutMs", path, 1000, 1, 3600000));
  if (spec.kind == WorkloadKind::FramedEcho || spec.kind == WorkloadKind::RequestResponse || spec.kind == WorkloadKind::Malformed) readFraming(w, path, &spec);
  if (spec.kind == WorkloadKind::Proxy) {
    spec.proxy.seed = static_cast<uint64_t>(intField(w, "seed", path, 1, 0, int64_t{1} << 53));
    spec.proxy.toServer = readFaultSet(w, "toServer", path);
    spec.proxy.toClient = readFaultSet(w, "toClient", path);
  }
  if (spec.kind == WorkloadKind::Chat) readChat(w, path, &spec);
  return spec;
}

CommandSpec readCommand(const Napi::Object& c, const std::string& path, size_t endpointCount) {
  CommandSpec command;
  command.atUs = intField(c, "atUs", path, -1, -1, int64_t{1} << 50);
  command.endpoint = static_cast<int>(intField(c, "endpoint", path, -1, -1, static_cast<int64_t>(endpointCount) - 1));
  command.connectionIndex = static_cast<int>(intField(c, "connectionIndex", path, -1, -1, kMaxInt));
  command.connectionId = static_cast<uint32_t>(intField(c, "connectionId", path, 0, 0, 4294967295LL));
  if (command.endpoint < 0 && command.connectionId == 0) typeError(c.Env(), path, "aimed at an endpoint or a connection id");
  command.kind = enumField(c, "do", path, kCommands);
  if (command.kind == CommandKind::Shutdown) command.how = enumField(c, "how", path, kHows);
  command.abortive = optionalBool(c, "abortive", path).value_or(false);
  if (command.kind == CommandKind::SetOption || command.kind == CommandKind::RestartListener) command.options = readOptions(objectField(c, "options", path), path + ".options");
  if (command.kind == CommandKind::Send) {
    Napi::Value bytes = c.Get("bytes");
    if (!bytes.IsBuffer()) typeError(c.Env(), path + ".bytes", "a Buffer");
    auto buffer = bytes.As<Napi::Buffer<uint8_t>>();
    command.bytes.assign(buffer.Data(), buffer.Data() + buffer.Length());
  }
  return command;
}

EngineConfig readConfig(const Napi::Object& config) {
  EngineConfig out;
  out.sampleEveryUs = intField(config, "sampleEveryMs", "config", 100, 10, 3600000) * 1000;
  out.captureEnabled = optionalBool(config, "captureEnabled", "config").value_or(true);
  out.captureEntries = static_cast<uint32_t>(intField(config, "captureEntries", "config", 65536, 16, 10000000));
  out.capturePreviewBytes = static_cast<uint32_t>(intField(config, "capturePreviewBytes", "config", 64, 0, 4096));
  out.seriesConnections = static_cast<uint32_t>(intField(config, "seriesConnections", "config", 64, 0, 1000000));
  Napi::Value endpoints = config.Get("endpoints");
  if (!endpoints.IsArray()) typeError(config.Env(), "config.endpoints", "an array");
  Napi::Array list = endpoints.As<Napi::Array>();
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string path = "config.endpoints[" + std::to_string(i) + "]";
    Napi::Value item = list.Get(i);
    if (!item.IsObject()) typeError(config.Env(), path, "an object");
    Napi::Object e = item.As<Napi::Object>();
    EndpointSpec spec;
    spec.id = stringField(e, "id", path);
    spec.role = enumField(e, "role", path, kRoles);
    spec.transport = enumField(e, "transport", path, kTransports);
    spec.model = enumField(e, "model", path, kModels);
    spec.threads = static_cast<int>(intField(e, "threads", path, 1, 1, 256));
    if (e.Has("backend") && !e.Get("backend").IsUndefined()) {
      if (spec.model != ModelKind::Overlapped && spec.model != ModelKind::CompletionPort) {
        typeError(config.Env(), path + ".backend", "absent: only the overlapped and completion-port models have a backend");
      }
      spec.backend = enumField(e, "backend", path, kBackends);
    }
    if (e.Has("readBuffers") && !e.Get("readBuffers").IsUndefined()) {
      if (spec.model != ModelKind::Overlapped && spec.model != ModelKind::CompletionPort) {
        typeError(config.Env(), path + ".readBuffers", "absent: only the overlapped and completion-port models post reads with buffers");
      }
      spec.readBuffers = enumField(e, "readBuffers", path, kReadBufferStrategies);
      if (spec.readBuffers == ReadBufferStrategy::Pool && spec.transport != Transport::Tcp) {
        typeError(config.Env(), path + ".readBuffers", "\"per-operation\" on a UDP endpoint: the read buffer pool is for TCP");
      }
    }
    // The provided buffer ring of io_uring holds at most 32768 buffers.
    spec.readPoolBuffers = static_cast<uint32_t>(intField(e, "readPoolBuffers", path, 256, 1, 32768));
    spec.readPoolBufferBytes = static_cast<uint32_t>(intField(e, "readPoolBufferBytes", path, 16384, 1024, 1024 * 1024));
    spec.backlog = static_cast<int>(intField(e, "backlog", path, 511, 1, 65535));
    spec.udpConnected = optionalBool(e, "udpConnected", path).value_or(true);
    spec.host = stringField(e, "host", path, "");
    spec.port = static_cast<int>(intField(e, "port", path, 0, 0, 65535));
    spec.connectEndpoint = static_cast<int>(intField(e, "connectEndpoint", path, -1, -1, static_cast<int64_t>(list.Length()) - 1));
    spec.connections = static_cast<int>(intField(e, "connections", path, 1, 1, 1000000));
    spec.verifyIncoming = optionalBool(e, "verifyIncoming", path).value_or(false);
    spec.options = readOptions(objectField(e, "options", path), path + ".options");
    spec.workload = readWorkload(objectField(e, "workload", path), path + ".workload");
    if (spec.connectEndpoint >= 0 && static_cast<uint32_t>(spec.connectEndpoint) == i) typeError(config.Env(), path + ".connectEndpoint", "another endpoint");
    // A proxy pairs connections on one reactor thread; only select and epoll are reactors here.
    const bool proxy = spec.role == Role::Proxy;
    if (proxy && (spec.transport != Transport::Tcp || (spec.model != ModelKind::Select && spec.model != ModelKind::Epoll))) {
      typeError(config.Env(), path + ".model", "select or epoll for a proxy, over TCP");
    }
    if (proxy != (spec.workload.kind == WorkloadKind::Proxy)) typeError(config.Env(), path + ".workload.kind", "\"proxy\" for a proxy, and only for a proxy");
    if (proxy && spec.connectEndpoint < 0) {
      spec.upstreamHost = stringField(e, "upstreamHost", path);
      spec.upstreamPort = static_cast<int>(intField(e, "upstreamPort", path, 0, 1, 65535));
      if (spec.upstreamPort == 0) typeError(config.Env(), path + ".upstreamPort", "a port from 1 to 65535 (or connectEndpoint given)");
    }
    out.endpoints.push_back(std::move(spec));
  }
  Napi::Value actions = config.Get("actions");
  if (actions.IsArray()) {
    Napi::Array actionList = actions.As<Napi::Array>();
    for (uint32_t i = 0; i < actionList.Length(); ++i) {
      const std::string path = "config.actions[" + std::to_string(i) + "]";
      Napi::Value item = actionList.Get(i);
      if (!item.IsObject()) typeError(config.Env(), path, "an object");
      CommandSpec action = readCommand(item.As<Napi::Object>(), path, out.endpoints.size());
      if (action.atUs < 0 || action.endpoint < 0) typeError(config.Env(), path, "timed (atUs) and aimed at an endpoint");
      out.actions.push_back(std::move(action));
    }
  }
  return out;
}

// ---- engine to JavaScript ----

const char* eventName(EventType type) {
  switch (type) {
    case EventType::Open: return "open";
    case EventType::State: return "state";
    case EventType::PeerShutdown: return "peer-shutdown";
    case EventType::Shutdown: return "shutdown";
    case EventType::Reset: return "reset";
    case EventType::Closed: return "closed";
    case EventType::Error: return "error";
    case EventType::Option: return "option";
    case EventType::ProtocolViolation: return "protocol-violation";
    case EventType::Listen: return "listen";
    case EventType::Fault: return "fault";
  }
  return "error";
}

Napi::Value optionalNumber(Napi::Env env, const auto& value) {
  if (!value) return env.Null();
  return Napi::Number::New(env, static_cast<double>(*value));
}

Napi::Object appliedToJs(Napi::Env env, const AppliedSocketOptions& applied) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("noDelay", applied.noDelay ? Napi::Value(Napi::Boolean::New(env, *applied.noDelay)) : env.Null());
  o.Set("sndBufBytes", applied.sndBufBytes);
  o.Set("rcvBufBytes", applied.rcvBufBytes);
  if (applied.lingerSeconds) {
    Napi::Object linger = Napi::Object::New(env);
    linger.Set("seconds", *applied.lingerSeconds);
    o.Set("linger", linger);
  } else {
    o.Set("linger", env.Null());
  }
  if (applied.keepAlive) {
    Napi::Object keepAlive = Napi::Object::New(env);
    keepAlive.Set("idleS", applied.keepAlive->idleS);
    keepAlive.Set("intervalS", applied.keepAlive->intervalS);
    keepAlive.Set("count", applied.keepAlive->count);
    o.Set("keepAlive", keepAlive);
  } else {
    o.Set("keepAlive", env.Null());
  }
  o.Set("reuseAddr", applied.reuseAddr);
  o.Set("reusePort", applied.reusePort);
  return o;
}

Napi::Object countersToJs(Napi::Env env, const CounterValues& c) {
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* key, uint64_t value) { o.Set(key, static_cast<double>(value)); };
  set("threads", c.threads);
  set("connectionsOpen", c.connectionsOpen);
  set("connectionsTotal", c.connectionsTotal);
  set("accepts", c.accepts);
  set("connectionsRefused", c.connectionsRefused);
  set("reads", c.reads);
  set("writes", c.writes);
  set("bytesIn", c.bytesIn);
  set("bytesOut", c.bytesOut);
  set("wakeups", c.wakeups);
  set("wouldBlock", c.wouldBlock);
  set("messages", c.messages);
  set("messagesLost", c.messagesLost);
  set("verifyErrors", c.verifyErrors);
  set("datagramsOutOfOrder", c.datagramsOutOfOrder);
  set("datagramsMissing", c.datagramsMissing);
  set("errors", c.errors);
  set("protocolViolations", c.protocolViolations);
  return o;
}

// Server figures for a chat server, member figures for a chat client.
Napi::Object chatToJs(Napi::Env env, const ChatValues& c, bool server) {
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* key, uint64_t value) { o.Set(key, static_cast<double>(value)); };
  if (server) {
    o.Set("role", "server");
    set("members", c.members);
    set("joins", c.joins);
    set("broadcasts", c.broadcasts);
    set("bytesEncoded", c.bytesEncoded);
    set("deliveries", c.deliveries);
    set("presenceNotices", c.presenceNotices);
    set("membersDropped", c.membersDropped);
    set("messagesDropped", c.messagesDropped);
    set("peakMemberQueueBytes", c.peakMemberQueueBytes);
    set("roomBacklogPauses", c.roomBacklogPauses);
    set("jobsQueued", c.jobsQueued);
    set("jobsExecuted", c.jobsExecuted);
    set("jobsHandedOff", c.jobsHandedOff);
  } else {
    o.Set("role", "client");
    set("messagesSent", c.messagesSent);
    set("messagesReceived", c.messagesReceived);
    set("messagesMissed", c.messagesMissed);
    set("messagesOutOfOrder", c.messagesOutOfOrder);
  }
  return o;
}

Napi::Object modelCountersToJs(Napi::Env env, const ModelCounterValues& m) {
  Napi::Object o = Napi::Object::New(env);
  // Gauges are read one by one while they move, so a sum may dip below zero for an instant.
  auto gauge = [](int64_t value) { return static_cast<double>(value < 0 ? 0 : value); };
  o.Set("operationsInFlight", gauge(m.operationsInFlight));
  o.Set("bytesPinned", gauge(m.bytesPinned));
  o.Set("completionQueueDepth", gauge(m.completionQueueDepth));
  o.Set("operationsPosted", static_cast<double>(m.operationsPosted));
  o.Set("completions", static_cast<double>(m.completions));
  o.Set("buffersWritten", static_cast<double>(m.buffersWritten));
  // Only the proactor models (those that name a backend) have a read-buffer strategy.
  if (m.backend.empty()) o.Set("readBuffers", env.Null());
  else o.Set("readBuffers", m.pooledReads ? "pool" : "per-operation");
  o.Set("readPoolBytes", gauge(m.readPoolBytes));
  o.Set("readPoolBuffers", gauge(m.readPoolBuffers));
  o.Set("readPoolBuffersInUse", gauge(m.readPoolBuffersInUse));
  o.Set("readPoolPeakBuffersInUse", gauge(m.readPoolPeakBuffersInUse));
  o.Set("readsWaitingForBuffer", gauge(m.readsWaitingForBuffer));
  o.Set("readPoolExhausted", static_cast<double>(m.readPoolExhausted));
  o.Set("timersQueued", gauge(m.timersQueued));
  o.Set("timersQueuedPeak", gauge(m.timersQueuedPeak));
  Napi::Array completions = Napi::Array::New(env, m.workerCompletions.size());
  Napi::Array busy = Napi::Array::New(env, m.workerBusyUs.size());
  for (size_t i = 0; i < m.workerCompletions.size(); ++i) {
    completions.Set(i, static_cast<double>(m.workerCompletions[i]));
    busy.Set(i, static_cast<double>(m.workerBusyUs[i]));
  }
  o.Set("workerCompletions", completions);
  o.Set("workerBusyUs", busy);
  o.Set("backend", m.backend.empty() ? env.Null() : Napi::Value(Napi::String::New(env, m.backend)));
  o.Set("backendNote", m.backendNote.empty() ? env.Null() : Napi::Value(Napi::String::New(env, m.backendNote)));
  return o;
}

Napi::Object proxyDirectionToJs(Napi::Env env, const ProxyDirectionValues& d) {
  Napi::Object o = Napi::Object::New(env);
  auto set = [&](const char* key, uint64_t value) { o.Set(key, static_cast<double>(value)); };
  set("bytesForwarded", d.bytesForwarded);
  set("queuePeakBytes", d.queuePeakBytes);
  set("queueFull", d.queueFull);
  set("piecesWritten", d.piecesWritten);
  set("bytesBlackholed", d.bytesBlackholed);
  set("resetsInjected", d.resetsInjected);
  set("slowCloses", d.slowCloses);
  Napi::Object drawn = Napi::Object::New(env);
  for (size_t i = 0; i < kProxyFaultCount; ++i) drawn.Set(proxyFaultName(static_cast<ProxyFault>(i)), static_cast<double>(d.drawn[i]));
  o.Set("drawn", drawn);
  return o;
}

Napi::Object proxyToJs(Napi::Env env, const ProxyCounterValues& p) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("connectionsProxied", static_cast<double>(p.connectionsProxied));
  o.Set("upstreamConnectFailures", static_cast<double>(p.upstreamConnectFailures));
  o.Set("toServer", proxyDirectionToJs(env, p.toServer));
  o.Set("toClient", proxyDirectionToJs(env, p.toClient));
  return o;
}

Napi::Object tcpToJs(Napi::Env env, const TcpInfoSample& t) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("state", t.state);
  o.Set("retransmits", t.retransmits);
  o.Set("probes", t.probes);
  o.Set("rttUs", t.rttUs);
  o.Set("rttVarUs", t.rttVarUs);
  o.Set("cwndSegments", t.cwndSegments);
  o.Set("ssthreshSegments", t.ssthreshSegments);
  o.Set("mssBytes", t.mssBytes);
  o.Set("unackedSegments", t.unackedSegments);
  o.Set("lostSegments", t.lostSegments);
  o.Set("totalRetrans", t.totalRetrans);
  o.Set("segsIn", t.segsIn);
  o.Set("segsOut", t.segsOut);
  o.Set("dataSegsOut", optionalNumber(env, t.dataSegsOut));
  o.Set("notsentBytes", optionalNumber(env, t.notsentBytes));
  o.Set("deliveryRateBytesPerS", optionalNumber(env, t.deliveryRateBytesPerS));
  o.Set("busyTimeUs", optionalNumber(env, t.busyTimeUs));
  o.Set("rwndLimitedUs", optionalNumber(env, t.rwndLimitedUs));
  o.Set("sndbufLimitedUs", optionalNumber(env, t.sndbufLimitedUs));
  o.Set("bytesRetrans", optionalNumber(env, t.bytesRetrans));
  o.Set("sndWndBytes", optionalNumber(env, t.sndWndBytes));
  o.Set("rcvWndBytes", optionalNumber(env, t.rcvWndBytes));
  return o;
}

Napi::Object aggregateToJs(Napi::Env env, const EndpointAggregate& a, int64_t batchAtUs) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("connections", static_cast<double>(a.connections));
  o.Set("connectionsExchanged", static_cast<double>(a.connectionsExchanged));
  o.Set("seriesConnections", static_cast<double>(a.seriesConnections));
  o.Set("appSendQueueBytes", static_cast<double>(a.appSendQueueBytes));
  o.Set("appSendQueueMaxBytes", static_cast<double>(a.appSendQueueMaxBytes));
  o.Set("kernelFigures", static_cast<double>(a.kernelFigures));
  o.Set("kernelFiguresMaxAgeUs", a.kernelFigures ? static_cast<double>(std::max<int64_t>(0, batchAtUs - a.kernelFiguresOldestUs)) : 0.0);
  o.Set("kernelSendQueueBytes", static_cast<double>(a.kernelSendQueueBytes));
  o.Set("kernelSendQueueMaxBytes", static_cast<double>(a.kernelSendQueueMaxBytes));
  o.Set("kernelRecvQueueBytes", static_cast<double>(a.kernelRecvQueueBytes));
  o.Set("kernelRecvQueueMaxBytes", static_cast<double>(a.kernelRecvQueueMaxBytes));
  o.Set("rttMeanUs", a.rttCount ? static_cast<double>(a.rttSumUs) / static_cast<double>(a.rttCount) : 0.0);
  o.Set("rttMaxUs", static_cast<double>(a.rttMaxUs));
  Napi::Array states = Napi::Array::New(env, a.tcpStates.size());
  for (size_t i = 0; i < a.tcpStates.size(); ++i) states.Set(i, static_cast<double>(a.tcpStates[i]));
  o.Set("tcpStates", states);
  return o;
}

Napi::Object engineFiguresToJs(Napi::Env env, const EngineFigures& f) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("residentBytes", static_cast<double>(f.residentBytes));
  o.Set("threads", static_cast<double>(f.threads));
  o.Set("samplerPassUs", static_cast<double>(f.samplerPassUs));
  o.Set("samplerPassCpuUs", static_cast<double>(f.samplerPassCpuUs));
  o.Set("connectionsVisited", static_cast<double>(f.connectionsVisited));
  o.Set("kernelReads", static_cast<double>(f.kernelReads));
  Napi::Object descriptors = Napi::Object::New(env);
  descriptors.Set("needed", static_cast<double>(f.descriptors.neededDescriptors));
  descriptors.Set("softBefore", static_cast<double>(f.descriptors.softBefore));
  descriptors.Set("soft", static_cast<double>(f.descriptors.soft));
  descriptors.Set("hard", static_cast<double>(f.descriptors.hard));
  o.Set("descriptors", descriptors);
  return o;
}

Napi::Object batchToJs(Napi::Env env, const EngineBatch& batch) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("sequence", static_cast<double>(batch.sequence));
  o.Set("atUs", static_cast<double>(batch.atUs));
  o.Set("final", batch.final);
  o.Set("eventsDropped", static_cast<double>(batch.eventsDropped));
  Napi::Array notices = Napi::Array::New(env, batch.notices.size());
  for (size_t i = 0; i < batch.notices.size(); ++i) notices.Set(i, batch.notices[i]);
  o.Set("notices", notices);
  o.Set("engine", engineFiguresToJs(env, batch.engine));

  Napi::Array endpoints = Napi::Array::New(env, batch.endpoints.size());
  for (size_t i = 0; i < batch.endpoints.size(); ++i) {
    const EndpointSnapshot& snapshot = batch.endpoints[i];
    Napi::Object e = Napi::Object::New(env);
    e.Set("counters", countersToJs(env, snapshot.counters));
    e.Set("model", modelCountersToJs(env, snapshot.model));
    if (snapshot.haveChat) e.Set("chat", chatToJs(env, snapshot.chat, snapshot.chatServer));
    if (snapshot.latency.count) {
      Napi::Object latency = Napi::Object::New(env);
      latency.Set("count", static_cast<double>(snapshot.latency.count));
      latency.Set("p50", snapshot.latency.p50);
      latency.Set("p90", snapshot.latency.p90);
      latency.Set("p99", snapshot.latency.p99);
      latency.Set("max", snapshot.latency.max);
      latency.Set("mean", snapshot.latency.mean);
      e.Set("latencyUs", latency);
    } else {
      e.Set("latencyUs", env.Null());
    }
    Napi::Array errors = Napi::Array::New(env);
    uint32_t errorIndex = 0;
    for (const auto& [code, tally] : snapshot.errors) {
      Napi::Object error = Napi::Object::New(env);
      error.Set("code", code);
      error.Set("message", tally.message);
      error.Set("count", static_cast<double>(tally.count));
      errors.Set(errorIndex++, error);
    }
    e.Set("errors", errors);
    e.Set("applied", snapshot.haveApplied ? Napi::Value(appliedToJs(env, snapshot.applied)) : env.Null());
    e.Set("connectionsWithoutSeries", static_cast<double>(snapshot.connectionsWithoutSeries));
    e.Set("aggregate", aggregateToJs(env, snapshot.aggregate, batch.atUs));
    if (snapshot.proxy) e.Set("proxy", proxyToJs(env, snapshot.proxyCounters));
    endpoints.Set(i, e);
  }
  o.Set("endpoints", endpoints);

  Napi::Array samples = Napi::Array::New(env, batch.samples.size());
  for (size_t i = 0; i < batch.samples.size(); ++i) {
    const SampleRecord& record = batch.samples[i];
    const ConnectionSample& sample = record.sample;
    Napi::Object s = Napi::Object::New(env);
    s.Set("connectionId", record.connectionId);
    s.Set("endpoint", record.endpoint);
    s.Set("index", record.index);
    s.Set("atUs", static_cast<double>(sample.atUs));
    s.Set("bytesIn", static_cast<double>(sample.bytesIn));
    s.Set("bytesOut", static_cast<double>(sample.bytesOut));
    s.Set("appSendQueueBytes", static_cast<double>(sample.appSendQueueBytes));
    s.Set("sendQueueBytes", optionalNumber(env, sample.queues.sendQueueBytes));
    s.Set("unsentBytes", optionalNumber(env, sample.queues.unsentBytes));
    s.Set("recvQueueBytes", optionalNumber(env, sample.queues.recvQueueBytes));
    s.Set("tcp", sample.haveTcp ? Napi::Value(tcpToJs(env, sample.tcp)) : env.Null());
    samples.Set(i, s);
  }
  o.Set("samples", samples);

  Napi::Array events = Napi::Array::New(env, batch.events.size());
  for (size_t i = 0; i < batch.events.size(); ++i) {
    const EngineEvent& event = batch.events[i];
    Napi::Object e = Napi::Object::New(env);
    e.Set("atUs", static_cast<double>(event.atUs));
    e.Set("connectionId", event.connectionId);
    e.Set("endpoint", event.endpoint);
    e.Set("type", eventName(event.type));
    if (event.tcpState >= 0) e.Set("state", event.tcpState);
    if (event.type == EventType::Shutdown) {
      e.Set("how", event.how == ShutdownHow::Read ? "read" : event.how == ShutdownHow::Write ? "write" : "both");
    }
    if (event.type == EventType::Closed) e.Set("abortive", event.abortive);
    if (!event.code.empty()) e.Set("code", event.code);
    if (!event.message.empty()) e.Set("message", event.message);
    if (!event.local.empty()) e.Set("local", event.local);
    if (!event.remote.empty()) e.Set("remote", event.remote);
    if (!event.rule.empty()) e.Set("rule", event.rule);
    if (!event.header.empty()) e.Set("header", event.header);
    if (!event.fault.empty()) e.Set("fault", event.fault);
    if (!event.direction.empty()) e.Set("direction", event.direction);
    if (event.type == EventType::Listen) {
      e.Set("reuseAddr", event.reuseAddr);
      if (event.timeWaitSockets >= 0) {
        e.Set("timeWaitSockets", static_cast<double>(event.timeWaitSockets));
        e.Set("timeWaitSource", event.timeWaitSource);
      }
    }
    events.Set(i, e);
  }
  o.Set("events", events);

  // The capture is columnar, one typed array per field: a batch can carry tens of thousands of
  // records, and one object per record would keep the main thread busy converting them. Arrays
  // are copied, not external: external buffers are not allowed inside Electron's memory cage.
  const CaptureDrain& drain = batch.capture;
  const size_t count = drain.records.size();
  Napi::Float64Array atUs = Napi::Float64Array::New(env, count);
  Napi::Uint32Array connectionIds = Napi::Uint32Array::New(env, count);
  Napi::Uint32Array bytes = Napi::Uint32Array::New(env, count);
  Napi::Uint16Array endpointIndexes = Napi::Uint16Array::New(env, count);
  Napi::Uint8Array directions = Napi::Uint8Array::New(env, count);
  Napi::Uint16Array previewLengths = Napi::Uint16Array::New(env, count);
  for (size_t i = 0; i < count; ++i) {
    const CaptureRecord& record = drain.records[i];
    atUs[i] = static_cast<double>(record.atUs);
    connectionIds[i] = record.connectionId;
    bytes[i] = record.bytes;
    endpointIndexes[i] = record.endpoint;
    directions[i] = static_cast<uint8_t>(record.direction);
    previewLengths[i] = record.previewLength;
  }
  Napi::Object capture = Napi::Object::New(env);
  capture.Set("count", static_cast<double>(count));
  capture.Set("atUs", atUs);
  capture.Set("connectionId", connectionIds);
  capture.Set("bytes", bytes);
  capture.Set("endpoint", endpointIndexes);
  capture.Set("direction", directions);
  capture.Set("previewLength", previewLengths);
  capture.Set("previews", Napi::Buffer<uint8_t>::Copy(env, drain.previews.data(), drain.previews.size()));
  capture.Set("previewBytes", drain.previewBytes);
  capture.Set("dropped", static_cast<double>(drain.dropped));
  o.Set("capture", capture);
  return o;
}

// ---- the JavaScript class ----

// Batches waiting for the main thread. Past this many the engine skips interim batches (their
// events and capture wait, bounded, in the engine), so a busy main thread cannot make the queue
// grow without bound.
constexpr int kMaxQueuedBatches = 16;

// The thread-safe function and what the engine's threads need to know about it. Shared by the
// sink (sampler thread), the wrapper and the function's finalizer, whichever goes last.
struct BatchChannel {
  Napi::ThreadSafeFunction function;
  std::atomic<int> queued{0};
  std::atomic<bool> closed{false};  // finalized or released: no more calls
  std::weak_ptr<Engine> engine;
};

class EngineWrap final : public Napi::ObjectWrap<EngineWrap> {
 public:
  static Napi::Function Define(Napi::Env env) {
    return DefineClass(env, "Engine",
                       {InstanceMethod("start", &EngineWrap::Start), InstanceMethod("stop", &EngineWrap::Stop),
                        InstanceMethod("command", &EngineWrap::Command)});
  }

  explicit EngineWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<EngineWrap>(info) {
    Napi::Env env = info.Env();
    if (info.Length() < 2 || !info[0].IsObject() || !info[1].IsFunction()) {
      throw Napi::TypeError::New(env, "new Engine(config, onBatch) takes a config object and a function");
    }
    EngineConfig config = readConfig(info[0].As<Napi::Object>());
    channel_ = std::make_shared<BatchChannel>();
    auto* finalizerData = new std::shared_ptr<BatchChannel>(channel_);
    channel_->function = Napi::ThreadSafeFunction::New(
        env, info[1].As<Napi::Function>(), "sockscope-batches", 0, 1, finalizerData,
        [](Napi::Env, void*, std::shared_ptr<BatchChannel>* data) {
          // The environment is going away (or the function was released): stop the engine
          // first, so no thread calls the function after this returns.
          std::unique_ptr<std::shared_ptr<BatchChannel>> channel(data);
          (*channel)->closed.store(true);
          if (auto engine = (*channel)->engine.lock()) engine->stop();
        },
        static_cast<void*>(nullptr));
    // Until start(), the function must not keep the process alive.
    channel_->function.Unref(env);
    std::shared_ptr<BatchChannel> channel = channel_;
    engine_ = std::make_shared<Engine>(
        std::move(config),
        [channel](EngineBatch&& batch) {
          if (channel->closed.load()) return;
          channel->queued.fetch_add(1);
          auto* owned = new EngineBatch(std::move(batch));
          napi_status status = channel->function.NonBlockingCall(owned, [channel](Napi::Env env, Napi::Function callback, EngineBatch* data) {
            std::unique_ptr<EngineBatch> batch(data);
            channel->queued.fetch_sub(1);
            // A null env means the environment is shutting down: drop the batch.
            if (env == nullptr) return;
            callback.Call({batchToJs(env, *batch)});
          });
          if (status != napi_ok) {
            channel->queued.fetch_sub(1);
            delete owned;
          }
        },
        [channel] { return channel->queued.load() < kMaxQueuedBatches; });
    channel_->engine = engine_;
  }

  ~EngineWrap() override {
    if (engine_) engine_->stop();
    release();
  }

 private:
  // Lets go of the function once: after the final batch is queued, or when start() failed.
  void release() {
    if (released_ || channel_->closed.load()) return;
    released_ = true;
    channel_->function.Release();
  }

  Napi::Value Start(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (released_ || channel_->closed.load()) {
      Napi::Error error = Napi::Error::New(env, "this engine was stopped; create a new one for another run");
      error.Set("code", "EALREADY");
      throw error;
    }
    Status status = engine_->start();
    if (!status.ok()) {
      release();
      Napi::Error error = Napi::Error::New(env, status.message);
      error.Set("code", status.code);
      throw error;
    }
    channel_->function.Ref(env);
    Napi::Object started = Napi::Object::New(env);
    std::vector<std::string> addresses = engine_->boundAddresses();
    Napi::Array listen = Napi::Array::New(env, addresses.size());
    for (size_t i = 0; i < addresses.size(); ++i) {
      listen.Set(i, addresses[i].empty() ? env.Null() : Napi::Value(Napi::String::New(env, addresses[i])));
    }
    started.Set("listen", listen);
    return started;
  }

  // Stops the run. The final batch (final: true) reaches the callback after this returns.
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    engine_->stop();
    release();
    return info.Env().Undefined();
  }

  Napi::Value Command(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (info.Length() < 1 || !info[0].IsObject()) throw Napi::TypeError::New(env, "command(command) takes an object");
    CommandSpec command = readCommand(info[0].As<Napi::Object>(), "command", SIZE_MAX / 2);
    Status status = engine_->command(std::move(command));
    if (!status.ok()) {
      Napi::Error error = Napi::Error::New(env, status.message);
      error.Set("code", status.code);
      throw error;
    }
    return env.Undefined();
  }

  std::shared_ptr<BatchChannel> channel_;
  std::shared_ptr<Engine> engine_;
  bool released_ = false;
};

// ---- read-only sampling of a socket the engine does not own ----

// The libuv model's sockets belong to Node; the engine host hands their descriptors here so they
// show the same kernel columns as the engine's own. Nothing here changes the socket.
int foreignSocketFd(const Napi::CallbackInfo& info, const char* call, Transport* transport) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) typeError(env, std::string(call) + "(fd)", "a number");
  const double number = info[0].As<Napi::Number>().DoubleValue();
  if (!(number >= 0 && number <= INT_MAX) || number != static_cast<double>(static_cast<int>(number))) {
    typeError(env, std::string(call) + "(fd)", "a descriptor: an integer from 0");
  }
  const int fd = static_cast<int>(number);
  int type = 0;
  socklen_t length = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &length) != 0 || (type != SOCK_STREAM && type != SOCK_DGRAM)) {
    Status status = type != 0 ? Status::fail("ENOTSUP", "descriptor " + std::to_string(fd) + " is neither a TCP nor a UDP socket")
                              : errnoStatus(errno, std::string(call) + " on descriptor " + std::to_string(fd));
    Napi::Error error = Napi::Error::New(env, status.message);
    error.Set("code", status.code);
    throw error;
  }
  *transport = type == SOCK_STREAM ? Transport::Tcp : Transport::Udp;
  return fd;
}

// sampleSocket(fd): the kernel queues and, for TCP, TCP_INFO; the shape of a batch sample's fields.
Napi::Value SampleSocket(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Transport transport;
  const int fd = foreignSocketFd(info, "sampleSocket", &transport);
  const bool tcp = transport == Transport::Tcp;
  const QueueSample queues = readQueues(fd, tcp);
  TcpInfoSample tcpInfo;
  const bool haveTcp = tcp && readTcpInfo(fd, &tcpInfo);
  Napi::Object o = Napi::Object::New(env);
  o.Set("sendQueueBytes", optionalNumber(env, queues.sendQueueBytes));
  o.Set("unsentBytes", optionalNumber(env, queues.unsentBytes));
  o.Set("recvQueueBytes", optionalNumber(env, queues.recvQueueBytes));
  o.Set("tcp", haveTcp ? Napi::Value(tcpToJs(env, tcpInfo)) : env.Null());
  return o;
}

// socketOptions(fd): every option read back with getsockopt, as in a batch's `applied`.
Napi::Value SocketOptions(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Transport transport;
  const int fd = foreignSocketFd(info, "socketOptions", &transport);
  AppliedSocketOptions applied;
  Status status = readSocketOptions(fd, transport, &applied);
  if (!status.ok()) {
    Napi::Error error = Napi::Error::New(env, status.message);
    error.Set("code", status.code);
    throw error;
  }
  return appliedToJs(env, applied);
}

// ioUringUnavailable(): null where io_uring works here, else why not (the same probe `auto` uses),
// so suites can skip the io_uring backend visibly where a container forbids it.
Napi::Value IoUringUnavailable(const Napi::CallbackInfo& info) {
  Status status = Status::success();
  if (createUringBackend(&status)) return info.Env().Null();
  return Napi::String::New(info.Env(), status.code + ": " + status.message);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("Engine", EngineWrap::Define(env));
  exports.Set("sampleSocket", Napi::Function::New(env, SampleSocket, "sampleSocket"));
  exports.Set("socketOptions", Napi::Function::New(env, SocketOptions, "socketOptions"));
  exports.Set("ioUringUnavailable", Napi::Function::New(env, IoUringUnavailable, "ioUringUnavailable"));
  exports.Set("models", Napi::String::New(env, "blocking,select,epoll,overlapped,completion-port"));
  return exports;
}

}  // namespace
}  // namespace sockscope

static Napi::Object InitSockscope(Napi::Env env, Napi::Object exports) { return sockscope::Init(env, exports); }

NODE_API_MODULE(sockscope_engine, InitSockscope)
