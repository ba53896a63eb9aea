import { z } from 'zod';
import { faultSetSchema } from './proxy-faults.js';
import { socketOptionsSchema } from './socket-options.js';

export const profileSchemaId = 'sockscope.profile/1';

/** The I/O models the engine implements. Each is one backend behind one C++ interface. */
export const ioModels = ['blocking', 'select', 'epoll', 'overlapped', 'completion-port', 'libuv'] as const;
export type IoModel = (typeof ioModels)[number];
/** The models that post operations and take completions; they run on one of the backends below. */
export const proactorModels: readonly IoModel[] = ['overlapped', 'completion-port'];
/** The models a proxy runs on: readiness reactors, which pair a proxied connection's two sockets on one thread. */
export const proxyModels: readonly IoModel[] = ['select', 'epoll'];
export const endpointRoles = ['server', 'client', 'proxy'] as const;
export type EndpointRole = (typeof endpointRoles)[number];
/** How a proactor model reaches the kernel: io_uring, or operations emulated over epoll; auto = io_uring when it works. */
export const ioBackends = ['auto', 'io_uring', 'epoll'] as const;
export type IoBackend = (typeof ioBackends)[number];
/**
 * Where a proactor model's reads get their buffers: each posted read pins one of its own until it
 * completes, or reads draw from a bounded pool only once data is there (IOCP's zero-byte receive;
 * an io_uring provided buffer ring), so an idle connection pins nothing.
 */
export const readBufferStrategies = ['per-operation', 'pool'] as const;
export type ReadBufferStrategy = (typeof readBufferStrategies)[number];
/** The most bytes one endpoint's read buffer pool may hold. */
export const maxReadPoolBytes = 256 * 1024 * 1024;

const endpointIdSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_-]{0,31}$/, 'an id is a letter followed by up to 31 letters, digits, "_" or "-"');

export const hostPortSchema = z.strictObject({
  host: z.string().min(1).max(253).describe('IPv4 or IPv6 address, or a host name'),
  port: z.int().min(0).max(65535).describe('0 = any free port (servers only)'),
});

/** Limits on one read or write buffer: large enough for a bulk stream, small enough to bound memory. */
export const maxIoBytes = 4 * 1024 * 1024;
/** The largest UDP payload over IPv4. */
export const maxDatagramBytes = 65507;

const fieldWidthSchema = z.union([z.literal(1), z.literal(2), z.literal(4)]);

/** The length-prefixed frame [size][id][payload] of the framed workloads, and the receiver's limits. */
export const frameFormatSchema = z.strictObject({
  sizeBytes: fieldWidthSchema.default(2).describe('width of the size field in bytes'),
  idBytes: fieldWidthSchema.default(2).describe('width of the id field in bytes'),
  byteOrder: z.enum(['little', 'big']).default('little'),
  sizeIncludesHeader: z.boolean().default(true).describe('the size counts the header as well as the payload'),
  maxFrameBytes: z.int().min(2).max(maxIoBytes).default(4096).describe('the largest frame accepted, header included; a larger one closes the connection'),
  stallTimeoutMs: z
    .int()
    .min(1)
    .max(600000)
    .default(5000)
    .describe('a frame begun must be whole within this long, or the connection closes (a stalled or trickling sender)'),
});
export type FrameFormat = z.infer<typeof frameFormatSchema>;

/** Payload sizes of the requests a client sends. */
export const payloadSizeSchema = z.discriminatedUnion('distribution', [
  z.strictObject({ distribution: z.literal('fixed'), bytes: z.int().min(0).max(maxIoBytes) }),
  z.strictObject({ distribution: z.literal('uniform'), minBytes: z.int().min(0).max(maxIoBytes), maxBytes: z.int().min(0).max(maxIoBytes) }),
]);
export type PayloadSize = z.infer<typeof payloadSizeSchema>;

