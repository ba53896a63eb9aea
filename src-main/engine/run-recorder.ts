import { chatDefaults, type EndpointSpec, type Profile } from '../../src-shared/profile.js';
import { proxyQueueBoundBytes } from '../../src-shared/proxy-faults.js';
import {
  resultSchemaId,
  tcpStates,
  type ConnectionEvent,
  type ConnectionSample,
  type EndpointResult,
  type ListenerRestart,
  type ModelCounters,
  type RunResult,
} from '../../src-shared/result.js';
import type { LiveModelCounters, RunProgress } from '../../src-shared/engine-protocol.js';
import { AggregateRecorder } from './aggregate-recorder.js';
import { CaptureStore } from './capture-store.js';
import { optionsNotApplied } from './libuv/options.js';
import type { NativeBatch, NativeEndpointSnapshot, NativeEvent, NativeSample } from './native-engine.js';
import { Ring } from './ring.js';

/** Connections the recorder follows one by one; past this, a run with churn is only counted. */
export const maxTrackedConnections = 20000;
/** Listener restarts kept per endpoint (a ring): a profile or a user may restart again and again. */
export const maxListenerRestarts = 1000;


interface TrackedConnection {
  id: number;
  endpoint: number;
  index: number;
  local: string | null;
  remote: string | null;
  events: Ring<ConnectionEvent>;
  samples: Ring<NativeSample>;
  bytesIn: number;
  bytesOut: number;
}

/**
 * Gathers the engine's batches into what a result holds, within fixed bounds: per connection a
 * ring of events and a ring of samples, a ring of capture records, and the latest counters.
 */
export class RunRecorder {
  private readonly connections = new Map<number, TrackedConnection>();
  private untrackedConnections = 0;
  private latest: NativeEndpointSnapshot[] = [];
  private readonly capture: CaptureStore;
  private readonly notices = new Set<string>();
  private eventsDropped = 0;
  private listen: (string | null)[] = [];
  private lastAtUs = 0;
  private readonly peakThreads: number[] = [];
  private readonly aggregates = new AggregateRecorder();
  private readonly listenerRestarts = new Map<number, Ring<ListenerRestart>>();
  private readonly modelPeaks: { inFlight: number; pinned: number; depth: number }[] = [];

  constructor(private readonly profile: Profile) {
    this.capture = new CaptureStore(profile.capture.enabled ? profile.capture.maxEntries : 0, profile.capture.previewBytes);
  }

  /** A bound the host found before the engine ran, in words, for limitsHit. */
  addNotice(notice: string): void {
    this.notices.add(notice);
  }

  setListen(listen: (string | null)[]): void {
    this.listen = listen;
  }

  add(batch: NativeBatch): void {
    this.lastAtUs = Math.max(this.lastAtUs, batch.atUs);
    this.latest = batch.endpoints;
    // The final snapshot comes after every thread has ended; the result reports the peak.
    batch.endpoints.forEach((snapshot, index) => {
      this.peakThreads[index] = Math.max(this.peakThreads[index] ?? 0, snapshot.counters.threads);
      this.aggregates.addEndpoint(index, snapshot.aggregate, batch.atUs, batch.final);
      if (snapshot.model) {
        const peak = (this.modelPeaks[index] ??= { inFlight: 0, pinned: 0, depth: 0 });
        peak.inFlight = Math.max(peak.inFlight, snapshot.model.operationsInFlight);
        peak.pinned = Math.max(peak.pinned, snapshot.model.bytesPinned);
        peak.depth = Math.max(peak.depth, snapshot.model.completionQueueDepth);
      }
    });
    this.aggregates.addEngine(batch.engine);
    this.eventsDropped += batch.eventsDropped;
    for (const notice of batch.notices) this.notices.add(notice);
    for (const event of batch.events) this.addEvent(event);
    for (const sample of batch.samples) {
      const connection = this.connections.get(sample.connectionId);
      if (!connection) continue;
      connection.samples.push(sample);
      connection.bytesIn = sample.bytesIn;
      connection.bytesOut = sample.bytesOut;
    }
    if (this.capture.capacity > 0) this.capture.add(batch.capture);
  }

