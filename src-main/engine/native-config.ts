import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { chatDefaults, type ActionSpec, type CommandBody, type EndpointSpec, type FrameFormat, type Profile, type Workload } from '../../src-shared/profile.js';
import type { FaultSet } from '../../src-shared/proxy-faults.js';
import type { SocketOptions } from '../../src-shared/socket-options.js';
import { EngineError } from './engine-error.js';
import type { NativeCommand, NativeConfig, NativeEndpoint, NativeFaultSet, NativeFrameFormat, NativeSocketOptions, NativeWorkload } from './native-engine.js';

/** Turns a validated profile into the addon's config: host names resolved, references made indexes. */
export async function toNativeConfig(profile: Profile): Promise<NativeConfig> {
  const indexById = new Map(profile.endpoints.map((endpoint, index) => [endpoint.id, index]));
  const endpoints = await Promise.all(profile.endpoints.map((endpoint) => toNativeEndpoint(endpoint, profile, indexById)));
  return {
    sampleEveryMs: profile.sampleEveryMs,
    captureEnabled: profile.capture.enabled,
    captureEntries: profile.capture.maxEntries,
    capturePreviewBytes: profile.capture.previewBytes,
    seriesConnections: profile.limits.seriesConnections,
    endpoints,
    actions: profile.actions.map((action) => toNativeAction(action, indexById)),
  };
}

async function toNativeEndpoint(endpoint: EndpointSpec, profile: Profile, indexById: Map<string, number>): Promise<NativeEndpoint> {
  const native: NativeEndpoint = {
    id: endpoint.id,
    role: endpoint.role,
    transport: endpoint.transport,
    model: endpoint.model,
    // A completion port's pool defaults to one worker per core, as IOCP servers size theirs.
    threads: endpoint.threads ?? (endpoint.model === 'completion-port' ? availableParallelism() : 1),
    ...(endpoint.backend !== undefined && { backend: endpoint.backend }),
    ...(endpoint.readBuffers !== undefined && { readBuffers: endpoint.readBuffers }),
    ...(endpoint.readPool !== undefined && { readPoolBuffers: endpoint.readPool.buffers, readPoolBufferBytes: endpoint.readPool.bufferBytes }),
    backlog: endpoint.backlog,
    udpConnected: endpoint.udpConnected,
    connections: endpoint.role === 'client' ? endpoint.connections : 1,
    verifyIncoming: receivesPattern(endpoint, profile),
    // A proxy's sockets send each piece at once (TCP_NODELAY), unless its options say otherwise,
    // so the slicer's pieces and the delay line's releases leave as segments of their own.
    options: endpoint.role === 'proxy' ? { noDelay: true, ...toNativeOptions(endpoint.options) } : toNativeOptions(endpoint.options),
    workload: toNativeWorkload(endpoint, profile),
  };
  if (endpoint.listen) {
    native.host = await resolveHost(endpoint.listen.host);
    native.port = endpoint.listen.port;
  }
  if (endpoint.connect && 'endpoint' in endpoint.connect) {
    native.connectEndpoint = indexById.get(endpoint.connect.endpoint) ?? -1;
  } else if (endpoint.connect && endpoint.role === 'proxy') {
    native.upstreamHost = await resolveHost(endpoint.connect.host);
    native.upstreamPort = endpoint.connect.port;
  } else if (endpoint.connect) {
    native.host = await resolveHost(endpoint.connect.host);
    native.port = endpoint.connect.port;
  }
  return native;
}