/** What a chat server does with a member whose queue would pass memberQueueBytes. */
export const chatOverflowPolicies = ['drop-messages', 'drop-member'] as const;
/** Bytes a chat message carries before any filler: the sender's sequence and its send time. */
export const chatMessageHeadBytes = 16;
/** Chat settings the schema leaves open, filled in for the engine: a server's rooms and member queue, a client's message size (a client's rooms default to its server's). */
export const chatDefaults = { rooms: 1, memberQueueBytes: 256 * 1024, messageBytes: 64 } as const;
/** What a broadcast adds in front of the chat message: the sender's member number. */
export const chatMemberBytes = 4;
/** The chat fields only a server or only a client takes. */
const chatServerFields = ['memberQueueBytes', 'overflow'] as const;
const chatClientFields = ['room', 'messageBytes', 'messagesPerSecond', 'totalMessages', 'readBytesPerSecond', 'startWhenMembers'] as const;

/** The framing rules a malformed client breaks on purpose. */
export const frameViolations = ['size-below-header', 'size-above-maximum', 'stalled-mid-frame'] as const;

export const workloadSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('echo').describe('send back every byte read; after the peer shuts down writing, finish echoing and close'),
    messageBytes: z
      .int()
      .min(1)
      .max(maxIoBytes)
      .optional()
      .describe('answer whole requests of this size with one write each (a request/response server), instead of echoing bytes as they arrive'),
  }),
  z.strictObject({
    kind: z.literal('sink').describe('read and discard, checking the bulk pattern when the peer sends one'),
    readBytesPerSecond: z.int().min(1).optional().describe('read no faster than this: a slow reader'),
  }),
  z.strictObject({
    kind: z.literal('bulk').describe('write a patterned stream as fast as possible or at a rate'),
    writeBytes: z.int().min(1).max(maxIoBytes).default(65536).describe('bytes offered per write call (datagram size for UDP)'),
    totalBytes: z.int().min(1).optional().describe('stop after this many bytes'),
    bytesPerSecond: z.int().min(1).optional().describe('pace the stream'),
    thenShutdownWrite: z.boolean().default(false).describe('shutdown(SHUT_WR) once totalBytes are written'),
  }),
  z.strictObject({
    kind: z.literal('ping-pong').describe('send a message, wait for the whole echo, measure the round trip, repeat'),
    messageBytes: z.int().min(1).max(maxIoBytes).default(64),
    writesPerMessage: z.int().min(1).max(16).default(1).describe('split each message over this many write calls (2 triggers Nagle against delayed ACK)'),
    messagesPerSecond: z.int().min(1).optional().describe('pace the messages; unpaced sends the next as soon as the echo arrives'),
    totalMessages: z.int().min(1).optional(),
    timeoutMs: z.int().min(1).max(600000).default(1000).describe('a UDP message with no answer after this long counts as lost'),
  }),
  z.strictObject({
    kind: z.literal('manual').describe('idle: sends only what an action or the user sends; reads and records what arrives'),
  }),
  z.strictObject({
    kind: z.literal('framed-echo').describe('reassemble [size][id][payload] frames and echo each whole one; close a connection that breaks the framing rules'),
    frame: frameFormatSchema.prefault({}),
  }),
  z.strictObject({
    kind: z.literal('request-response').describe('send framed requests, match each response by id, measure the latency per request'),
    frame: frameFormatSchema.prefault({}),
    payload: payloadSizeSchema.default({ distribution: 'fixed', bytes: 32 }),
    requestsPerSecond: z.int().min(1).max(1_000_000).optional().describe('per connection; unpaced sends whenever fewer than maxInFlight await an answer'),
    maxInFlight: z.int().min(1).max(4096).default(1).describe('requests awaiting their response at most (more than 1 pipelines them)'),
    totalRequests: z.int().min(1).optional(),
  }),
  z.strictObject({
    kind: z.literal('malformed').describe('send a frame that breaks a framing rule, after some good ones, and wait for the server to close'),
    frame: frameFormatSchema.prefault({}).describe("the server's frame format, to break it precisely"),
    violation: z.enum(frameViolations).describe('the rule the bad frame breaks'),
    goodFramesBefore: z.int().min(0).max(100000).default(0).describe('well-formed frames sent (in the same write) before the bad one'),
    payloadBytes: z.int().min(0).max(maxIoBytes).default(32).describe('payload of the good frames, and of the frame that stalls'),
  }),
  z.strictObject({
    kind: z
      .literal('chat')
      .describe('chat rooms: a client joins a room and talks; the server broadcasts each message to the whole room from one shared encoding, each room on its own job queue'),
    frame: frameFormatSchema.prefault({}),
    rooms: z
      .int()
      .min(1)
      .max(65536)
      .optional()
      .describe("server: its rooms (default 1); client: the rooms its connections spread over, connection i in room i % rooms (default the server's)"),
    memberQueueBytes: z
      .int()
      .min(1)
      .max(1024 * 1024 * 1024)
      .optional()
      .describe('server: bytes queued for one member at most, its inbox and send queue together (default 262144)'),
    overflow: z.enum(chatOverflowPolicies).optional().describe('server: a member whose queue is full loses that message (drop-messages, the default) or is closed (drop-member)'),
    room: z.int().min(0).max(65535).optional().describe('client: the room every connection joins (default: spread over the rooms)'),
    messageBytes: z
      .int()
      .min(chatMessageHeadBytes)
      .max(maxIoBytes)
      .optional()
      .describe(`client: chat payload bytes, at least ${chatMessageHeadBytes} (sequence and send time) (default 64)`),
    messagesPerSecond: z.int().min(1).max(1_000_000).optional().describe('client: per connection; unpaced keeps up to 64 KiB of its messages queued'),
    totalMessages: z.int().min(1).optional().describe('client: per connection; stop talking (and keep listening) after this many'),
    readBytesPerSecond: z.int().min(1).optional().describe('client: read no faster than this: a slow member'),
    startWhenMembers: z
      .int()
      .min(1)
      .max(100000)
      .optional()
      .describe('client: start talking once the room has this many members, so every member hears every message (default: once joined)'),
  }),
  z.strictObject({
    kind: z.literal('proxy').describe('a proxy endpoint carries each accepted connection on to its upstream, injecting these faults'),
    toServer: faultSetSchema.default({}).describe('faults on the bytes from the client to the server'),
    toClient: faultSetSchema.default({}).describe('faults on the bytes from the server to the client'),
    seed: z.int().min(0).max(Number.MAX_SAFE_INTEGER).default(1).describe('seeds the draws of each connection\'s faults and jitter: the same seed draws the same faults for the same connections'),
  }),
]);
export type Workload = z.infer<typeof workloadSchema>;
export type WorkloadKind = Workload['kind'];

