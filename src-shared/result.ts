import { z } from 'zod';
import { chatFiguresSchema } from './chat-figures.js';
import { endpointRoles, profileSchema, readBufferStrategies } from './profile.js';
import { proxyCountersSchema, proxyDirections, proxyFaults } from './proxy-faults.js';
import { appliedSocketOptionsSchema } from './socket-options.js';

export const resultSchemaId = 'sockscope.result/1';

/** The Linux TCP states, named as in the kernel (include/net/tcp_states.h), index = tcpi_state. */
export const tcpStates = [
  'UNKNOWN', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT1', 'FIN_WAIT2', 'TIME_WAIT',
  'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'CLOSING', 'NEW_SYN_RECV',
] as const;
export type TcpState = (typeof tcpStates)[number];

/** TCP_INFO as read from the kernel; a field the running kernel does not report is null. */
export const tcpInfoSchema = z.strictObject({
  state: z.enum(tcpStates),
  rttUs: z.number(),
  rttVarUs: z.number(),
  cwndSegments: z.number(),
  ssthreshSegments: z.number().describe('2147483647 while still in slow start'),
  mssBytes: z.number(),
  retransmits: z.number().describe('retransmissions of the current segment (tcpi_retransmits)'),
  totalRetrans: z.number(),
  segsIn: z.number(),
  segsOut: z.number(),
  dataSegsOut: z.number().nullable(),
  notsentBytes: z.number().nullable(),
  deliveryRateBytesPerS: z.number().nullable(),
  sndWndBytes: z.number().nullable().describe('peer-advertised window; needs Linux 6.2'),
  rcvWndBytes: z.number().nullable().describe('our advertised window; needs Linux 6.11'),
  busyTimeUs: z.number().nullable().describe('time spent sending data'),
  rwndLimitedUs: z.number().nullable().describe('time the peer\'s receive window held the sender back'),
  sndbufLimitedUs: z.number().nullable().describe('time our send buffer held the sender back'),
  probes: z.number().describe('keepalive or zero-window probes sent without answer'),
});
export type TcpInfo = z.infer<typeof tcpInfoSchema>;

export const connectionSampleSchema = z.strictObject({
  atMs: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  kernelSendQueueBytes: z.number().nullable().describe('SIOCOUTQ: sent but not yet acknowledged, plus unsent'),
  kernelUnsentBytes: z.number().nullable().describe('SIOCOUTQNSD: not yet sent at all'),
  kernelRecvQueueBytes: z.number().nullable().describe('SIOCINQ: arrived, not yet read by the application'),
  appSendQueueBytes: z.number().describe('queued in the engine, not yet accepted by the kernel'),
  tcp: tcpInfoSchema.nullable(),
});
export type ConnectionSample = z.infer<typeof connectionSampleSchema>;

export const eventTypes = ['open', 'state', 'peer-shutdown', 'shutdown', 'reset', 'closed', 'error', 'option', 'protocol-violation', 'fault'] as const;
export type EventType = (typeof eventTypes)[number];

export const connectionEventSchema = z.strictObject({
  atMs: z.number(),
  type: z.enum(eventTypes),
  state: z.enum(tcpStates).optional().describe('state: the TCP state now observed'),
  how: z.enum(['read', 'write', 'both']).optional().describe('shutdown: which direction'),
  abortive: z.boolean().optional().describe('closed: by linger 0'),
  code: z.string().optional().describe('error, reset, closed: errno name'),
  message: z.string().optional(),
  local: z.string().optional().describe('open: local address:port'),
  remote: z.string().optional().describe('open: remote address:port'),
  rule: z.string().optional().describe('protocol-violation: the rule broken (framing: size-below-header, size-above-maximum, stalled-mid-frame; chat: chat-before-join, room-out-of-range, join-twice, join-payload-size, chat-payload-too-short, chat-above-maximum, unknown-frame-id, unexpected-frame)'),
  header: z.string().optional().describe('protocol-violation: the offending frame header as hex'),
  fault: z.enum(proxyFaults).optional().describe('fault: the fault a proxy began to inject on this connection; message gives its parameters'),
  direction: z.enum(proxyDirections).optional().describe('fault: the direction it acts on'),
});
export type ConnectionEvent = z.infer<typeof connectionEventSchema>;

export const listenerRestartSchema = z.strictObject({
  atMs: z.number(),
  address: z.string().describe('where the listener tried to listen again, such as 127.0.0.1:40123'),
  reuseAddr: z.boolean().describe('SO_REUSEADDR on the new listener'),
  listening: z.boolean().describe('the new listener is up; false when bind or listen failed'),
  code: z.string().optional().describe('the failure: errno name, such as EADDRINUSE'),
  message: z.string(),
  timeWaitSockets: z.number().nullable().describe('TCP sockets in TIME_WAIT on the port at the restart; null when the kernel could not be asked'),
  timeWaitSource: z.string().nullable().describe('"sock_diag", or "/proc/net/tcp" when sock_diag was refused'),
});
export type ListenerRestart = z.infer<typeof listenerRestartSchema>;

