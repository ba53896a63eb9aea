// One run's engine as Run sees it: the native engine for native endpoints and the libuv engine
// for libuv ones, merged into one stream of batches in the profile's endpoint order.
import type { CommandTarget, LiveBatch, LiveCapture, LiveEndpoint } from '../../src-shared/engine-protocol.js';
import type { CommandBody, Profile } from '../../src-shared/profile.js';
import { EngineError } from './engine-error.js';
import { LibuvEngine, type LibuvBatchPart } from './libuv/libuv-engine.js';
import { commandBody, receivesPattern, resolveHost, toNativeConfig } from './native-config.js';
import { loadNativeAddon, type NativeEngine } from './native-engine.js';

export interface RunEngine {
  /** Binds the servers and starts everything; throws an EngineError when it cannot. */
  start(): Promise<{ listen: (string | null)[] }>;
  /** Stops the run; the batch with `final: true` arrives after this returns. */
  stop(): void;
  /** Sends a live command; throws an EngineError (ENOENT) when nothing matches. */
  command(target: CommandTarget, body: CommandBody): void;
}

/** A server address a client can reach: the wildcard becomes loopback, as in the engine. */
function connectable(address: string): { address: string; port: number } {
  const match = /^\[?(.*?)\]?:(\d+)$/.exec(address)!;
  const host = match[1] === '0.0.0.0' ? '127.0.0.1' : match[1] === '::' ? '::1' : match[1]!;
  return { address: host, port: Number(match[2]) };
}

export function createRunEngine(profile: Profile, onBatch: (batch: LiveBatch) => void): RunEngine {
  return new MixedRunEngine(profile, onBatch);
}

class MixedRunEngine implements RunEngine {
  private readonly nativeIndexes: number[] = [];
  private readonly libuv: LibuvEngine;
  private native: NativeEngine | null = null;
  private timer: NodeJS.Timeout | undefined;
  private sequence = 0;
  private stopped = false;
  private finalSent = false;
  private originMs = 0;

  constructor(
    private readonly profile: Profile,
    private readonly deliver: (batch: LiveBatch) => void,
  ) {
    const libuvEndpoints: { index: number; verifyIncoming: boolean }[] = [];
    profile.endpoints.forEach((endpoint, index) => {
      if (endpoint.model === 'libuv') libuvEndpoints.push({ index, verifyIncoming: receivesPattern(endpoint, profile) });
      else this.nativeIndexes.push(index);
    });
    const addon = loadNativeAddon();
    this.libuv = new LibuvEngine(profile, libuvEndpoints, addon);
  }

  async start(): Promise<{ listen: (string | null)[] }> {
    const listen: (string | null)[] = this.profile.endpoints.map(() => null);
    const libuvListen = await this.libuv.listen(resolveHost);
    for (const [index, address] of libuvListen) listen[index] = address;
    if (this.nativeIndexes.length > 0) {
      // Native clients of a libuv server connect to the address it bound.
      const ids = new Map(this.profile.endpoints.map((endpoint, index) => [endpoint.id, index]));
      const nativeProfile: Profile = {
        ...this.profile,
        endpoints: this.nativeIndexes.map((index) => {
          const endpoint = this.profile.endpoints[index]!;
          const server = endpoint.connect && 'endpoint' in endpoint.connect ? ids.get(endpoint.connect.endpoint) : undefined;
          const bound = server === undefined ? undefined : libuvListen.get(server);
          if (!bound) return endpoint;
          const { address, port } = connectable(bound);
          return { ...endpoint, connect: { host: address, port } };
        }),
        actions: this.profile.actions.filter((action) => this.nativeIndexes.includes(ids.get(action.endpoint) ?? -1)),
      };
      const config = await toNativeConfig(nativeProfile);
      // Whether a native endpoint reads the bulk pattern depends on its peers, libuv ones included.
      config.endpoints.forEach((endpoint, position) => {
        endpoint.verifyIncoming = receivesPattern(this.profile.endpoints[this.nativeIndexes[position]!]!, this.profile);
      });
      const { Engine } = loadNativeAddon();
      const native = new Engine(config, (batch) => this.onNativeBatch(batch));
      this.originMs = performance.now();
      try {
        native.start().listen.forEach((address, position) => (listen[this.nativeIndexes[position]!] = address));
      } catch (error) {
        this.libuv.stop();
        throw error;
      }
      this.native = native;
    } else {
      this.originMs = performance.now();
      this.timer = setInterval(() => this.deliverLibuvOnly(false), this.profile.sampleEveryMs);
    }
    await this.libuv.start(this.originMs, async (index) => {
      const endpoint = this.profile.endpoints[index]!;
      const connect = endpoint.connect!;
      if ('endpoint' in connect) return connectable(listen[this.profile.endpoints.findIndex((other) => other.id === connect.endpoint)]!);
      return { address: await resolveHost(connect.host), port: connect.port };
    });
    return { listen };
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.libuv.stop();
    if (this.native) this.native.stop();
    else {
      clearInterval(this.timer);
      // Let the sockets' close callbacks run before the last batch.
      setImmediate(() => this.deliverLibuvOnly(true));
    }
  }