const endpointSchema = z.strictObject({
  id: endpointIdSchema,
  role: z.enum(endpointRoles).describe('proxy: listens like a server and carries each connection on to its "connect" target, injecting faults'),
  transport: z.enum(['tcp', 'udp']),
  model: z.enum(ioModels),
  listen: hostPortSchema.optional().describe('servers and proxies: where to listen'),
  connect: z
    .union([z.strictObject({ endpoint: endpointIdSchema }), hostPortSchema])
    .optional()
    .describe('clients: a server or proxy endpoint of this profile, or an address; proxies: their upstream, a server endpoint or an address'),
  connections: z.int().min(1).max(100000).default(1).describe('clients: how many connections (UDP: sockets) to open'),
  threads: z.int().min(1).max(256).optional().describe('I/O threads (default 1; completion-port: its worker pool, default the number of cores)'),
  backend: z.enum(ioBackends).optional().describe('overlapped and completion-port: io_uring, the epoll emulation, or auto (io_uring when the kernel allows it)'),
  readBuffers: z
    .enum(readBufferStrategies)
    .optional()
    .describe('overlapped and completion-port, TCP: per-operation (default: each posted read pins a buffer of its own) or pool (reads take a buffer from a bounded pool only once data is there)'),
  readPool: z
    .strictObject({
      buffers: z.int().min(1).max(32768).default(256).describe("the endpoint's pool, shared out among its completion queues (overlapped: one per thread)"),
      bufferBytes: z.int().min(1024).max(1024 * 1024).default(16384).describe('each buffer, so the most one read takes'),
    })
    .optional()
    .describe('readBuffers "pool": its size (default 256 buffers of 16 KiB); when every buffer is held, reads wait for one and the result counts it'),
  backlog: z.int().min(1).max(65535).default(511).describe('servers: listen() backlog'),
  udpConnected: z.boolean().default(true).describe('UDP clients: connect() the socket so only the server can answer'),
  options: socketOptionsSchema.default({}),
  workload: workloadSchema,
});
export type EndpointSpec = z.infer<typeof endpointSchema>;
export type EndpointInput = z.input<typeof endpointSchema>;

