import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

/** What the addon reads from a config object (src-main/native/src/addon.cc: readConfig). */
export interface NativeSocketOptions {
  noDelay?: boolean;
  sndBufBytes?: number;
  rcvBufBytes?: number;
  linger?: { seconds: number } | null;
  keepAlive?: { idleS: number; intervalS: number; count: number } | null;
  reuseAddr?: boolean;
  reusePort?: boolean;
}

export interface NativeWorkload {
  kind: 'echo' | 'sink' | 'bulk' | 'ping-pong' | 'manual';
  messageBytesEcho?: number;
  readBytesPerSecond?: number;
  writeBytes?: number;
  totalBytes?: number;
  bytesPerSecond?: number;
  thenShutdownWrite?: boolean;
  messageBytes?: number;
  writesPerMessage?: number;
  messagesPerSecond?: number;
  totalMessages?: number;
  timeoutMs?: number;
}

export interface NativeEndpoint {
  id: string;
  role: 'server' | 'client';
  transport: 'tcp' | 'udp';
  model: string;
  threads?: number;
  backlog?: number;
  udpConnected?: boolean;
  host?: string;
  port?: number;
  connectEndpoint?: number;
  connections?: number;
  verifyIncoming?: boolean;
  options: NativeSocketOptions;
  workload: NativeWorkload;
}

export interface NativeCommand {
  atUs?: number;
  endpoint?: number;
  connectionIndex?: number;
  connectionId?: number;
  do: 'shutdown' | 'close' | 'set-option' | 'send';
  how?: 'read' | 'write' | 'both';
  abortive?: boolean;
  options?: NativeSocketOptions;
  bytes?: Buffer;
}

export interface NativeConfig {
  sampleEveryMs: number;
  captureEnabled: boolean;
  captureEntries: number;
  capturePreviewBytes: number;
  seriesConnections: number;
  endpoints: NativeEndpoint[];
  actions: NativeCommand[];
}

export interface NativeCounters {
  threads: number;
  connectionsOpen: number;
  connectionsTotal: number;
  accepts: number;
  connectionsRefused: number;
  reads: number;
  writes: number;
  bytesIn: number;
  bytesOut: number;
  wakeups: number;
  wouldBlock: number;
  messages: number;
  messagesLost: number;
  verifyErrors: number;
  datagramsOutOfOrder: number;
  datagramsMissing: number;
  errors: number;
}

export interface NativeLatency {
  count: number;
  p50: number;
  p90: number;
  p99: number;
  max: number;
  mean: number;
}

export interface NativeAppliedOptions {
  noDelay: boolean | null;
  sndBufBytes: number;
  rcvBufBytes: number;
  linger: { seconds: number } | null;
  keepAlive: { idleS: number; intervalS: number; count: number } | null;
  reuseAddr: boolean;
  reusePort: boolean;
}

export interface NativeEndpointSnapshot {
  counters: NativeCounters;
  latencyUs: NativeLatency | null;
  errors: { code: string; message: string; count: number }[];
  applied: NativeAppliedOptions | null;
  connectionsWithoutSeries: number;
}

export interface NativeTcpInfo {
  state: number;
  retransmits: number;
  probes: number;
  rttUs: number;
  rttVarUs: number;
  cwndSegments: number;
  ssthreshSegments: number;
  mssBytes: number;
  unackedSegments: number;
  lostSegments: number;
  totalRetrans: number;
  segsIn: number;
  segsOut: number;
  dataSegsOut: number | null;
  notsentBytes: number | null;
  deliveryRateBytesPerS: number | null;
  busyTimeUs: number | null;
  rwndLimitedUs: number | null;
  sndbufLimitedUs: number | null;
  bytesRetrans: number | null;
  sndWndBytes: number | null;
  rcvWndBytes: number | null;
}

export interface NativeSample {
  connectionId: number;
  endpoint: number;
  index: number;
  atUs: number;
  bytesIn: number;
  bytesOut: number;
  appSendQueueBytes: number;
  sendQueueBytes: number | null;
  unsentBytes: number | null;
  recvQueueBytes: number | null;
  tcp: NativeTcpInfo | null;
}

export interface NativeEvent {
  atUs: number;
  connectionId: number;
  endpoint: number;
  type: 'open' | 'state' | 'peer-shutdown' | 'shutdown' | 'reset' | 'closed' | 'error' | 'option';
  state?: number;
  how?: 'read' | 'write' | 'both';
  abortive?: boolean;
  code?: string;
  message?: string;
  local?: string;
  remote?: string;
}

/** Capture records, one typed array per field (see addon.cc: batchToJs). */
export interface NativeCapture {
  count: number;
  atUs: Float64Array;
  connectionId: Uint32Array;
  bytes: Uint32Array;
  endpoint: Uint16Array;
  direction: Uint8Array; // 0 = read, 1 = write
  previewLength: Uint16Array;
  previews: Buffer; // previewBytes per record
  previewBytes: number;
  dropped: number;
}

export interface NativeBatch {
  sequence: number;
  atUs: number;
  final: boolean;
  eventsDropped: number;
  notices: string[];
  endpoints: NativeEndpointSnapshot[];
  samples: NativeSample[];
  events: NativeEvent[];
  capture: NativeCapture;
}

export interface NativeEngine {
  /** Binds the servers and starts everything; throws an Error with `code` when it cannot. */
  start(): { listen: (string | null)[] };
  /** Stops the run; the batch with `final: true` arrives after this returns. */
  stop(): void;
  command(command: NativeCommand): void;
}

interface NativeAddon {
  Engine: new (config: NativeConfig, onBatch: (batch: NativeBatch) => void) => NativeEngine;
  models: string;
}

let addon: NativeAddon | undefined;

/** The compiled engine, built by `npm install` into src-main/native/build. */
export function loadNativeAddon(): NativeAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From the sources (tests) and from out/node/src-main/engine (compiled) alike.
  const root = here.includes(`${path.sep}out${path.sep}node${path.sep}`) ? path.resolve(here, '../../../..') : path.resolve(here, '../..');
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
  addon = nodeGypBuild(path.join(root, 'src-main', 'native'));
  return addon;
}
