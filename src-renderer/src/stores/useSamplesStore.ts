import { markRaw, ref, shallowRef } from 'vue';
import { defineStore } from 'pinia';
import type { LiveBatch, LiveEndpoint } from '../../../src-shared/engine-protocol.js';
import type { AppliedSocketOptions } from '../../../src-shared/socket-options.js';
import type { TcpState } from '../../../src-shared/result.js';
import { PointHistory } from '../lib/series.js';
import { applyEventToFlags, emptyFlags, extendBands, type HalfCloseFlags, type StateBand } from '../lib/tcp-states.js';
import { useSettingsStore } from './useSettingsStore.js';

export const connectionMetrics = [
  'inMbps',
  'outMbps',
  'sendQueueBytes',
  'unsentBytes',
  'recvQueueBytes',
  'appSendQueueBytes',
  'rttMs',
  'cwndSegments',
  'totalRetrans',
] as const;
export type ConnectionMetric = (typeof connectionMetrics)[number];

export const endpointMetrics = ['inMbps', 'outMbps', 'p50Ms', 'p90Ms', 'p99Ms', 'intervalMeanMs'] as const;
export type EndpointMetric = (typeof endpointMetrics)[number];

/** Bands kept per connection: a connection changes state a handful of times, a flapping one is cut. */
export const maxBandsPerConnection = 256;

/** Everything the renderer follows of one connection. Lives outside Vue reactivity. */
export interface ConnectionTrack {
  id: number;
  endpoint: number;
  local: string | null;
  remote: string | null;
  state: TcpState;
  flags: HalfCloseFlags;
  bytesIn: number;
  bytesOut: number;
  optionNotes: string[];
  bands: StateBand[];
  /** True once the `closed` event is in the bands. */
  timelineEnded: boolean;
  series: Record<ConnectionMetric, PointHistory>;
  lastSampleUs: number | null;
  lastBytesIn: number;
  lastBytesOut: number;
  firstSeenUs: number;
}

export interface EndpointTrack {
  index: number;
  series: Record<EndpointMetric, PointHistory>;
  lastAtUs: number | null;
  lastBytesIn: number;
  lastBytesOut: number;
  lastLatencyCount: number;
  lastLatencySumUs: number;
}

/** One row of the connection table: a snapshot, replaced each batch. */
export interface ConnectionRow {
  id: number;
  endpoint: number;
  local: string | null;
  remote: string | null;
  state: TcpState;
  flags: HalfCloseFlags;
  bytesIn: number;
  bytesOut: number;
  optionNotes: string[];
}

export interface EndpointSummary {
  index: number;
  live: LiveEndpoint;
  throughputInMbps: number | null;
  throughputOutMbps: number | null;
  intervalMeanMs: number | null;
}

function histories<K extends string>(names: readonly K[], capacity: number): Record<K, PointHistory> {
  const out = {} as Record<K, PointHistory>;
  for (const name of names) out[name] = new PointHistory(capacity);
  return out;
}

/**
 * Live series of a run: per connection and per endpoint, bounded histories of chart points kept
 * outside reactivity. `version` counts ingested batches; charts redraw when it moves. Tables read
 * `rows` and `endpoints`, small snapshots replaced per batch.
 */