const actionTarget = {
  atMs: z.int().min(0).describe('when, from the start of the run'),
  endpoint: endpointIdSchema,
  connection: z.int().min(0).optional().describe('index of the connection in the endpoint (default: all of them)'),
};

/** What each kind of action or live command does, apart from when and to whom. */
const commandBodies = {
  shutdown: { do: z.literal('shutdown'), how: z.enum(['read', 'write', 'both']) },
  close: { do: z.literal('close'), abortive: z.boolean().default(false).describe('true: linger 0, the peer sees a reset') },
  setOption: { do: z.literal('set-option'), options: socketOptionsSchema },
  send: {
    do: z.literal('send'),
    text: z.string().max(maxIoBytes).optional(),
    hex: z.string().max(maxIoBytes * 2).regex(/^(?:[0-9a-fA-F]{2}\s*)*$/, 'hex is pairs of hex digits').optional(),
    encoding: z.enum(['utf8', 'utf16le']).default('utf8').describe('how text becomes bytes'),
  },
  restartListener: {
    do: z.literal('restart-listener').describe('TCP servers: close the listening socket and listen again at the same address and port; accepted connections stay open'),
    options: socketOptionsSchema.default({}).describe('applied to the new listener over the endpoint\'s own options, such as {"reuseAddr": false}'),
  },
};

const exactlyOnePayload = (send: { text?: string | undefined; hex?: string | undefined }) => (send.text === undefined) !== (send.hex === undefined);

/** A live command's body: what to do to the connections it is aimed at. */
export const commandBodySchema = z.discriminatedUnion('do', [
  z.strictObject(commandBodies.shutdown),
  z.strictObject(commandBodies.close),
  z.strictObject(commandBodies.setOption),
  z.strictObject(commandBodies.send).refine(exactlyOnePayload, 'a send takes exactly one of "text" or "hex"'),
  z.strictObject(commandBodies.restartListener),
]);
export type CommandBody = z.infer<typeof commandBodySchema>;

export const actionSchema = z.discriminatedUnion('do', [
  z.strictObject({ ...actionTarget, ...commandBodies.shutdown }),
  z.strictObject({ ...actionTarget, ...commandBodies.close }),
  z.strictObject({ ...actionTarget, ...commandBodies.setOption }),
  z.strictObject({ ...actionTarget, ...commandBodies.send }),
  z.strictObject({ ...actionTarget, ...commandBodies.restartListener }),
]);
export type ActionSpec = z.infer<typeof actionSchema>;

export const captureSettingsSchema = z.strictObject({
  enabled: z.boolean().default(true),
  maxEntries: z.int().min(16).max(1_000_000).default(65536).describe('ring size: older entries are dropped and counted'),
  previewBytes: z.int().min(0).max(256).default(64).describe('first bytes of each payload kept'),
});

export const limitsSchema = z.strictObject({
  seriesConnections: z.int().min(0).max(10000).default(64).describe('connections of each endpoint that keep a sampled series (the first ones, by index); the rest are aggregated per endpoint'),
  maxSamplesPerConnection: z.int().min(10).max(1_000_000).default(6000).describe('samples kept per connection (a ring)'),
  maxEventsPerConnection: z.int().min(10).max(100000).default(1000).describe('events kept per connection (a ring)'),
});

export const profileSchema = z
  .strictObject({
    $schema: z.string().optional().describe('editor hint: path or URL of the JSON Schema'),
    schema: z.literal(profileSchemaId),
    name: z.string().min(1).max(200),
    description: z.string().max(20000).default(''),
    durationMs: z.int().min(1).max(24 * 3600 * 1000),
    sampleEveryMs: z.int().min(10).max(60000).default(100),
    endpoints: z.array(endpointSchema).min(1).max(64),
    actions: z.array(actionSchema).max(10000).default([]),
    capture: captureSettingsSchema.default({ enabled: true, maxEntries: 65536, previewBytes: 64 }),
    limits: limitsSchema.default({ seriesConnections: 64, maxSamplesPerConnection: 6000, maxEventsPerConnection: 1000 }),
  })
  .superRefine(checkReferences);

export type Profile = z.infer<typeof profileSchema>;
export type ProfileInput = z.input<typeof profileSchema>;

