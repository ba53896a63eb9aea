import { z } from 'zod';
import { chatFiguresSchema } from './chat-figures.js';
import { commandBodySchema, readBufferStrategies } from './profile.js';
import { proxyCountersSchema, proxyDirections, proxyFaults } from './proxy-faults.js';
import { eventTypes } from './result.js';
import { appliedSocketOptionsSchema } from './socket-options.js';

/**
 * The engine host's message protocol. The same messages travel between the desktop's main
 * process and its utilityProcess, between the agent and its child process, and (as plain
 * calls) inside the CLI. Each side validates what it receives with these schemas.
 */

const count = z.number().nonnegative();

export const liveCountersSchema = z.strictObject({
  threads: count,
  connectionsOpen: count,
  connectionsTotal: count,
  accepts: count,
  connectionsRefused: count,
  reads: count,
  writes: count,
  bytesIn: count,
  bytesOut: count,
  wakeups: count,
  wouldBlock: count,
  messages: count,
  messagesLost: count,
  verifyErrors: count,
  datagramsOutOfOrder: count,
  datagramsMissing: count,
  errors: count,
  protocolViolations: count,
});

/** What a model shows of its architecture; the proactor models fill all of it, others what applies. */
export const liveModelCountersSchema = z.strictObject({
  operationsInFlight: count,
  bytesPinned: count,
  completionQueueDepth: count,
  operationsPosted: count,
  completions: count,
  buffersWritten: count,
  readBuffers: z.enum(readBufferStrategies).nullable().describe('proactor models: where reads got their buffers'),
  readPoolBytes: count,
  readPoolBuffers: count,
  readPoolBuffersInUse: count,
  readPoolPeakBuffersInUse: count,
  readsWaitingForBuffer: count,
  readPoolExhausted: count,
  timersQueued: count,
  timersQueuedPeak: count,
  workerCompletions: z.array(count),
  workerBusyUs: z.array(count),
  backend: z.string().nullable(),
  backendNote: z.string().nullable(),
});
export type LiveModelCounters = z.infer<typeof liveModelCountersSchema>;

export const liveLatencySchema = z.strictObject({ count, p50: count, p90: count, p99: count, max: count, mean: count });

/** One sampler pass over every open connection of an endpoint (src-main/native/src/engine.h). */
export const liveAggregateSchema = z.strictObject({
  connections: count,
  connectionsExchanged: count,
  seriesConnections: count,
  appSendQueueBytes: count,
  appSendQueueMaxBytes: count,
  kernelFigures: count,
  kernelFiguresMaxAgeUs: count,
  kernelSendQueueBytes: count,
  kernelSendQueueMaxBytes: count,
  kernelRecvQueueBytes: count,
  kernelRecvQueueMaxBytes: count,
  rttMeanUs: count,
  rttMaxUs: count,
  tcpStates: z.array(count).max(16).describe('connections per tcpi_state index'),
});

export const liveEndpointSchema = z.strictObject({
  counters: liveCountersSchema,
  model: liveModelCountersSchema.optional(),
  chat: chatFiguresSchema.optional(),
  latencyUs: liveLatencySchema.nullable(),
  errors: z.array(z.strictObject({ code: z.string(), message: z.string(), count })),
  applied: appliedSocketOptionsSchema.nullable(),
  connectionsWithoutSeries: count,
  aggregate: liveAggregateSchema.optional(),
  proxy: proxyCountersSchema.optional().describe('proxies only'),
});

/** What the engine's process and its sampler cost, measured in the pass that made the batch. */
export const liveEngineFiguresSchema = z.strictObject({
  residentBytes: count,
  threads: count,
  samplerPassUs: count,
  samplerPassCpuUs: count,
  connectionsVisited: count,
  kernelReads: count,
  descriptors: z.strictObject({ needed: count, softBefore: count, soft: count, hard: count }),
});

const nullableCount = count.nullable();

export const liveTcpInfoSchema = z.strictObject({
  state: z.int().min(0).max(15),
  retransmits: count,
  probes: count,
  rttUs: count,
  rttVarUs: count,
  cwndSegments: count,
  ssthreshSegments: count,
  mssBytes: count,
  unackedSegments: count,
  lostSegments: count,
  totalRetrans: count,
  segsIn: count,
  segsOut: count,
  dataSegsOut: nullableCount,
  notsentBytes: nullableCount,
  deliveryRateBytesPerS: nullableCount,
  busyTimeUs: nullableCount,
  rwndLimitedUs: nullableCount,
  sndbufLimitedUs: nullableCount,
  bytesRetrans: nullableCount,
  sndWndBytes: nullableCount,
  rcvWndBytes: nullableCount,
});

export const liveSampleSchema = z.strictObject({
  connectionId: count,
  endpoint: count,
  index: count,
  atUs: z.number(),
  bytesIn: count,
  bytesOut: count,
  appSendQueueBytes: count,
  sendQueueBytes: nullableCount,
  unsentBytes: nullableCount,
  recvQueueBytes: nullableCount,
  tcp: liveTcpInfoSchema.nullable(),
});