  private addEvent(event: NativeEvent): void {
    if (!isConnectionEvent(event)) {
      this.addListenerRestart(event);
      return;
    }
    if (event.connectionId === 0) return; // endpoint-level failures are in the endpoint's errors
    let connection = this.connections.get(event.connectionId);
    if (!connection) {
      if (this.connections.size >= maxTrackedConnections) {
        if (event.type === 'open') this.untrackedConnections += 1;
        return;
      }
      connection = {
        id: event.connectionId,
        endpoint: event.endpoint,
        index: -1,
        local: null,
        remote: null,
        events: new Ring(this.profile.limits.maxEventsPerConnection),
        samples: new Ring(this.profile.limits.maxSamplesPerConnection),
        bytesIn: 0,
        bytesOut: 0,
      };
      this.connections.set(event.connectionId, connection);
    }
    if (event.type === 'open') {
      connection.local = event.local ?? null;
      connection.remote = event.remote ?? null;
    }
    connection.events.push(toConnectionEvent(event));
  }

  private addListenerRestart(event: NativeEvent): void {
    let restarts = this.listenerRestarts.get(event.endpoint);
    if (!restarts) this.listenerRestarts.set(event.endpoint, (restarts = new Ring(maxListenerRestarts)));
    restarts.push({
      atMs: event.atUs / 1000,
      address: event.local ?? '',
      reuseAddr: event.reuseAddr ?? false,
      listening: event.code === undefined,
      ...(event.code !== undefined && { code: event.code }),
      message: event.message ?? '',
      timeWaitSockets: event.timeWaitSockets ?? null,
      timeWaitSource: event.timeWaitSource ?? null,
    });
  }

  private modelCountersOf(index: number, model: LiveModelCounters, writes: number): ModelCounters {
    const peak = this.modelPeaks[index] ?? { inFlight: 0, pinned: 0, depth: 0 };
    const runUs = Math.max(this.lastAtUs, 1);
    return {
      backend: model.backend,
      backendNote: model.backendNote,
      operationsPosted: model.operationsPosted,
      completions: model.completions,
      peakOperationsInFlight: peak.inFlight,
      peakBytesPinned: peak.pinned,
      peakCompletionQueueDepth: peak.depth,
      buffersPerWrite: writes > 0 ? model.buffersWritten / writes : 0,
      ...(model.readBuffers !== null && { readBuffers: model.readBuffers, peakTimersQueued: model.timersQueuedPeak }),
      ...(model.readBuffers === 'pool' && {
        readPool: {
          buffers: model.readPoolBuffers,
          bufferBytes: model.readPoolBuffers > 0 ? model.readPoolBytes / model.readPoolBuffers : 0,
          bytes: model.readPoolBytes,
          peakBuffersInUse: model.readPoolPeakBuffersInUse,
          exhausted: model.readPoolExhausted,
        },
      }),
      workers: model.workerCompletions.map((completions, worker) => ({
        completions,
        busyShare: Math.min(1, (model.workerBusyUs[worker] ?? 0) / runUs),
      })),
    };
  }

  progress(elapsedMs: number, durationMs: number): RunProgress {
    let bytesIn = 0;
    let bytesOut = 0;
    let connectionsOpen = 0;
    let connectionsTotal = 0;
    let errors = 0;
    let latencyUs: RunProgress['latencyUs'] = null;
    for (const snapshot of this.latest) {
      bytesIn += snapshot.counters.bytesIn;
      bytesOut += snapshot.counters.bytesOut;
      connectionsOpen += snapshot.counters.connectionsOpen;
      connectionsTotal += snapshot.counters.connectionsTotal;
      errors += snapshot.counters.errors;
      // The endpoint with the most measurements speaks for the run.
      if (snapshot.latencyUs && (!latencyUs || snapshot.latencyUs.count > latencyUs.count)) {
        latencyUs = { p50: snapshot.latencyUs.p50, p99: snapshot.latencyUs.p99, count: snapshot.latencyUs.count };
      }
    }
    return { elapsedMs, durationMs, bytesIn, bytesOut, connectionsOpen, connectionsTotal, latencyUs, errors };
  }