const serverWorkloads: Record<'tcp' | 'udp', readonly WorkloadKind[]> = {
  tcp: ['echo', 'sink', 'bulk', 'ping-pong', 'manual', 'framed-echo', 'chat'],
  udp: ['echo', 'sink', 'manual'],
};
const clientWorkloads: Record<'tcp' | 'udp', readonly WorkloadKind[]> = {
  tcp: ['echo', 'sink', 'bulk', 'ping-pong', 'manual', 'request-response', 'malformed', 'chat'],
  udp: ['bulk', 'ping-pong', 'manual'],
};

/** The workloads the libuv model (Node's net and dgram, src-main/engine/libuv/) implements. */
const libuvWorkloads: readonly WorkloadKind[] = ['echo', 'sink', 'bulk', 'ping-pong', 'manual'];

/** readBuffers and readPool: proactor models only, the pool for TCP only, and a bounded pool. */
function checkReadBuffers(endpoint: EndpointSpec, at: (...rest: (string | number)[]) => (string | number)[], ctx: z.RefinementCtx): void {
  if (endpoint.readBuffers !== undefined && !proactorModels.includes(endpoint.model)) {
    ctx.addIssue({
      code: 'custom',
      path: at('readBuffers'),
      message: `"readBuffers" is for the ${proactorModels.join(' and ')} models, which post reads with buffers; "${endpoint.model}" reads when a socket is ready`,
    });
  }
  if (endpoint.readBuffers === 'pool' && endpoint.transport !== 'tcp') {
    ctx.addIssue({ code: 'custom', path: at('readBuffers'), message: 'the read buffer pool is for TCP endpoints; a UDP endpoint keeps "per-operation"' });
  }
  if (endpoint.readPool !== undefined) {
    if (endpoint.readBuffers !== 'pool') {
      ctx.addIssue({ code: 'custom', path: at('readPool'), message: '"readPool" sizes the pool of "readBuffers": "pool"; set that, or remove "readPool"' });
    } else if (endpoint.readPool.buffers * endpoint.readPool.bufferBytes > maxReadPoolBytes) {
      ctx.addIssue({
        code: 'custom',
        path: at('readPool'),
        message: `a read buffer pool holds at most ${maxReadPoolBytes / 2 ** 20} MiB; ${endpoint.readPool.buffers} buffers of ${endpoint.readPool.bufferBytes} bytes are more`,
      });
    }
  }
}