export const liveEventSchema = z.strictObject({
  atUs: z.number(),
  connectionId: count,
  endpoint: count,
  type: z.enum([...eventTypes, 'listen']),
  state: z.int().min(0).max(15).optional(),
  how: z.enum(['read', 'write', 'both']).optional(),
  abortive: z.boolean().optional(),
  code: z.string().optional(),
  message: z.string().optional(),
  local: z.string().optional(),
  remote: z.string().optional(),
  rule: z.string().optional(),
  header: z.string().optional(),
  fault: z.enum(proxyFaults).optional(),
  direction: z.enum(proxyDirections).optional(),
  reuseAddr: z.boolean().optional().describe('listen: SO_REUSEADDR on the new listener'),
  timeWaitSockets: count.optional().describe('listen: TCP sockets in TIME_WAIT on the port when the listener restarted'),
  timeWaitSource: z.string().optional().describe('listen: where that count came from ("sock_diag", or "/proc/net/tcp" as the fallback)'),
});

/** Capture records as parallel typed arrays (cheap to copy across a process boundary). */
export const liveCaptureSchema = z
  .strictObject({
    count,
    atUs: z.instanceof(Float64Array),
    connectionId: z.instanceof(Uint32Array),
    bytes: z.instanceof(Uint32Array),
    endpoint: z.instanceof(Uint16Array),
    direction: z.instanceof(Uint8Array).describe('0 = read, 1 = write'),
    previewLength: z.instanceof(Uint16Array),
    previews: z.instanceof(Uint8Array).describe('previewBytes per record'),
    previewBytes: count,
    dropped: count,
  })
  .refine(
    (capture) =>
      [capture.atUs, capture.connectionId, capture.bytes, capture.endpoint, capture.direction, capture.previewLength].every(
        (column) => column.length === capture.count,
      ) && capture.previews.length === capture.count * capture.previewBytes,
    'capture columns must all hold `count` records',
  );

export const liveBatchSchema = z.strictObject({
  sequence: count,
  atUs: z.number(),
  final: z.boolean(),
  eventsDropped: count,
  notices: z.array(z.string()),
  engine: liveEngineFiguresSchema.optional(),
  endpoints: z.array(liveEndpointSchema),
  samples: z.array(liveSampleSchema),
  events: z.array(liveEventSchema),
  capture: liveCaptureSchema,
});

export type LiveBatch = z.infer<typeof liveBatchSchema>;
export type LiveSample = z.infer<typeof liveSampleSchema>;
export type LiveEvent = z.infer<typeof liveEventSchema>;
export type LiveEndpoint = z.infer<typeof liveEndpointSchema>;
export type LiveAggregate = z.infer<typeof liveAggregateSchema>;
export type LiveEngineFigures = z.infer<typeof liveEngineFiguresSchema>;
export type LiveCapture = z.infer<typeof liveCaptureSchema>;

export const runProgressSchema = z.strictObject({
  elapsedMs: z.number(),
  durationMs: z.number(),
  bytesIn: count,
  bytesOut: count,
  connectionsOpen: count,
  connectionsTotal: count,
  latencyUs: z.strictObject({ p50: count, p99: count, count }).nullable(),
  errors: count,
});
export type RunProgress = z.infer<typeof runProgressSchema>;

/** A live command's target: one connection by id, or an endpoint's connections (all, or one by index). */
export const commandTargetSchema = z.union([
  z.strictObject({ connectionId: z.int().min(1) }),
  z.strictObject({ endpoint: z.string().min(1), connection: z.int().min(0).optional() }),
]);
export type CommandTarget = z.infer<typeof commandTargetSchema>;

const runId = z.string().min(1).max(64);

/** Parent to host. The profile is validated by the host, which owns the engine. */
export const hostRequestSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('start'), runId, profile: z.unknown(), durationMs: z.int().min(1).optional() }),
  z.strictObject({ type: z.literal('stop'), runId }),
  z.strictObject({ type: z.literal('command'), runId, requestId: z.int().min(0), target: commandTargetSchema, body: commandBodySchema }),
]);
export type HostRequest = z.infer<typeof hostRequestSchema>;

export const hostFailureSchema = z.strictObject({
  code: z.string(),
  message: z.string(),
  problems: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
});
export type HostFailure = z.infer<typeof hostFailureSchema>;

/** Host to parent. */
export const hostReplySchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('ready'), pid: z.int() }),
  z.strictObject({ type: z.literal('started'), runId, listen: z.array(z.string().nullable()) }),
  z.strictObject({ type: z.literal('batch'), runId, batch: liveBatchSchema, progress: runProgressSchema }),
  z.strictObject({ type: z.literal('finished'), runId, result: z.unknown().describe('a sockscope.result/1, validated with resultSchema') }),
  z.strictObject({ type: z.literal('failed'), runId, failure: hostFailureSchema }),
  z.strictObject({ type: z.literal('command-done'), runId, requestId: z.int().min(0), failure: hostFailureSchema.nullable() }),
  z.strictObject({ type: z.literal('protocol-error'), message: z.string() }),
]);
export type HostReply = z.infer<typeof hostReplySchema>;