  result(environment: RunResult['environment'], startedAt: Date, elapsedMs: number, completed: boolean, stopReason: string): RunResult {
    const endpointIds = this.profile.endpoints.map((endpoint) => endpoint.id);
    const seconds = Math.max(elapsedMs, 1) / 1000;
    const endpoints: EndpointResult[] = this.profile.endpoints.map((endpoint, index) => {
      const snapshot = this.latest[index];
      const counters = snapshot?.counters;
      const bytesIn = counters?.bytesIn ?? 0;
      const bytesOut = counters?.bytesOut ?? 0;
      const connections = [...this.connections.values()]
        .filter((connection) => connection.endpoint === index)
        .map((connection) => this.connectionResult(connection));
      connections.forEach((connection, position) => {
        if (connection.index < 0) connection.index = position;
      });
      return {
        id: endpoint.id,
        role: endpoint.role,
        model: endpoint.model,
        transport: endpoint.transport,
        listen: this.listen[index] ?? null,
        requestedOptions: { ...endpoint.options },
        appliedOptions: snapshot?.applied ?? null,
        ...(endpoint.model === 'libuv' && { optionsNotApplied: optionsNotApplied(endpoint, endpoint.options) }),
        counters: {
          threads: this.peakThreads[index] ?? 0,
          connectionsOpen: counters?.connectionsOpen ?? 0,
          connectionsTotal: counters?.connectionsTotal ?? 0,
          accepts: counters?.accepts ?? 0,
          connectionsRefused: counters?.connectionsRefused ?? 0,
          reads: counters?.reads ?? 0,
          writes: counters?.writes ?? 0,
          bytesIn,
          bytesOut,
          bytesPerRead: counters?.reads ? bytesIn / counters.reads : 0,
          bytesPerWrite: counters?.writes ? bytesOut / counters.writes : 0,
          wakeups: counters?.wakeups ?? 0,
          wouldBlock: counters?.wouldBlock ?? 0,
          messages: counters?.messages ?? 0,
          messagesLost: counters?.messagesLost ?? 0,
          verifyErrors: counters?.verifyErrors ?? 0,
          datagramsOutOfOrder: counters?.datagramsOutOfOrder ?? 0,
          datagramsMissing: counters?.datagramsMissing ?? 0,
          errors: counters?.errors ?? 0,
          protocolViolations: counters?.protocolViolations ?? 0,
        },
        ...(snapshot?.model && { modelCounters: this.modelCountersOf(index, snapshot.model, counters?.writes ?? 0) }),
        ...(snapshot?.chat && { chat: snapshot.chat }),
        latencyUs: snapshot?.latencyUs ?? null,
        throughput: { bytesIn, bytesOut, bitsPerSecondIn: (bytesIn * 8) / seconds, bitsPerSecondOut: (bytesOut * 8) / seconds },
        connections,
        connectionsWithoutSeries: snapshot?.connectionsWithoutSeries ?? 0,
        ...optional('aggregate', this.aggregates.endpoint(index)),
        errors: (snapshot?.errors ?? []).map((error) => ({ code: error.code, message: error.message, count: error.count })),
        ...(this.listenerRestarts.has(index) && { listenerRestarts: this.listenerRestarts.get(index)!.toArray() }),
        ...optional('proxy', snapshot?.proxy),
      };
    });
    return {
      schema: resultSchemaId,
      profile: this.profile,
      environment,
      startedAt: startedAt.toISOString(),
      elapsedMs,
      completed,
      stopReason,
      endpoints,
      capture: { entries: this.capture.entries(endpointIds), dropped: this.capture.dropped, maxEntries: this.capture.capacity },
      limitsHit: this.limitsHit(endpoints),
      ...optional('engine', this.aggregates.engine()),
    };
  }