/** Cross-field rules a plain shape cannot say: roles, references between endpoints and actions. */
function checkReferences(profile: { endpoints: EndpointSpec[]; actions: ActionSpec[] }, ctx: z.RefinementCtx): void {
  const byId = new Map<string, EndpointSpec>();
  profile.endpoints.forEach((endpoint, index) => {
    const at = (...rest: (string | number)[]) => ['endpoints', index, ...rest];
    if (byId.has(endpoint.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate endpoint id "${endpoint.id}"` });
    byId.set(endpoint.id, endpoint);
    if (endpoint.role === 'proxy') {
      checkProxy(endpoint, at, ctx);
    } else {
      const allowed = (endpoint.role === 'server' ? serverWorkloads : clientWorkloads)[endpoint.transport];
      if (!allowed.includes(endpoint.workload.kind)) {
        ctx.addIssue({
          code: 'custom',
          path: at('workload', 'kind'),
          message: endpoint.workload.kind === 'proxy'
            ? 'only a proxy endpoint runs "proxy"; set "role": "proxy"'
            : `a ${endpoint.transport} ${endpoint.role} cannot run "${endpoint.workload.kind}"; choose one of ${allowed.join(', ')}`,
        });
      }
    }
    if (endpoint.backend !== undefined && !proactorModels.includes(endpoint.model)) {
      ctx.addIssue({ code: 'custom', path: at('backend'), message: `"backend" is for the ${proactorModels.join(' and ')} models; "${endpoint.model}" has none` });
    }
    checkReadBuffers(endpoint, at, ctx);
    if (endpoint.model === 'libuv' && endpoint.role !== 'proxy' && !libuvWorkloads.includes(endpoint.workload.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: at('workload', 'kind'),
        message: `the libuv model runs ${libuvWorkloads.join(', ')}; "${endpoint.workload.kind}" runs in the engine's own models`,
      });
    }
    if (endpoint.role === 'proxy') {
      if (!endpoint.listen) ctx.addIssue({ code: 'custom', path: at('listen'), message: 'a proxy needs "listen": {"host", "port"}, where its clients connect' });
      if (!endpoint.connect) ctx.addIssue({ code: 'custom', path: at('connect'), message: 'a proxy needs "connect": {"endpoint"} or {"host", "port"}, its upstream' });
      if (endpoint.connect && 'port' in endpoint.connect && endpoint.connect.port === 0) {
        ctx.addIssue({ code: 'custom', path: at('connect', 'port'), message: 'a proxy cannot connect to port 0' });
      }
    } else if (endpoint.role === 'server') {
      if (!endpoint.listen) ctx.addIssue({ code: 'custom', path: at('listen'), message: 'a server needs "listen": {"host", "port"}' });
      if (endpoint.connect) ctx.addIssue({ code: 'custom', path: at('connect'), message: 'a server listens; "connect" is for clients' });
    } else {
      if (!endpoint.connect) ctx.addIssue({ code: 'custom', path: at('connect'), message: 'a client needs "connect": {"endpoint"} or {"host", "port"}' });
      if (endpoint.listen) ctx.addIssue({ code: 'custom', path: at('listen'), message: 'a client connects; "listen" is for servers' });
      if (endpoint.connect && 'port' in endpoint.connect && endpoint.connect.port === 0) {
        ctx.addIssue({ code: 'custom', path: at('connect', 'port'), message: 'a client cannot connect to port 0' });
      }
    }
    if (endpoint.transport === 'udp' && endpoint.workload.kind === 'bulk' && endpoint.workload.writeBytes > maxDatagramBytes) {
      ctx.addIssue({ code: 'custom', path: at('workload', 'writeBytes'), message: `a UDP datagram carries at most ${maxDatagramBytes} bytes` });
    }
    if (endpoint.transport === 'udp' && endpoint.workload.kind === 'ping-pong' && endpoint.workload.messageBytes > maxDatagramBytes) {
      ctx.addIssue({ code: 'custom', path: at('workload', 'messageBytes'), message: `a UDP datagram carries at most ${maxDatagramBytes} bytes` });
    }
    checkFraming(endpoint.workload, (...rest) => at('workload', ...rest), ctx);
    checkChatRole(endpoint, (...rest) => at('workload', ...rest), ctx);
  });
  profile.endpoints.forEach((endpoint, index) => {
    if (!endpoint.connect || !('endpoint' in endpoint.connect)) return;
    const target = byId.get(endpoint.connect.endpoint);
    const path = ['endpoints', index, 'connect', 'endpoint'];
    if (!target) ctx.addIssue({ code: 'custom', path, message: `no endpoint with id "${endpoint.connect.endpoint}"` });
    else if (target.role === 'client') ctx.addIssue({ code: 'custom', path, message: `"${target.id}" is a client; connect to a server${endpoint.role === 'client' ? ' or a proxy' : ''}` });
    else if (endpoint.role === 'proxy' && target.role !== 'server') {
      ctx.addIssue({ code: 'custom', path, message: `"${target.id}" is a proxy; a proxy's upstream is a server endpoint or an address` });
    } else if (target.transport !== endpoint.transport) {
      ctx.addIssue({ code: 'custom', path, message: `"${target.id}" is ${target.transport}, this ${endpoint.role} is ${endpoint.transport}` });
    } else {
      // Through a proxy, the frames reach the proxy's upstream server.
      const server = target.role === 'proxy' ? upstreamServerOf(target, byId) : target;
      if (server && 'frame' in endpoint.workload && 'frame' in server.workload && !sameFrameFormat(endpoint.workload.frame, server.workload.frame)) {
        ctx.addIssue({ code: 'custom', path: ['endpoints', index, 'workload', 'frame'], message: `the frame format differs from that of "${server.id}"` });
      }
      if (server && endpoint.workload.kind === 'chat') {
        if (server.workload.kind !== 'chat') {
          ctx.addIssue({ code: 'custom', path: ['endpoints', index, 'workload', 'kind'], message: `"${server.id}" runs ${server.workload.kind}, not a chat server` });
        } else {
          const serverRooms = server.workload.rooms ?? chatDefaults.rooms;
          if (endpoint.workload.room !== undefined && endpoint.workload.room >= serverRooms) {
            ctx.addIssue({ code: 'custom', path: ['endpoints', index, 'workload', 'room'], message: `"${server.id}" has ${serverRooms} room${serverRooms === 1 ? '' : 's'}: rooms 0 to ${serverRooms - 1}` });
          }
          if (endpoint.workload.rooms !== undefined && endpoint.workload.rooms > serverRooms) {
            ctx.addIssue({ code: 'custom', path: ['endpoints', index, 'workload', 'rooms'], message: `"${server.id}" has only ${serverRooms} room${serverRooms === 1 ? '' : 's'}` });
          }
        }
      }
    }
  });
  profile.actions.forEach((action, index) => {
    const target = byId.get(action.endpoint);
    if (!target) {
      ctx.addIssue({ code: 'custom', path: ['actions', index, 'endpoint'], message: `no endpoint with id "${action.endpoint}"` });
      return;
    }
    if (action.do === 'send' && (action.text === undefined) === (action.hex === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['actions', index], message: 'a send action takes exactly one of "text" or "hex"' });
    }
    if (target.transport === 'udp' && (action.do === 'shutdown' || (action.do === 'close' && action.abortive))) {
      ctx.addIssue({ code: 'custom', path: ['actions', index, 'do'], message: 'shutdown and abortive close are TCP only' });
    }
    if (action.do === 'restart-listener') {
      if (target.model === 'libuv') {
        ctx.addIssue({ code: 'custom', path: ['actions', index, 'do'], message: `"${target.id}" is a libuv server: the libuv model does not restart listeners (libuv always sets SO_REUSEADDR on them)` });
      }
      if (target.role !== 'server' || target.transport !== 'tcp') {
        ctx.addIssue({ code: 'custom', path: ['actions', index, 'endpoint'], message: `"${target.id}" has no listener: restart-listener is for TCP servers` });
      }
      if (action.connection !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['actions', index, 'connection'], message: 'restart-listener acts on the endpoint\'s listener, not on a connection' });
      }
    }
  });
}