  command(target: CommandTarget, body: CommandBody): void {
    if ('connectionId' in target) {
      if (this.libuv.owns(target.connectionId)) this.libuv.command(target, body);
      else this.nativeCommand({ ...commandBody(body), connectionId: target.connectionId });
      return;
    }
    const index = this.profile.endpoints.findIndex((endpoint) => endpoint.id === target.endpoint);
    if (index < 0) throw new EngineError('ENOENT', `no endpoint with id "${target.endpoint}"`);
    if (this.libuv.handles(index)) {
      this.libuv.command(target.connection === undefined ? { endpoint: index } : { endpoint: index, connectionIndex: target.connection }, body);
      return;
    }
    this.nativeCommand({
      ...commandBody(body),
      endpoint: this.nativeIndexes.indexOf(index),
      ...(target.connection !== undefined && { connectionIndex: target.connection }),
    });
  }

  private nativeCommand(command: ReturnType<typeof commandBody>): void {
    if (!this.native) throw new EngineError('ENOENT', `no open connection with id ${command.connectionId}`);
    this.native.command(command);
  }

  private deliverLibuvOnly(final: boolean): void {
    if (this.finalSent) return;
    const part = this.libuv.collect();
    this.send(
      {
        sequence: this.sequence,
        atUs: (performance.now() - this.originMs) * 1000,
        final,
        eventsDropped: 0,
        notices: [],
        endpoints: [],
        samples: [],
        events: [],
        capture: emptyCapture(part.capture.previewBytes),
      },
      part,
    );
  }

  private onNativeBatch(batch: LiveBatch): void {
    // Without libuv endpoints the engine's batches pass through untouched.
    if (this.libuv.empty) this.deliver(batch);
    else this.send(batch, this.libuv.collect());
  }

  /** The native batch with its endpoint indexes made profile indexes, and the libuv part added. */
  private send(native: LiveBatch, part: LibuvBatchPart): void {
    if (this.finalSent) return;
    if (native.final) this.finalSent = true;
    const toProfile = (position: number) => this.nativeIndexes[position] ?? position;
    const endpoints: LiveEndpoint[] = this.profile.endpoints.map((_, index) => {
      const position = this.nativeIndexes.indexOf(index);
      return position >= 0 ? native.endpoints[position]! : part.endpoints.get(index)!;
    });
    const capture = native.capture.count > 0 ? { ...native.capture, endpoint: native.capture.endpoint.map(toProfile) } : native.capture;
    this.deliver({
      sequence: this.sequence++,
      atUs: native.atUs,
      final: native.final,
      eventsDropped: native.eventsDropped + part.eventsDropped,
      notices: native.notices,
      ...(native.engine && { engine: native.engine }),
      endpoints,
      samples: [...native.samples.map((sample) => ({ ...sample, endpoint: toProfile(sample.endpoint) })), ...part.samples],
      events: [...native.events.map((event) => ({ ...event, endpoint: toProfile(event.endpoint) })), ...part.events],
      capture: concatCapture(capture, part.capture),
    });
  }
}

function emptyCapture(previewBytes: number): LiveCapture {
  return {
    count: 0,
    atUs: new Float64Array(0),
    connectionId: new Uint32Array(0),
    bytes: new Uint32Array(0),
    endpoint: new Uint16Array(0),
    direction: new Uint8Array(0),
    previewLength: new Uint16Array(0),
    previews: new Uint8Array(0),
    previewBytes,
    dropped: 0,
  };
}

/** Two sets of capture columns as one, in the order given. */
export function concatCapture(a: LiveCapture, b: LiveCapture): LiveCapture {
  if (b.count === 0 && b.dropped === 0) return a;
  if (a.count === 0 && a.dropped === 0 && a.previewBytes === b.previewBytes) return b;
  const previewBytes = Math.max(a.previewBytes, b.previewBytes);
  const count = a.count + b.count;
  const joined = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(make: new (n: number) => T, x: T, y: T): T => {
    const out = new make(count);
    out.set(x, 0);
    out.set(y, a.count);
    return out;
  };
  const previews = new Uint8Array(count * previewBytes);
  for (const [part, offset] of [[a, 0], [b, a.count]] as const) {
    for (let i = 0; i < part.count; i++) {
      previews.set(part.previews.subarray(i * part.previewBytes, i * part.previewBytes + part.previewLength[i]!), (offset + i) * previewBytes);
    }
  }
  return {
    count,
    atUs: joined(Float64Array, a.atUs, b.atUs),
    connectionId: joined(Uint32Array, a.connectionId, b.connectionId),
    bytes: joined(Uint32Array, a.bytes, b.bytes),
    endpoint: joined(Uint16Array, a.endpoint, b.endpoint),
    direction: joined(Uint8Array, a.direction, b.direction),
    previewLength: joined(Uint16Array, a.previewLength, b.previewLength),
    previews,
    previewBytes,
    dropped: a.dropped + b.dropped,
  };
}