/** Whether every byte this endpoint reads is the bulk pattern, so the engine can check it. */
export function receivesPattern(endpoint: EndpointSpec, profile: Profile): boolean {
  if (endpoint.transport !== 'tcp' || (endpoint.workload.kind !== 'sink' && endpoint.workload.kind !== 'bulk')) return false;
  const targets = (other: EndpointSpec, id: string) => other.connect !== undefined && 'endpoint' in other.connect && other.connect.endpoint === id;
  // A proxy passes the stream on in order (its faults delay, cut or end it, never change it), so
  // the peers seen through a proxy are the ones at its other end.
  const through = (peer: EndpointSpec): EndpointSpec[] => {
    if (peer.role !== 'proxy') return [peer];
    if (endpoint.role === 'server') return profile.endpoints.filter((other) => other.role === 'client' && targets(other, peer.id));
    const upstream = peer.connect && 'endpoint' in peer.connect ? profile.endpoints.find((other) => other.id === (peer.connect as { endpoint: string }).endpoint) : undefined;
    return upstream ? [upstream] : [];
  };
  const peers = (
    endpoint.role === 'server'
      ? profile.endpoints.filter((other) => targets(other, endpoint.id))
      : profile.endpoints.filter((other) => endpoint.connect && 'endpoint' in endpoint.connect && other.id === endpoint.connect.endpoint)
  ).flatMap(through);
  if (peers.length === 0) return false;
  return peers.every(
    (peer) =>
      peer.workload.kind === 'bulk' ||
      // An echo of our own bulk stream is the pattern again.
      (endpoint.workload.kind === 'bulk' && peer.workload.kind === 'echo' && peer.workload.messageBytes === undefined),
  );
}

function toNativeChat(endpoint: EndpointSpec, workload: Extract<Workload, { kind: 'chat' }>, profile: Profile): NativeWorkload {
  if (endpoint.role === 'server') {
    return {
      kind: 'chat',
      frame: toNativeFrame(workload.frame),
      rooms: workload.rooms ?? chatDefaults.rooms,
      memberQueueBytes: workload.memberQueueBytes ?? chatDefaults.memberQueueBytes,
      dropMemberOnOverflow: workload.overflow === 'drop-member',
    };
  }
  const server = endpoint.connect && 'endpoint' in endpoint.connect ? profile.endpoints.find((other) => other.id === (endpoint.connect as { endpoint: string }).endpoint) : undefined;
  const serverRooms = server?.workload.kind === 'chat' ? server.workload.rooms : undefined;
  return {
    kind: 'chat',
    frame: toNativeFrame(workload.frame),
    rooms: workload.rooms ?? serverRooms ?? chatDefaults.rooms,
    messageBytes: workload.messageBytes ?? chatDefaults.messageBytes,
    ...(workload.room !== undefined && { room: workload.room }),
    ...(workload.messagesPerSecond !== undefined && { messagesPerSecond: workload.messagesPerSecond }),
    ...(workload.totalMessages !== undefined && { totalMessages: workload.totalMessages }),
    ...(workload.readBytesPerSecond !== undefined && { readBytesPerSecond: workload.readBytesPerSecond }),
    ...(workload.startWhenMembers !== undefined && { startWhenMembers: workload.startWhenMembers }),
  };
}

function toNativeWorkload(endpoint: EndpointSpec, profile: Profile): NativeWorkload {
  const workload = endpoint.workload;
  switch (workload.kind) {
    case 'echo':
      return workload.messageBytes === undefined ? { kind: 'echo' } : { kind: 'echo', messageBytesEcho: workload.messageBytes };
    case 'sink':
      return { kind: 'sink', ...(workload.readBytesPerSecond !== undefined && { readBytesPerSecond: workload.readBytesPerSecond }) };
    case 'bulk':
      return {
        kind: 'bulk',
        writeBytes: workload.writeBytes,
        thenShutdownWrite: workload.thenShutdownWrite,
        ...(workload.totalBytes !== undefined && { totalBytes: workload.totalBytes }),
        ...(workload.bytesPerSecond !== undefined && { bytesPerSecond: workload.bytesPerSecond }),
      };
    case 'ping-pong':
      return {
        kind: 'ping-pong',
        messageBytes: workload.messageBytes,
        writesPerMessage: workload.writesPerMessage,
        timeoutMs: workload.timeoutMs,
        ...(workload.messagesPerSecond !== undefined && { messagesPerSecond: workload.messagesPerSecond }),
        ...(workload.totalMessages !== undefined && { totalMessages: workload.totalMessages }),
      };
    case 'manual':
      return { kind: 'manual' };
    case 'framed-echo':
      return { kind: 'framed-echo', frame: toNativeFrame(workload.frame) };
    case 'request-response': {
      const payload = workload.payload.distribution === 'fixed' ? [workload.payload.bytes, workload.payload.bytes] : [workload.payload.minBytes, workload.payload.maxBytes];
      return {
        kind: 'request-response',
        frame: toNativeFrame(workload.frame),
        payloadMinBytes: payload[0],
        payloadMaxBytes: payload[1],
        maxInFlight: workload.maxInFlight,
        ...(workload.requestsPerSecond !== undefined && { requestsPerSecond: workload.requestsPerSecond }),
        ...(workload.totalRequests !== undefined && { totalRequests: workload.totalRequests }),
      };
    }
    case 'malformed':
      return {
        kind: 'malformed',
        frame: toNativeFrame(workload.frame),
        violation: workload.violation,
        goodFramesBefore: workload.goodFramesBefore,
        payloadMinBytes: workload.payloadBytes,
        payloadMaxBytes: workload.payloadBytes,
      };
    case 'proxy':
      return { kind: 'proxy', seed: workload.seed, toServer: toNativeFaultSet(workload.toServer), toClient: toNativeFaultSet(workload.toClient) };
    case 'chat':
      return toNativeChat(endpoint, workload, profile);
  }
}

