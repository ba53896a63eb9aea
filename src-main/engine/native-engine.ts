import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
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

interface NativeAddon {
  Engine: new (config: NativeConfig, onBatch: (batch: NativeBatch) => void) => NativeEngine;
  models: string;
}

let addon: NativeAddon | undefined;

/** The compiled engine, built by `npm install` into src-main/native/build. */
export function loadNativeAddon(): NativeAddon {
  if (addon) return addon;
  const require = createRequire(import.meta.url);
  // SOCKSCOPE_ADDON: path (from the working directory) of another build to load, e.g. the sanitized one.
  if (process.env.SOCKSCOPE_ADDON) return (addon = require(path.resolve(process.env.SOCKSCOPE_ADDON)) as NativeAddon);
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From the sources (tests) and from out/node/src-main/engine (compiled) alike.
  const root = here.includes(`${path.sep}out${path.sep}node${path.sep}`) ? path.resolve(here, '../../../..') : path.resolve(here, '../..');
  const nodeGypBuild = require('node-gyp-build') as (dir: string) => NativeAddon;
  addon = nodeGypBuild(path.join(root, 'src-main', 'native'));
  return addon;
}