export const endpointCountersSchema = z.strictObject({
  threads: z.number().describe('the most threads the endpoint ran at once'),
  connectionsOpen: z.number(),
  connectionsTotal: z.number(),
  accepts: z.number(),
  connectionsRefused: z.number().describe('connections the model could not take (FD_SETSIZE for select)'),
  reads: z.number(),
  writes: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
  bytesPerRead: z.number(),
  bytesPerWrite: z.number(),
  wakeups: z
    .number()
    .describe(
      'returns from the model wait call (select, epoll_wait); blocking: times a thread was woken out of (or kept from) a blocking call by another thread handing it work (a command, a chat broadcast, a listener restart, the stop) or by its workload timer falling due',
    ),
  wouldBlock: z.number().describe('reads and writes that returned EAGAIN; blocking: receive (or accept) and send timeouts that ran out'),
  messages: z.number().describe('round trips completed (ping-pong, request-response), frames echoed (framed-echo), chat messages taken (chat server) or broadcasts received (chat client)'),
  messagesLost: z.number().describe('UDP ping-pong messages with no answer in time'),
  verifyErrors: z.number().describe('bytes that did not match the expected pattern or echo'),
  datagramsOutOfOrder: z.number(),
  datagramsMissing: z.number(),
  errors: z.number(),
  protocolViolations: z.number().optional().describe('connections closed for breaking the framing rules (absent in results from before framing)'),
});
export type EndpointCounters = z.infer<typeof endpointCountersSchema>;

/** The counters of an endpoint that has done nothing yet: every one zero, protocolViolations included. */
export function zeroCounters(): EndpointCounters {
  return Object.fromEntries(Object.keys(endpointCountersSchema.shape).map((name) => [name, 0])) as EndpointCounters;
}

export const modelCountersSchema = z.strictObject({
  backend: z.string().nullable().describe('overlapped and completion-port: the backend that ran (io_uring or epoll)'),
  backendNote: z.string().nullable().describe('why "auto" did not run io_uring'),
  operationsPosted: z.number(),
  completions: z.number(),
  peakOperationsInFlight: z.number().describe('the most operations pending at one sample'),
  peakBytesPinned: z.number().describe('the most buffer bytes held by pending operations at one sample'),
  peakCompletionQueueDepth: z.number().describe('the most completions waiting for a worker at one sample'),
  buffersPerWrite: z.number().describe('buffers gathered into one write call, on average'),
  readBuffers: z.enum(readBufferStrategies).optional().describe('proactor models: where reads got their buffers, per-operation or pool'),
  readPool: z
    .strictObject({
      buffers: z.number(),
      bufferBytes: z.number(),
      bytes: z.number().describe('the whole pool, counted in peakBytesPinned'),
      peakBuffersInUse: z.number().describe('the most buffers held at once by reads completed and not yet consumed'),
      exhausted: z.number().describe('reads that found every buffer held and waited for one'),
    })
    .optional()
    .describe('readBuffers "pool": the pool and how close it came to its bound'),
  peakTimersQueued: z.number().optional().describe('proactor models: the most timer entries waiting in the completion queues, superseded ones included'),
  workers: z
    .array(z.strictObject({ completions: z.number(), busyShare: z.number().describe('share of the run the worker spent working, 0 to 1') }))
    .describe('proactor models: each worker thread'),
});
export type ModelCounters = z.infer<typeof modelCountersSchema>;

export const latencySchema = z.strictObject({
  count: z.number(),
  p50: z.number(),
  p90: z.number(),
  p99: z.number(),
  max: z.number(),
  mean: z.number(),
});
export type LatencyUs = z.infer<typeof latencySchema>;

export const errorValueSchema = z.strictObject({
  code: z.string(),
  message: z.string(),
  count: z.number().optional(),
});
export type ErrorValue = z.infer<typeof errorValueSchema>;

export const connectionResultSchema = z.strictObject({
  id: z.number(),
  index: z.number().describe('position within its endpoint, as actions address it'),
  local: z.string().nullable(),
  remote: z.string().nullable(),
  events: z.array(connectionEventSchema),
  eventsDropped: z.number(),
  samples: z.array(connectionSampleSchema),
  samplesDropped: z.number(),
  bytesIn: z.number(),
  bytesOut: z.number(),
});
export type ConnectionResult = z.infer<typeof connectionResultSchema>;

/** Every open connection of an endpoint in the sampler's last pass before the run ended. */
export const endpointAggregateSchema = z.strictObject({
  atMs: z.number().describe('when the pass ran'),
  connections: z.number().describe('open connections in the pass'),
  connectionsPeak: z.number().describe('the most open connections any pass saw'),
  connectionsExchanged: z.number().describe('open connections that had read and written bytes'),
  seriesConnections: z.number().describe('open connections with a sampled series: the first limits.seriesConnections of the endpoint, by index'),
  appSendQueueBytes: z.number(),
  appSendQueueMaxBytes: z.number().describe('the largest on one connection'),
  kernelFigures: z.number().describe('connections whose kernel figures are in the sums; the sampler refreshes a bounded number per pass'),
  kernelFiguresMaxAgeMs: z.number().describe('age of the oldest kernel figure in the sums'),
  kernelSendQueueBytes: z.number(),
  kernelSendQueueMaxBytes: z.number(),
  kernelRecvQueueBytes: z.number(),
  kernelRecvQueueMaxBytes: z.number(),
  rttMeanUs: z.number(),
  rttMaxUs: z.number(),
  tcpStates: z.partialRecord(z.enum(tcpStates), z.number()).describe('connections per TCP state; states with none are left out'),
});
export type EndpointAggregate = z.infer<typeof endpointAggregateSchema>;