export const useSamplesStore = defineStore('samples', () => {
  const settings = useSettingsStore();
  const version = ref(0);
  const rows = shallowRef<ConnectionRow[]>([]);
  const endpoints = shallowRef<EndpointSummary[]>([]);
  const applied = shallowRef<(AppliedSocketOptions | null)[]>([]);
  const untrackedConnections = ref(0);
  const lastAtUs = ref(0);
  const eventsDropped = ref(0);
  const notices = ref<string[]>([]);
  /** The connection the live controls, the charts and the stream view look at. */
  const selectedConnectionId = ref<number | null>(null);

  let capacity = settings.historyPoints(100);
  const connections = markRaw(new Map<number, ConnectionTrack>());
  const endpointTracks = markRaw(new Map<number, EndpointTrack>());

  /** Forgets the previous run; `sampleEveryMs` sizes the histories (settings.historyMinutes of points). */
  function reset(sampleEveryMs: number): void {
    capacity = settings.historyPoints(sampleEveryMs);
    connections.clear();
    endpointTracks.clear();
    rows.value = [];
    endpoints.value = [];
    applied.value = [];
    untrackedConnections.value = 0;
    lastAtUs.value = 0;
    eventsDropped.value = 0;
    notices.value = [];
    selectedConnectionId.value = null;
    version.value += 1;
  }

  function track(connectionId: number, endpoint: number, atUs: number): ConnectionTrack | null {
    const existing = connections.get(connectionId);
    if (existing) return existing;
    if (connections.size >= settings.maxTrackedConnections) {
      untrackedConnections.value += 1;
      return null;
    }
    const created: ConnectionTrack = {
      id: connectionId,
      endpoint,
      local: null,
      remote: null,
      state: 'UNKNOWN',
      flags: emptyFlags(),
      bytesIn: 0,
      bytesOut: 0,
      optionNotes: [],
      bands: [],
      timelineEnded: false,
      series: histories(connectionMetrics, capacity),
      lastSampleUs: null,
      lastBytesIn: 0,
      lastBytesOut: 0,
      firstSeenUs: atUs,
    };
    connections.set(connectionId, created);
    return created;
  }

  function ingest(batch: LiveBatch): void {
    // States come from events and from samples; they are merged in time order into the bands.
    const observations: { connection: ConnectionTrack; type: 'open' | 'state' | 'closed'; atUs: number; state?: number }[] = [];
    for (const event of batch.events) {
      if (event.connectionId === 0) continue;
      const connection = track(event.connectionId, event.endpoint, event.atUs);
      if (!connection) continue;
      if (event.type === 'open') {
        connection.local = event.local ?? connection.local;
        connection.remote = event.remote ?? connection.remote;
      }
      if (event.type === 'option' && event.message) connection.optionNotes = [...connection.optionNotes, event.message].slice(-4);
      connection.flags = applyEventToFlags(connection.flags, event);
      if (event.type === 'open' || event.type === 'state' || event.type === 'closed') {
        observations.push({ connection, type: event.type, atUs: event.atUs, ...(event.state !== undefined ? { state: event.state } : {}) });
      }
    }

    for (const sample of batch.samples) {
      const connection = track(sample.connectionId, sample.endpoint, sample.atUs);
      if (!connection) continue;
      const x = sample.atUs / 1e6;
      const s = connection.series;
      if (connection.lastSampleUs !== null && sample.atUs > connection.lastSampleUs) {
        const seconds = (sample.atUs - connection.lastSampleUs) / 1e6;
        s.inMbps.push(x, ((sample.bytesIn - connection.lastBytesIn) * 8) / seconds / 1e6);
        s.outMbps.push(x, ((sample.bytesOut - connection.lastBytesOut) * 8) / seconds / 1e6);
      }
      connection.lastSampleUs = sample.atUs;
      connection.lastBytesIn = sample.bytesIn;
      connection.lastBytesOut = sample.bytesOut;
      connection.bytesIn = sample.bytesIn;
      connection.bytesOut = sample.bytesOut;
      s.appSendQueueBytes.push(x, sample.appSendQueueBytes);
      if (sample.sendQueueBytes !== null) s.sendQueueBytes.push(x, sample.sendQueueBytes);
      if (sample.unsentBytes !== null) s.unsentBytes.push(x, sample.unsentBytes);
      if (sample.recvQueueBytes !== null) s.recvQueueBytes.push(x, sample.recvQueueBytes);
      if (sample.tcp) {
        s.rttMs.push(x, sample.tcp.rttUs / 1000);
        s.cwndSegments.push(x, sample.tcp.cwndSegments);
        s.totalRetrans.push(x, sample.tcp.totalRetrans);
        // The sampled state fills in transitions that happened between two events.
        observations.push({ connection, type: 'state', atUs: sample.atUs, state: sample.tcp.state });
      }
    }
    observations.sort((a, b) => a.atUs - b.atUs);
    for (const observation of observations) {
      const { connection } = observation;
      // Once our socket is closed, nothing observed later changes its timeline. The `closed`
      // observation itself ends it, not the flags: those already include the whole batch.
      if (connection.timelineEnded) continue;
      extendBands(connection.bands, observation);
      if (observation.type === 'closed') connection.timelineEnded = true;
      if (connection.bands.length > maxBandsPerConnection) connection.bands.splice(0, connection.bands.length - maxBandsPerConnection);
      connection.state = connection.bands[connection.bands.length - 1]?.state ?? connection.state;
    }

    const summaries: EndpointSummary[] = [];
    batch.endpoints.forEach((live, index) => {
      let endpoint = endpointTracks.get(index);
      if (!endpoint) {
        endpoint = { index, series: histories(endpointMetrics, capacity), lastAtUs: null, lastBytesIn: 0, lastBytesOut: 0, lastLatencyCount: 0, lastLatencySumUs: 0 };
        endpointTracks.set(index, endpoint);
      }
      const x = batch.atUs / 1e6;
      let inMbps: number | null = null;
      let outMbps: number | null = null;
      let intervalMeanMs: number | null = null;
      if (endpoint.lastAtUs !== null && batch.atUs > endpoint.lastAtUs) {
        const seconds = (batch.atUs - endpoint.lastAtUs) / 1e6;
        inMbps = ((live.counters.bytesIn - endpoint.lastBytesIn) * 8) / seconds / 1e6;
        outMbps = ((live.counters.bytesOut - endpoint.lastBytesOut) * 8) / seconds / 1e6;
        endpoint.series.inMbps.push(x, inMbps);
        endpoint.series.outMbps.push(x, outMbps);
      }
      endpoint.lastAtUs = batch.atUs;
      endpoint.lastBytesIn = live.counters.bytesIn;
      endpoint.lastBytesOut = live.counters.bytesOut;
      const latency = live.latencyUs;
      if (latency && latency.count > 0) {
        endpoint.series.p50Ms.push(x, latency.p50 / 1000);
        endpoint.series.p90Ms.push(x, latency.p90 / 1000);
        endpoint.series.p99Ms.push(x, latency.p99 / 1000);
        // The engine's percentiles cover the whole run; the mean of this interval alone is exact
        // from the running count and mean, and shows a change (Nagle toggled) at once.
        const sumUs = latency.mean * latency.count;
        const newCount = latency.count - endpoint.lastLatencyCount;
        if (newCount > 0) {
          intervalMeanMs = (sumUs - endpoint.lastLatencySumUs) / newCount / 1000;
          endpoint.series.intervalMeanMs.push(x, intervalMeanMs);
        }
        endpoint.lastLatencyCount = latency.count;
        endpoint.lastLatencySumUs = sumUs;
      }
      summaries.push({ index, live, throughputInMbps: inMbps, throughputOutMbps: outMbps, intervalMeanMs });
    });
    if (summaries.length > 0) {
      // Keep the last interval's figures when a batch carries no new latency measurements.
      const previous = endpoints.value;
      endpoints.value = summaries.map((summary) => ({
        ...summary,
        intervalMeanMs: summary.intervalMeanMs ?? (summary.live.latencyUs ? previous[summary.index]?.intervalMeanMs ?? null : null),
      }));
      applied.value = batch.endpoints.map((live) => live.applied);
    }

    eventsDropped.value += batch.eventsDropped;
    if (batch.notices.length > 0) notices.value = [...new Set([...notices.value, ...batch.notices])].slice(-20);
    lastAtUs.value = Math.max(lastAtUs.value, batch.atUs);
    rows.value = [...connections.values()].map((connection) => ({
      id: connection.id,
      endpoint: connection.endpoint,
      local: connection.local,
      remote: connection.remote,
      state: connection.state,
      flags: connection.flags,
      bytesIn: connection.bytesIn,
      bytesOut: connection.bytesOut,
      optionNotes: connection.optionNotes,
    }));
    if (selectedConnectionId.value === null || !connections.has(selectedConnectionId.value)) {
      selectedConnectionId.value = rows.value[0]?.id ?? null;
    }
    version.value += 1;
  }

  function connection(id: number): ConnectionTrack | undefined {
    return connections.get(id);
  }

  function endpointTrack(index: number): EndpointTrack | undefined {
    return endpointTracks.get(index);
  }

  return {
    version,
    rows,
    endpoints,
    applied,
    untrackedConnections,
    lastAtUs,
    eventsDropped,
    notices,
    selectedConnectionId,
    reset,
    ingest,
    connection,
    endpointTrack,
  };
});
