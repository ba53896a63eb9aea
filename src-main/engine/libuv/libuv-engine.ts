// The libuv model: endpoints run by Node's own net and dgram in this process, so JavaScript is
// the data path on purpose (the baseline a Node programmer would otherwise use). It produces the
// same batch parts as the native engine; run-engine.ts merges both into one stream.
import type { LiveCapture, LiveEndpoint, LiveEvent, LiveSample } from '../../../src-shared/engine-protocol.js';
import type { CommandBody, Profile } from '../../../src-shared/profile.js';
import { EngineError } from '../engine-error.js';
import { payloadBytes } from '../native-config.js';
import { CaptureRing } from '../../../src-shared/capture-ring.js';
import type { LibuvConnection } from './connection.js';
import { LibuvEndpoint, libuvConnectionIdBase } from './endpoint.js';
import type { LibuvServices } from './services.js';
import type { ForeignSocketSampler } from './socket-access.js';
import type { Peer } from './workloads.js';

/** Events waiting between two batches; past this they are dropped and counted, as in the engine. */
const maxPendingEvents = 100_000;

export interface LibuvBatchPart {
  /** By profile endpoint index. */
  endpoints: Map<number, LiveEndpoint>;
  samples: LiveSample[];
  events: LiveEvent[];
  eventsDropped: number;
  capture: LiveCapture;
}

/** A command's target in profile terms: one connection by id, or an endpoint's (all, or one by index). */
export type LibuvTarget = { connectionId: number } | { endpoint: number; connectionIndex?: number };

export class LibuvEngine {
  private readonly endpoints = new Map<number, LibuvEndpoint>();
  private readonly services: LibuvServices & { stopping: boolean };
  private events: LiveEvent[] = [];
  private eventsDropped = 0;
  private originMs = performance.now();
  private nextConnectionId = libuvConnectionIdBase;
  private readonly actionTimers: NodeJS.Timeout[] = [];

  constructor(
    private readonly profile: Profile,
    /** Profile endpoint indexes whose model is libuv, with whether each checks the bulk pattern. */
    endpoints: { index: number; verifyIncoming: boolean }[],
    sampler: ForeignSocketSampler,
  ) {
    const capture = new CaptureRing(profile.capture.enabled ? profile.capture.maxEntries : 0, profile.capture.previewBytes);
    this.services = {
      nowUs: () => (performance.now() - this.originMs) * 1000,
      emit: (event) => this.emit(event),
      capture,
      sampler,
      stopping: false,
    };
    for (const { index, verifyIncoming } of endpoints) {
      this.endpoints.set(index, new LibuvEndpoint(index, profile.endpoints[index]!, this.services, verifyIncoming, () => this.nextConnectionId++));
    }
  }

  get empty(): boolean {
    return this.endpoints.size === 0;
  }

  /** Binds every libuv server; resolves with each one's address by profile index. */
  async listen(resolveHost: (host: string) => Promise<string>): Promise<Map<number, string>> {
    const bound = new Map<number, string>();
    for (const [index, endpoint] of this.endpoints) {
      if (endpoint.spec.role !== 'server') continue;
      try {
        bound.set(index, await endpoint.listen(await resolveHost(endpoint.spec.listen!.host)));
      } catch (error) {
        this.stop();
        throw error;
      }
    }
    return bound;
  }

  /** Starts the clock at the native engine's origin, connects the clients and schedules the actions. */
  start(originMs: number, serverAddress: (index: number) => Promise<Peer>): Promise<void> {
    this.originMs = originMs;
    this.profile.actions.forEach((action) => {
      const index = this.profile.endpoints.findIndex((endpoint) => endpoint.id === action.endpoint);
      if (!this.endpoints.has(index)) return;
      const timer = setTimeout(
        () => {
          try {
            this.command(action.connection === undefined ? { endpoint: index } : { endpoint: index, connectionIndex: action.connection }, action);
          } catch (error) {
            // A scheduled action whose connection is not open is an endpoint error, not the end of the run.
            this.endpoints.get(index)!.state.recordError((error as EngineError).code ?? 'ENOENT', (error as Error).message);
          }
        },
        Math.max(0, originMs + action.atMs - performance.now()),
      );
      this.actionTimers.push(timer);
    });
    const connecting = [...this.endpoints.values()]
      .filter((endpoint) => endpoint.spec.role === 'client')
      .map(async (endpoint) => endpoint.connect(await serverAddress(endpoint.index)));
    return Promise.all(connecting).then(() => undefined);
  }

  /** Whether a connection id belongs to this engine. */
  owns(connectionId: number): boolean {
    return connectionId >= libuvConnectionIdBase;
  }

  handles(endpointIndex: number): boolean {
    return this.endpoints.has(endpointIndex);
  }

  /** Runs a command on the connections it names; throws ENOENT when none is open. */
  command(target: LibuvTarget, body: CommandBody): void {
    if (body.do === 'restart-listener') {
      throw new EngineError('ENOTSUP', 'the libuv model does not restart listeners (libuv always sets SO_REUSEADDR on them)');
    }
    const matches: LibuvConnection[] = [];
    for (const endpoint of this.endpoints.values()) {
      for (const connection of endpoint.open.values()) {
        const match =
          'connectionId' in target
            ? connection.id === target.connectionId
            : endpoint.index === target.endpoint && (target.connectionIndex === undefined || connection.index === target.connectionIndex);
        if (match) matches.push(connection);
      }
    }
    if (matches.length === 0) {
      const what = 'connectionId' in target ? `no open connection with id ${target.connectionId}` : `no open connection${target.connectionIndex === undefined ? '' : ` ${target.connectionIndex}`} on endpoint "${this.profile.endpoints[target.endpoint]?.id}"`;
      throw new EngineError('ENOENT', what);
    }
    for (const connection of matches) {
      switch (body.do) {
        case 'shutdown':
          connection.shutdown(body.how);
          break;
        case 'close':
          connection.close(body.abortive);
          break;
        case 'set-option':
          connection.setOptions(body.options);
          break;
        case 'send':
          connection.send(payloadBytes(body));
          break;
      }
    }
  }

  private emit(event: Omit<LiveEvent, 'atUs'>): void {
    if (this.events.length >= maxPendingEvents) {
      this.eventsDropped += 1;
      return;
    }
    this.events.push({ atUs: this.services.nowUs(), ...event } as LiveEvent);
  }

  /** Samples every connection with a series and hands over what gathered since the last call. */
  collect(): LibuvBatchPart {
    const samples: LiveSample[] = [];
    const endpoints = new Map<number, LiveEndpoint>();
    for (const [index, endpoint] of this.endpoints) {
      let withoutSeries = 0;
      for (const connection of endpoint.open.values()) {
        if (connection.index >= this.profile.limits.seriesConnections) {
          withoutSeries += 1;
          continue;
        }
        const sample = connection.sample();
        if (sample) samples.push(sample);
      }
      endpoint.state.connectionsWithoutSeries = Math.max(endpoint.state.connectionsWithoutSeries, withoutSeries);
      endpoints.set(index, endpoint.state.snapshot());
    }
    const part = { endpoints, samples, events: this.events, eventsDropped: this.eventsDropped, capture: this.services.capture.drain() };
    this.events = [];
    this.eventsDropped = 0;
    return part;
  }

  stop(): void {
    this.services.stopping = true;
    for (const timer of this.actionTimers) clearTimeout(timer);
    for (const endpoint of this.endpoints.values()) endpoint.stop();
  }
}