/** A chat server takes no client fields and a client no server fields, so a setting never silently does nothing. */
function checkChatRole(endpoint: EndpointSpec, at: (...rest: (string | number)[]) => (string | number)[], ctx: z.RefinementCtx): void {
  const workload = endpoint.workload;
  if (workload.kind !== 'chat') return;
  const misplaced = endpoint.role === 'server' ? chatClientFields : chatServerFields;
  for (const field of misplaced) {
    if (workload[field] !== undefined) {
      ctx.addIssue({ code: 'custom', path: at(field), message: `"${field}" is for chat ${endpoint.role === 'server' ? 'clients' : 'servers'}; this endpoint is a ${endpoint.role}` });
    }
  }
}

/** The server endpoint a proxy carries its connections on to, when it names one. */
export function upstreamServerOf(proxy: EndpointSpec, byId: Map<string, EndpointSpec>): EndpointSpec | undefined {
  if (!proxy.connect || !('endpoint' in proxy.connect)) return undefined;
  const server = byId.get(proxy.connect.endpoint);
  return server?.role === 'server' ? server : undefined;
}

/** A proxy's own rules: TCP on a reactor model, the proxy workload, faults that can act. */
function checkProxy(endpoint: EndpointSpec, at: (...rest: (string | number)[]) => (string | number)[], ctx: z.RefinementCtx): void {
  if (endpoint.transport !== 'tcp') ctx.addIssue({ code: 'custom', path: at('transport'), message: 'a proxy carries TCP connections; set "transport": "tcp"' });
  if (!proxyModels.includes(endpoint.model)) {
    ctx.addIssue({
      code: 'custom',
      path: at('model'),
      message: `a proxy runs on ${proxyModels.join(' or ')}: it pairs each accepted connection with its upstream connection on one reactor thread, which "${endpoint.model}" does not have`,
    });
  }
  const workload = endpoint.workload;
  if (workload.kind !== 'proxy') {
    ctx.addIssue({ code: 'custom', path: at('workload', 'kind'), message: `a proxy runs the "proxy" workload, not "${workload.kind}"` });
    return;
  }
  for (const direction of ['toServer', 'toClient'] as const) {
    const reset = workload[direction].reset;
    if (reset && reset.afterBytes === undefined && reset.afterMs === undefined) {
      ctx.addIssue({ code: 'custom', path: at('workload', direction, 'reset'), message: 'a reset needs "afterBytes" or "afterMs"' });
    }
  }
}