  private connectionResult(connection: TrackedConnection): EndpointResult['connections'][number] {
    const samples = connection.samples.toArray();
    const index = samples[0]?.index ?? connection.index;
    return {
      id: connection.id,
      index,
      local: connection.local,
      remote: connection.remote,
      events: connection.events.toArray(),
      eventsDropped: connection.events.dropped,
      samples: samples.map(toConnectionSample),
      samplesDropped: connection.samples.dropped,
      bytesIn: connection.bytesIn,
      bytesOut: connection.bytesOut,
    };
  }

  private limitsHit(endpoints: EndpointResult[]): string[] {
    const hits = [...this.notices];
    if (this.capture.dropped > 0) {
      hits.push(`capture: kept the newest ${this.capture.capacity} reads and writes, ${this.capture.dropped} older ones were dropped (capture.maxEntries)`);
    }
    if (this.eventsDropped > 0) hits.push(`events: ${this.eventsDropped} were dropped by the engine`);
    for (const [index, restarts] of this.listenerRestarts) {
      if (restarts.dropped > 0) {
        hits.push(`${this.profile.endpoints[index]?.id ?? index}: ${restarts.dropped} older listener restarts were dropped (kept the newest ${maxListenerRestarts})`);
      }
    }
    if (this.untrackedConnections > 0) {
      hits.push(`connections: ${this.untrackedConnections} past the first ${maxTrackedConnections} were counted but not followed one by one`);
    }
    for (const endpoint of endpoints) {
      hits.push(...chatLimitsHit(endpoint, this.profile.endpoints.find((spec) => spec.id === endpoint.id)));
      if (endpoint.connectionsWithoutSeries > 0) {
        const kept = this.profile.limits.seriesConnections;
        const which = kept === 0 ? 'none kept one' : kept === 1 ? 'index 0 kept one' : `indexes 0-${kept - 1} kept one`;
        hits.push(
          `${endpoint.id}: ${endpoint.connectionsWithoutSeries} connections had no sampled series and are in the endpoint's aggregate; ${which} (limits.seriesConnections = ${kept})`,
        );
      }
      const samplesDropped = endpoint.connections.reduce((sum, connection) => sum + connection.samplesDropped, 0);
      if (samplesDropped > 0) {
        hits.push(`${endpoint.id}: ${samplesDropped} older samples were dropped (limits.maxSamplesPerConnection = ${this.profile.limits.maxSamplesPerConnection})`);
      }
      for (const [direction, counters] of [['toServer', endpoint.proxy?.toServer], ['toClient', endpoint.proxy?.toClient]] as const) {
        if (counters && counters.queueFull > 0) {
          hits.push(
            `${endpoint.id}: the ${direction} queue of a proxied connection reached its bound of ${proxyQueueBoundBytes} bytes ${counters.queueFull} times; the proxy stopped reading the sender until it drained`,
          );
        }
      }
      const pool = endpoint.modelCounters?.readPool;
      if (pool && pool.exhausted > 0) {
        hits.push(
          `${endpoint.id}: the read buffer pool (${pool.buffers} buffers of ${pool.bufferBytes} bytes) was empty for ${pool.exhausted} reads, which waited for a buffer to come back (readPool.buffers)`,
        );
      }
      const eventsDropped = endpoint.connections.reduce((sum, connection) => sum + connection.eventsDropped, 0);
      if (eventsDropped > 0) {
        hits.push(`${endpoint.id}: ${eventsDropped} older events were dropped (limits.maxEventsPerConnection = ${this.profile.limits.maxEventsPerConnection})`);
      }
    }
    return hits;
  }
}