function toNativeFaultSet(faults: FaultSet): NativeFaultSet {
  const native: NativeFaultSet = {};
  if (faults.latency) native.latency = { ...faults.latency };
  if (faults.bandwidth) native.bandwidth = { ...faults.bandwidth };
  if (faults.slicer) native.slicer = { ...faults.slicer };
  if (faults.reset) native.reset = { ...faults.reset };
  if (faults.blackhole) native.blackhole = { ...faults.blackhole };
  if (faults.slowClose) native.slowClose = { ...faults.slowClose };
  return native;
}

function toNativeFrame(frame: FrameFormat): NativeFrameFormat {
  return {
    sizeBytes: frame.sizeBytes,
    idBytes: frame.idBytes,
    bigEndian: frame.byteOrder === 'big',
    sizeIncludesHeader: frame.sizeIncludesHeader,
    maxFrameBytes: frame.maxFrameBytes,
    stallTimeoutMs: frame.stallTimeoutMs,
  };
}

export function toNativeOptions(options: SocketOptions): NativeSocketOptions {
  const native: NativeSocketOptions = {};
  if (options.noDelay !== undefined) native.noDelay = options.noDelay;
  if (options.sndBufBytes !== undefined) native.sndBufBytes = options.sndBufBytes;
  if (options.rcvBufBytes !== undefined) native.rcvBufBytes = options.rcvBufBytes;
  if (options.linger !== undefined) native.linger = options.linger;
  if (options.keepAlive !== undefined) native.keepAlive = options.keepAlive;
  if (options.reuseAddr !== undefined) native.reuseAddr = options.reuseAddr;
  if (options.reusePort !== undefined) native.reusePort = options.reusePort;
  return native;
}

function toNativeAction(action: ActionSpec, indexById: Map<string, number>): NativeCommand {
  return {
    ...commandBody(action),
    atUs: action.atMs * 1000,
    endpoint: indexById.get(action.endpoint) ?? -1,
    ...(action.connection !== undefined && { connectionIndex: action.connection }),
  };
}

/** What a command does, apart from when and to whom: shared by scheduled actions and live commands. */
export function commandBody(action: CommandBody): NativeCommand {
  switch (action.do) {
    case 'shutdown':
      return { do: 'shutdown', how: action.how };
    case 'close':
      return { do: 'close', abortive: action.abortive };
    case 'set-option':
      return { do: 'set-option', options: toNativeOptions(action.options) };
    case 'send':
      return { do: 'send', bytes: payloadBytes(action) };
    case 'restart-listener':
      return { do: 'restart-listener', options: toNativeOptions(action.options) };
  }
}

/** The bytes of a send: text in its encoding, or hex pairs (spaces allowed). */
export function payloadBytes(payload: { text?: string | undefined; hex?: string | undefined; encoding?: 'utf8' | 'utf16le' | undefined }): Buffer {
  if (payload.hex !== undefined) return Buffer.from(payload.hex.replace(/\s+/g, ''), 'hex');
  return Buffer.from(payload.text ?? '', payload.encoding ?? 'utf8');
}

export async function resolveHost(host: string): Promise<string> {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIP(bare)) return bare;
  try {
    const { address } = await lookup(bare);
    return address;
  } catch (error) {
    const code = (error as { code?: string }).code ?? 'ENOTFOUND';
    throw new EngineError(code === 'EAI_AGAIN' ? code : 'ENOTFOUND', `host "${host}" not found (${code})`);
  }
}
