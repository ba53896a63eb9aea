import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import { EngineError } from './engine-error.js';
import type { ForeignSocketSampler } from './libuv/socket-access.js';
import type { LiveBatch, LiveCapture, LiveEndpoint, LiveEvent, LiveSample } from '../../src-shared/engine-protocol.js';

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
  kind: 'echo' | 'sink' | 'bulk' | 'ping-pong' | 'manual' | 'framed-echo' | 'request-response' | 'malformed' | 'proxy' | 'chat';
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
  frame?: NativeFrameFormat;
  payloadMinBytes?: number;
  payloadMaxBytes?: number;
  requestsPerSecond?: number;
  totalRequests?: number;
  maxInFlight?: number;
  violation?: 'size-below-header' | 'size-above-maximum' | 'stalled-mid-frame';
  goodFramesBefore?: number;
  rooms?: number;
  room?: number;
  memberQueueBytes?: number;
  dropMemberOnOverflow?: boolean;
  startWhenMembers?: number;
  seed?: number;
  toServer?: NativeFaultSet;
  toClient?: NativeFaultSet;
}

/** A proxy direction's faults as the addon reads them (addon.cc: readFaultSet); absent = not injected. */
export interface NativeFaultSet {
  latency?: { probability: number; ms: number; jitterMs: number };
  bandwidth?: { probability: number; bytesPerSecond: number };
  slicer?: { probability: number; pieceBytes: number; delayMs: number };
  reset?: { probability: number; afterBytes?: number; afterMs?: number };
  blackhole?: { probability: number; afterBytes?: number; afterMs?: number };
  slowClose?: { probability: number; delayMs: number };
}

export interface NativeFrameFormat {
  sizeBytes: number;
  idBytes: number;
  bigEndian: boolean;
  sizeIncludesHeader: boolean;
  maxFrameBytes: number;
  stallTimeoutMs: number;
}

export interface NativeEndpoint {
  id: string;
  role: 'server' | 'client' | 'proxy';
  transport: 'tcp' | 'udp';
  model: string;
  threads?: number;
  backend?: 'auto' | 'io_uring' | 'epoll';
  readBuffers?: 'per-operation' | 'pool';
  readPoolBuffers?: number;
  readPoolBufferBytes?: number;
  backlog?: number;
  udpConnected?: boolean;
  host?: string;
  port?: number;
  connectEndpoint?: number;
  /** Proxies without connectEndpoint: their upstream's numeric address. */
  upstreamHost?: string;
  upstreamPort?: number;
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
  do: 'shutdown' | 'close' | 'set-option' | 'send' | 'restart-listener';
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

/** Batches are part of the contract (src-shared/engine-protocol.ts): the addon produces exactly them. */
export type NativeBatch = LiveBatch;
export type NativeSample = LiveSample;
export type NativeEvent = LiveEvent;
export type NativeEndpointSnapshot = LiveEndpoint;
export type NativeCapture = LiveCapture;

export interface NativeEngine {
  /** Binds the servers and starts everything; throws an Error with `code` when it cannot. */
  start(): { listen: (string | null)[] };
  /** Stops the run; the batch with `final: true` arrives after this returns. */
  stop(): void;
  command(command: NativeCommand): void;
}

interface NativeAddon extends ForeignSocketSampler {
  Engine: new (config: NativeConfig, onBatch: (batch: NativeBatch) => void) => NativeEngine;
  models: string;
  /** Null where io_uring works here, else the probe's reason. */
  ioUringUnavailable: () => string | null;
}

let addon: NativeAddon | undefined;

function packageRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return start;
  }
}

/** The compiled engine, built by `npm install` into src-main/native/build. */
export function loadNativeAddon(): NativeAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  // SOCKSCOPE_ADDON: path (from the working directory) of another build to load, e.g. the sanitized one.
  if (process.env.SOCKSCOPE_ADDON) return (addon = require(path.resolve(process.env.SOCKSCOPE_ADDON)) as NativeAddon);
  // The package root holds the build, wherever this module was compiled or bundled to
  // (src-main/engine, out/node/src-main/engine, out/main).
  const root = packageRoot(path.dirname(fileURLToPath(import.meta.url)));
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
  try {
    addon = nodeGypBuild(path.join(root, 'src-main', 'native'));
  } catch (error) {
    throw new EngineError('ENOADDON', `the native engine is not built (${(error as Error).message.split('\n')[0]}); run "npm install" to build it`);
  }
  return addon;
}
