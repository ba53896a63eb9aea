// Hand-built live batches and a fake SockscopeApi for the renderer's unit tests.
import type { MenuCommand, SockscopeApi, StartedRun } from '../../src-shared/api.js';
import type { LiveBatch, LiveEndpoint, LiveEvent, LiveSample, RunProgress } from '../../src-shared/engine-protocol.js';
import type { RunResult } from '../../src-shared/result.js';
import type { OpenedResult, ReportFormat } from '../../src-shared/report-export.js';

export function endpoint(over: Partial<LiveEndpoint> = {}): LiveEndpoint {
  return {
    counters: {
      threads: 1, connectionsOpen: 1, connectionsTotal: 1, accepts: 0, connectionsRefused: 0, reads: 0, writes: 0, bytesIn: 0, bytesOut: 0,
      wakeups: 0, wouldBlock: 0, messages: 0, messagesLost: 0, verifyErrors: 0, datagramsOutOfOrder: 0, datagramsMissing: 0, errors: 0,
      protocolViolations: 0,
    },
    latencyUs: null,
    errors: [],
    applied: null,
    connectionsWithoutSeries: 0,
    ...over,
  };
}

export function sample(connectionId: number, atUs: number, over: Partial<LiveSample> = {}): LiveSample {
  return {
    connectionId, endpoint: 0, index: 0, atUs, bytesIn: 0, bytesOut: 0, appSendQueueBytes: 0, sendQueueBytes: 0, unsentBytes: 0, recvQueueBytes: 0, tcp: null,
    ...over,
  };
}

export function tcp(state: number): NonNullable<LiveSample['tcp']> {
  return {
    state, retransmits: 0, probes: 0, rttUs: 50, rttVarUs: 10, cwndSegments: 10, ssthreshSegments: 2147483647, mssBytes: 65483, unackedSegments: 0,
    lostSegments: 0, totalRetrans: 0, segsIn: 1, segsOut: 1, dataSegsOut: 0, notsentBytes: 0, deliveryRateBytesPerS: 0, busyTimeUs: 0,
    rwndLimitedUs: 0, sndbufLimitedUs: 0, bytesRetrans: 0, sndWndBytes: 0, rcvWndBytes: 0,
  };
}

export function emptyCapture(previewBytes = 8): LiveBatch['capture'] {
  return {
    count: 0, atUs: new Float64Array(0), connectionId: new Uint32Array(0), bytes: new Uint32Array(0), endpoint: new Uint16Array(0),
    direction: new Uint8Array(0), previewLength: new Uint16Array(0), previews: new Uint8Array(0), previewBytes, dropped: 0,
  };
}

/** A capture of `records`, each (connection, direction, payload). */
export function capture(records: { atUs: number; connectionId: number; direction: 0 | 1; payload: Uint8Array; bytes?: number }[], previewBytes = 8): LiveBatch['capture'] {
  const count = records.length;
  const out = {
    count, atUs: new Float64Array(count), connectionId: new Uint32Array(count), bytes: new Uint32Array(count), endpoint: new Uint16Array(count),
    direction: new Uint8Array(count), previewLength: new Uint16Array(count), previews: new Uint8Array(count * previewBytes), previewBytes, dropped: 0,
  };
  records.forEach((record, i) => {
    out.atUs[i] = record.atUs;
    out.connectionId[i] = record.connectionId;
    out.bytes[i] = record.bytes ?? record.payload.length;
    out.direction[i] = record.direction;
    const kept = record.payload.subarray(0, previewBytes);
    out.previewLength[i] = kept.length;
    out.previews.set(kept, i * previewBytes);
  });
  return out;
}

export function batch(over: Partial<LiveBatch> = {}): LiveBatch {
  return { sequence: 0, atUs: 100_000, final: false, eventsDropped: 0, notices: [], endpoints: [endpoint()], samples: [], events: [], capture: emptyCapture(), ...over };
}

export function event(connectionId: number, atUs: number, type: LiveEvent['type'], over: Partial<LiveEvent> = {}): LiveEvent {
  return { atUs, connectionId, endpoint: 0, type, ...over };
}

export const progress: RunProgress = { elapsedMs: 100, durationMs: 1000, bytesIn: 0, bytesOut: 0, connectionsOpen: 1, connectionsTotal: 1, latencyUs: null, errors: 0 };

