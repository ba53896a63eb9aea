import { z } from 'zod';
import { socketOptionsSchema } from './socket-options.js';

export const profileSchemaId = 'sockscope.profile/1';

/** The I/O models the engine implements. Each is one backend behind one C++ interface. */
export const ioModels = ['blocking', 'select', 'epoll'] as const;
export type IoModel = (typeof ioModels)[number];

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
]);
export type Workload = z.infer<typeof workloadSchema>;
export type WorkloadKind = Workload['kind'];

const endpointSchema = z.strictObject({
  id: endpointIdSchema,
  role: z.enum(['server', 'client']),
  transport: z.enum(['tcp', 'udp']),
  model: z.enum(ioModels),
  listen: hostPortSchema.optional().describe('servers: where to listen'),
  connect: z
    .union([z.strictObject({ endpoint: endpointIdSchema }), hostPortSchema])
    .optional()
    .describe('clients: a server endpoint of this profile, or an address'),
  connections: z.int().min(1).max(100000).default(1).describe('clients: how many connections (UDP: sockets) to open'),
  threads: z.int().min(1).max(256).optional().describe('I/O threads for the reactor models (default 1)'),
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
};

const exactlyOnePayload = (send: { text?: string | undefined; hex?: string | undefined }) => (send.text === undefined) !== (send.hex === undefined);

/** A live command's body: what to do to the connections it is aimed at. */
export const commandBodySchema = z.discriminatedUnion('do', [
  z.strictObject(commandBodies.shutdown),
  z.strictObject(commandBodies.close),
  z.strictObject(commandBodies.setOption),
  z.strictObject(commandBodies.send).refine(exactlyOnePayload, 'a send takes exactly one of "text" or "hex"'),
]);
export type CommandBody = z.infer<typeof commandBodySchema>;

export const actionSchema = z.discriminatedUnion('do', [
  z.strictObject({ ...actionTarget, ...commandBodies.shutdown }),
  z.strictObject({ ...actionTarget, ...commandBodies.close }),
  z.strictObject({ ...actionTarget, ...commandBodies.setOption }),
  z.strictObject({ ...actionTarget, ...commandBodies.send }),
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
  tcp: ['echo', 'sink', 'bulk', 'ping-pong', 'manual'],
  udp: ['echo', 'sink', 'manual'],
};
const clientWorkloads: Record<'tcp' | 'udp', readonly WorkloadKind[]> = {
  tcp: ['echo', 'sink', 'bulk', 'ping-pong', 'manual'],
  udp: ['bulk', 'ping-pong', 'manual'],
};

/** Cross-field rules a plain shape cannot say: roles, references between endpoints and actions. */
function checkReferences(profile: { endpoints: EndpointSpec[]; actions: ActionSpec[] }, ctx: z.RefinementCtx): void {
  const byId = new Map<string, EndpointSpec>();
  profile.endpoints.forEach((endpoint, index) => {
    const at = (...rest: (string | number)[]) => ['endpoints', index, ...rest];
    if (byId.has(endpoint.id)) ctx.addIssue({ code: 'custom', path: at('id'), message: `duplicate endpoint id "${endpoint.id}"` });
    byId.set(endpoint.id, endpoint);
    const allowed = (endpoint.role === 'server' ? serverWorkloads : clientWorkloads)[endpoint.transport];
    if (!allowed.includes(endpoint.workload.kind)) {
      ctx.addIssue({
        code: 'custom',
        path: at('workload', 'kind'),
        message: `a ${endpoint.transport} ${endpoint.role} cannot run "${endpoint.workload.kind}"; choose one of ${allowed.join(', ')}`,
      });
    }
    if (endpoint.role === 'server') {
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
  });
  profile.endpoints.forEach((endpoint, index) => {
    if (!endpoint.connect || !('endpoint' in endpoint.connect)) return;
    const target = byId.get(endpoint.connect.endpoint);
    const path = ['endpoints', index, 'connect', 'endpoint'];
    if (!target) ctx.addIssue({ code: 'custom', path, message: `no endpoint with id "${endpoint.connect.endpoint}"` });
    else if (target.role !== 'server') ctx.addIssue({ code: 'custom', path, message: `"${target.id}" is a client; connect to a server` });
    else if (target.transport !== endpoint.transport) {
      ctx.addIssue({ code: 'custom', path, message: `"${target.id}" is ${target.transport}, this client is ${endpoint.transport}` });
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
  });
}