/** A chat server's bounds that were reached: a member's queue, and a room's backlog of jobs. */
function chatLimitsHit(endpoint: EndpointResult, spec: EndpointSpec | undefined): string[] {
  const chat = endpoint.chat;
  if (chat?.role !== 'server') return [];
  const hits: string[] = [];
  if (chat.messagesDropped > 0 || chat.membersDropped > 0) {
    const memberQueueBytes = spec?.workload.kind === 'chat' ? (spec.workload.memberQueueBytes ?? chatDefaults.memberQueueBytes) : chatDefaults.memberQueueBytes;
    hits.push(
      `${endpoint.id}: a chat member's queue was full (memberQueueBytes = ${memberQueueBytes}): ${chat.messagesDropped} messages dropped, ${chat.membersDropped} members dropped`,
    );
  }
  if (chat.roomBacklogPauses > 0) {
    hits.push(`${endpoint.id}: a chat room had more than 1024 jobs waiting; its members stopped reading until it caught up, ${chat.roomBacklogPauses} times`);
  }
  return hits;
}

/** `{ key: value }` when there is a value, else nothing, for spreading into a strict object. */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function stateName(state: number | undefined): (typeof tcpStates)[number] {
  return tcpStates[state ?? 0] ?? 'UNKNOWN';
}

/** Every event but an endpoint's listener restart belongs to a connection. */
function isConnectionEvent(event: NativeEvent): event is NativeEvent & { type: ConnectionEvent['type'] } {
  return event.type !== 'listen';
}

function toConnectionEvent(event: NativeEvent & { type: ConnectionEvent['type'] }): ConnectionEvent {
  const out: ConnectionEvent = { atMs: event.atUs / 1000, type: event.type };
  if (event.state !== undefined) out.state = stateName(event.state);
  if (event.how !== undefined) out.how = event.how;
  if (event.abortive !== undefined) out.abortive = event.abortive;
  if (event.code !== undefined) out.code = event.code;
  if (event.message !== undefined) out.message = event.message;
  if (event.local !== undefined) out.local = event.local;
  if (event.remote !== undefined) out.remote = event.remote;
  if (event.rule !== undefined) out.rule = event.rule;
  if (event.header !== undefined) out.header = event.header;
  if (event.fault !== undefined) out.fault = event.fault;
  if (event.direction !== undefined) out.direction = event.direction;
  return out;
}

function toConnectionSample(sample: NativeSample): ConnectionSample {
  const tcp = sample.tcp;
  return {
    atMs: sample.atUs / 1000,
    bytesIn: sample.bytesIn,
    bytesOut: sample.bytesOut,
    kernelSendQueueBytes: sample.sendQueueBytes,
    kernelUnsentBytes: sample.unsentBytes,
    kernelRecvQueueBytes: sample.recvQueueBytes,
    appSendQueueBytes: sample.appSendQueueBytes,
    tcp: tcp && {
      state: stateName(tcp.state),
      rttUs: tcp.rttUs,
      rttVarUs: tcp.rttVarUs,
      cwndSegments: tcp.cwndSegments,
      ssthreshSegments: tcp.ssthreshSegments,
      mssBytes: tcp.mssBytes,
      retransmits: tcp.retransmits,
      totalRetrans: tcp.totalRetrans,
      segsIn: tcp.segsIn,
      segsOut: tcp.segsOut,
      dataSegsOut: tcp.dataSegsOut,
      notsentBytes: tcp.notsentBytes,
      deliveryRateBytesPerS: tcp.deliveryRateBytesPerS,
      sndWndBytes: tcp.sndWndBytes,
      rcvWndBytes: tcp.rcvWndBytes,
      busyTimeUs: tcp.busyTimeUs,
      rwndLimitedUs: tcp.rwndLimitedUs,
      sndbufLimitedUs: tcp.sndbufLimitedUs,
      probes: tcp.probes,
    },
  };
}