/** The largest frame a size field of this format can announce, header included. */
export function largestAnnounceableFrameBytes(frame: FrameFormat): number {
  return 2 ** (8 * frame.sizeBytes) - 1 + (frame.sizeIncludesHeader ? 0 : frame.sizeBytes + frame.idBytes);
}

function sameFrameFormat(a: FrameFormat, b: FrameFormat): boolean {
  return (
    a.sizeBytes === b.sizeBytes &&
    a.idBytes === b.idBytes &&
    a.byteOrder === b.byteOrder &&
    a.sizeIncludesHeader === b.sizeIncludesHeader &&
    a.maxFrameBytes === b.maxFrameBytes
  );
}

/** Rules between the framing settings: frames that fit, ids enough for the requests in flight, violations that can be sent. */
function checkFraming(workload: Workload, at: (...rest: (string | number)[]) => (string | number)[], ctx: z.RefinementCtx): void {
  if (!('frame' in workload)) return;
  const frame = workload.frame;
  const headerBytes = frame.sizeBytes + frame.idBytes;
  const largestFrame = Math.min(frame.maxFrameBytes, largestAnnounceableFrameBytes(frame));
  if (frame.maxFrameBytes < headerBytes) {
    ctx.addIssue({ code: 'custom', path: at('frame', 'maxFrameBytes'), message: `a frame is at least its ${headerBytes}-byte header` });
  }
  const largestPayload = largestFrame - headerBytes;
  const payloadTooLarge = (bytes: number, path: (string | number)[]) => {
    if (bytes > largestPayload) {
      ctx.addIssue({ code: 'custom', path, message: `a payload of ${bytes} bytes does not fit: frames carry at most ${largestPayload} bytes after the ${headerBytes}-byte header` });
    }
  };
  if (workload.kind === 'request-response') {
    if (workload.payload.distribution === 'fixed') payloadTooLarge(workload.payload.bytes, at('payload', 'bytes'));
    else {
      payloadTooLarge(workload.payload.maxBytes, at('payload', 'maxBytes'));
      if (workload.payload.minBytes > workload.payload.maxBytes) {
        ctx.addIssue({ code: 'custom', path: at('payload', 'minBytes'), message: 'minBytes is larger than maxBytes' });
      }
    }
    const ids = 2 ** (8 * frame.idBytes);
    if (workload.maxInFlight > ids) {
      ctx.addIssue({ code: 'custom', path: at('maxInFlight'), message: `a ${frame.idBytes}-byte id tells at most ${ids} requests in flight apart` });
    }
  }
  if (workload.kind === 'chat') {
    // A broadcast carries the message and the sender's member number, in one frame.
    const largestMessage = largestPayload - chatMemberBytes;
    if (largestMessage < chatMessageHeadBytes) {
      ctx.addIssue({ code: 'custom', path: at('frame', 'maxFrameBytes'), message: `a broadcast frame needs room for at least ${headerBytes + chatMemberBytes + chatMessageHeadBytes} bytes` });
    } else if ((workload.messageBytes ?? chatDefaults.messageBytes) > largestMessage) {
      ctx.addIssue({
        code: 'custom',
        path: at('messageBytes'),
        message: `a chat message of ${workload.messageBytes ?? chatDefaults.messageBytes} bytes does not fit: its broadcast adds a ${chatMemberBytes}-byte member number, so messages carry at most ${largestMessage} bytes`,
      });
    }
  }
  if (workload.kind === 'malformed') {
    payloadTooLarge(workload.payloadBytes, at('payloadBytes'));
    if (workload.violation === 'size-below-header' && !frame.sizeIncludesHeader) {
      ctx.addIssue({ code: 'custom', path: at('violation'), message: 'a size that excludes the header cannot be smaller than it; set frame.sizeIncludesHeader' });
    }
    if (workload.violation === 'size-above-maximum' && frame.maxFrameBytes >= largestAnnounceableFrameBytes(frame)) {
      ctx.addIssue({
        code: 'custom',
        path: at('frame', 'maxFrameBytes'),
        message: `a ${frame.sizeBytes}-byte size field cannot announce more than ${largestAnnounceableFrameBytes(frame)} bytes; lower maxFrameBytes to send a frame above it`,
      });
    }
  }
}