const meanMaxSchema = z.strictObject({ mean: z.number(), max: z.number() });

/** The engine's own cost: its process and its sampler. */
export const engineFiguresSchema = z.strictObject({
  peakResidentBytes: z.number().describe('resident memory of the engine\'s process (VmRSS), the most seen'),
  peakThreads: z.number().describe('threads of the engine\'s process, the most seen'),
  samplerPasses: z.number(),
  samplerPassUs: meanMaxSchema.describe('wall time of a sampler pass; includes time the thread waited for a CPU'),
  samplerPassCpuUs: meanMaxSchema.describe('CPU time of a sampler pass'),
  samplerCpuUsPerConnection: z.number().describe('CPU time of a pass per connection visited, over the passes that visited any'),
  peakConnectionsVisited: z.number(),
  descriptors: z.strictObject({
    needed: z.number().describe('descriptors the run was expected to hold, with a margin'),
    softBefore: z.number().describe('RLIMIT_NOFILE soft limit when the run started'),
    soft: z.number().describe('the soft limit after the engine raised it'),
    hard: z.number(),
  }),
});
export type EngineFigures = z.infer<typeof engineFiguresSchema>;

export const endpointResultSchema = z.strictObject({
  id: z.string(),
  role: z.enum(endpointRoles),
  model: z.string(),
  transport: z.enum(['tcp', 'udp']),
  listen: z.string().nullable().describe('servers and proxies: the address actually bound'),
  requestedOptions: z.record(z.string(), z.unknown()),
  appliedOptions: appliedSocketOptionsSchema.nullable().describe('read back from the kernel on the first socket of the endpoint'),
  optionsNotApplied: z
    .array(z.strictObject({ option: z.string(), reason: z.string() }))
    .optional()
    .describe('libuv endpoints: requested options Node cannot set, each with why (the applied options show what the kernel has instead)'),
  counters: endpointCountersSchema,
  modelCounters: modelCountersSchema.optional().describe('what the I/O model shows of its architecture'),
  chat: chatFiguresSchema.optional().describe("chat endpoints: a server's rooms (broadcasts, the one encoding each, deliveries, the job queues, slow members) or a client's messages"),
  latencyUs: latencySchema.nullable(),
  throughput: z.strictObject({
    bytesIn: z.number(),
    bytesOut: z.number(),
    bitsPerSecondIn: z.number(),
    bitsPerSecondOut: z.number(),
  }),
  connections: z.array(connectionResultSchema),
  connectionsWithoutSeries: z.number().describe('connections past limits.seriesConnections: counted, not sampled one by one'),
  aggregate: endpointAggregateSchema.optional().describe('all open connections together, as the sampler last saw them'),
  errors: z.array(errorValueSchema),
  listenerRestarts: z.array(listenerRestartSchema).optional().describe('TCP servers: each restart-listener and what the kernel said'),
  proxy: proxyCountersSchema.optional().describe('proxies: what the proxy did to the bytes it carried, per direction'),
});
export type EndpointResult = z.infer<typeof endpointResultSchema>;

export const captureEntrySchema = z.strictObject({
  atUs: z.number(),
  endpoint: z.string(),
  connection: z.number(),
  direction: z.enum(['read', 'write']),
  bytes: z.number(),
  previewHex: z.string(),
});
export type CaptureEntry = z.infer<typeof captureEntrySchema>;

export const resultSchema = z.strictObject({
  schema: z.literal(resultSchemaId),
  profile: profileSchema,
  environment: z.strictObject({
    os: z.string(),
    kernel: z.string(),
    arch: z.string(),
    node: z.string(),
    cpus: z.number(),
    sysctls: z.record(z.string(), z.string()),
  }),
  startedAt: z.string(),
  elapsedMs: z.number(),
  completed: z.boolean(),
  stopReason: z.string(),
  endpoints: z.array(endpointResultSchema),
  capture: z.strictObject({
    entries: z.array(captureEntrySchema),
    dropped: z.number().describe('entries older than the ring kept'),
    maxEntries: z.number(),
  }),
  limitsHit: z.array(z.string()).describe('every bound that was reached during the run, in words'),
  engine: engineFiguresSchema.optional(),
  cpuTime: z
    .strictObject({ userMs: z.number(), systemMs: z.number() })
    .optional()
    .describe("CPU time of the engine's process (every thread) from the start to the final batch; it includes other runs of that process at the same time"),
});
export type RunResult = z.infer<typeof resultSchema>;