type BatchListener = (runId: string, batch: LiveBatch, progress: RunProgress) => void;

/** A SockscopeApi that records calls and lets a test push events. */
export class FakeApi implements SockscopeApi {
  readonly transport = 'desktop' as const;
  calls: { name: string; args: unknown[] }[] = [];
  batchListeners = new Set<BatchListener>();
  finishedListeners = new Set<(runId: string, result: RunResult) => void>();
  failedListeners = new Set<(runId: string, failure: { code: string; message: string }) => void>();
  startReply: () => Promise<StartedRun> = () => Promise.resolve({ runId: 'run-1', listen: ['127.0.0.1:40000', null] });
  commandFailure: Error | null = null;

  menuListeners = new Set<(command: MenuCommand) => void>();
  app = {
    version: () => Promise.resolve('0.1.0'),
    onMenu: (listener: (command: MenuCommand) => void) => {
      this.menuListeners.add(listener);
      return () => this.menuListeners.delete(listener);
    },
  };
  engine = {
    status: () => Promise.resolve({ state: 'running' as const, message: 'ok' }),
    restart: () => Promise.resolve({ state: 'running' as const, message: 'ok' }),
    onStatus: () => () => undefined,
  };
  profiles = {
    list: () => Promise.resolve([{ ref: { kind: 'builtin' as const, name: 'half-close' }, name: 'Half-close', description: 'd' }]),
    open: (ref: unknown) => {
      this.calls.push({ name: 'profiles.open', args: [ref] });
      return Promise.resolve({ ref: { kind: 'builtin' as const, name: 'half-close' }, profile: { schema: 'sockscope.profile/1', name: 'Half-close', durationMs: 1000, endpoints: [] } });
    },
    save: (profile: unknown, ref: unknown) => {
      this.calls.push({ name: 'profiles.save', args: [profile, ref] });
      return Promise.resolve({ kind: 'stored' as const, name: 'mine' });
    },
  };
  runs = {
    start: (profile: unknown) => {
      this.calls.push({ name: 'runs.start', args: [profile] });
      return this.startReply();
    },
    stop: (runId: string) => {
      this.calls.push({ name: 'runs.stop', args: [runId] });
      return Promise.resolve({} as RunResult);
    },
    onBatch: (listener: BatchListener) => {
      this.batchListeners.add(listener);
      return () => this.batchListeners.delete(listener);
    },
    onFinished: (listener: (runId: string, result: RunResult) => void) => {
      this.finishedListeners.add(listener);
      return () => this.finishedListeners.delete(listener);
    },
    onFailed: (listener: (runId: string, failure: { code: string; message: string }) => void) => {
      this.failedListeners.add(listener);
      return () => this.failedListeners.delete(listener);
    },
  };
  connections = {
    send: (...args: unknown[]) => this.command('connections.send', args),
    shutdown: (...args: unknown[]) => this.command('connections.shutdown', args),
    close: (...args: unknown[]) => this.command('connections.close', args),
    setOption: (...args: unknown[]) => this.command('connections.setOption', args),
  };
  endpoints = {
    restartListener: (...args: unknown[]) => this.command('endpoints.restartListener', args),
  };

  openedResult: OpenedResult | null = null;
  exportFailure: Error | null = null;
  results = {
    open: () => {
      this.calls.push({ name: 'results.open', args: [] });
      return Promise.resolve(this.openedResult);
    },
  };
  reports = {
    export: (resultId: string, format: ReportFormat) => {
      this.calls.push({ name: 'reports.export', args: [resultId, format] });
      return this.exportFailure ? Promise.reject(this.exportFailure) : Promise.resolve({ files: [`/tmp/${resultId}.${format}`] });
    },
  };

  private command(name: string, args: unknown[]): Promise<void> {
    this.calls.push({ name, args });
    return this.commandFailure ? Promise.reject(this.commandFailure) : Promise.resolve();
  }

  pushBatch(runId: string, value: LiveBatch): void {
    for (const listener of this.batchListeners) listener(runId, value, progress);
  }
}

/** A valid two-endpoint scenario: an echo server and a ping-pong client. */
export function echoScenario(): unknown {
  return {
    schema: 'sockscope.profile/1',
    name: 'echo',
    durationMs: 1000,
    endpoints: [
      { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
      { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, workload: { kind: 'ping-pong' } },
    ],
  };
}
