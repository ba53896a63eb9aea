// @vitest-environment happy-dom
// The renderer's stores against a fake API: validation by field path, run lifecycle, failures kept
// where the user acted, and every history bounded.
import { beforeEach, describe, expect, it } from 'vitest';
import { createPinia, setActivePinia } from 'pinia';
import { setApi } from '../../src-renderer/src/api/index.js';
import { ApiCallError } from '../../src-renderer/src/api/errors.js';
import { useProfileStore } from '../../src-renderer/src/stores/useProfileStore.js';
import { useRunStore } from '../../src-renderer/src/stores/useRunStore.js';
import { useSamplesStore } from '../../src-renderer/src/stores/useSamplesStore.js';
import { CaptureRing, useCaptureStore } from '../../src-renderer/src/stores/useCaptureStore.js';
import { useSettingsStore } from '../../src-renderer/src/stores/useSettingsStore.js';
import { PointHistory, NumberRing } from '../../src-renderer/src/lib/series.js';
import { batch, capture, echoScenario, endpoint, event, FakeApi, sample, tcp } from './fixtures.js';

let api: FakeApi;

beforeEach(() => {
  localStorage.clear();
  setActivePinia(createPinia());
  api = new FakeApi();
  setApi(api);
});

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('useProfileStore', () => {
  it('maps schema issues to field paths for inline messages', () => {
    const profile = useProfileStore();
    profile.addEndpoint('server');
    profile.addEndpoint('client');
    expect(profile.valid).toBe(true);
    const server = profile.draft.endpoints[0]!;
    server.listen = { host: '127.0.0.1', port: 70000 };
    profile.draft.endpoints[1]!.connect = { endpoint: 'nowhere' };
    expect(profile.valid).toBe(false);
    expect(profile.messagesAt('endpoints[0].listen.port')[0]).toMatch(/65535/);
    expect(profile.messagesAt('endpoints[1].connect.endpoint')).toEqual(['no endpoint with id "nowhere"']);
    // A nested query collects everything below an endpoint, for its card's summary.
    expect(profile.messagesAt('endpoints[0]', true).length).toBe(1);
    expect(profile.issueCount).toBe(2);
  });

  it('reports cross-field rules at the field that breaks them', () => {
    const profile = useProfileStore();
    profile.addEndpoint('server');
    profile.setWorkloadKind(0, 'bulk');
    profile.draft.endpoints[0]!.transport = 'udp';
    expect(profile.messagesAt('endpoints[0].workload.kind')[0]).toMatch(/cannot run "bulk"/);
  });

  it('keeps listen and connect consistent when the role changes, and gives a new workload its defaults', () => {
    const profile = useProfileStore();
    profile.addEndpoint('server');
    profile.addEndpoint('server');
    profile.setRole(1, 'client');
    expect(profile.draft.endpoints[1]).toMatchObject({ role: 'client', connect: { endpoint: 'server' } });
    expect(profile.draft.endpoints[1]!.listen).toBeUndefined();
    profile.setWorkloadKind(1, 'ping-pong');
    expect(profile.draft.endpoints[1]!.workload).toEqual({ kind: 'ping-pong', messageBytes: 64, writesPerMessage: 1 });
    expect(profile.valid).toBe(true);
  });

  it('opens a profile through the API, remembers it as recent and tracks unsaved edits', async () => {
    const profile = useProfileStore();
    expect(await profile.open({ kind: 'builtin', name: 'half-close' })).toBe(true);
    expect(profile.draft.name).toBe('Half-close');
    expect(profile.dirty).toBe(false);
    expect(profile.recent[0]).toEqual({ kind: 'builtin', name: 'half-close' });
    profile.draft.name = 'changed';
    expect(profile.dirty).toBe(true);
    // A built-in profile is never overwritten: save goes to the target given.
    await profile.save(false, { kind: 'stored', name: 'mine' });
    expect(api.calls.at(-1)?.args[1]).toEqual({ kind: 'stored', name: 'mine' });
    expect(profile.dirty).toBe(false);
  });
});

describe('useRunStore', () => {
  it('refuses to start an invalid scenario and says where to look', async () => {
    const run = useRunStore();
    const profile = useProfileStore();
    profile.addEndpoint('client');
    profile.draft.endpoints[0]!.connect = { host: '127.0.0.1', port: 0 };
    expect(await run.start()).toBe(false);
    expect(run.status).toBe('failed');
    expect(run.failure?.message).toMatch(/problem/);
    expect(api.calls.some((call) => call.name === 'runs.start')).toBe(false);
  });

  it('starts, takes batches that arrive before the start reply, and stops', async () => {
    const profile = useProfileStore();
    profile.replace(echoScenario(), null);
    const run = useRunStore();
    let answer: (value: { runId: string; listen: (string | null)[] }) => void = () => undefined;
    api.startReply = () => new Promise((resolve) => (answer = resolve));
    const started = run.start();
    await flush();
    expect(run.status).toBe('starting');
    // The clock starts when the engine has started the run, not when the button was pressed.
    expect(run.elapsedMs).toBe(0);
    expect(run.startedAtMs).toBeNull();
    api.pushBatch('run-1', batch({ events: [event(7, 10, 'open', { local: '127.0.0.1:1', remote: '127.0.0.1:2' })] }));
    answer({ runId: 'run-1', listen: ['127.0.0.1:40000', null] });
    expect(await started).toBe(true);
    expect(run.status).toBe('running');
    const samples = useSamplesStore();
    expect(samples.rows.map((row) => row.id)).toEqual([7]);
    expect(samples.selectedConnectionId).toBe(7);
    // Another run's batches are not ours.
    api.pushBatch('run-2', batch({ events: [event(9, 10, 'open')] }));
    expect(samples.rows).toHaveLength(1);
    await run.stop();
    expect(run.status).toBe('finished');
    expect(api.calls.at(-1)).toEqual({ name: 'runs.stop', args: ['run-1'] });
  });

  it('keeps an endpoint error with its endpoint, and a start failure with its field', async () => {
    const profile = useProfileStore();
    profile.replace(echoScenario(), null);
    const run = useRunStore();
    await run.start();
    api.pushBatch('run-1', batch({ endpoints: [endpoint({ errors: [{ code: 'EADDRINUSE', message: 'address in use: 127.0.0.1:8080', count: 1 }] }), endpoint()] }));
    expect(run.endpointErrors).toEqual({ server: [{ code: 'EADDRINUSE', message: 'address in use: 127.0.0.1:8080', count: 1 }] });

    await run.stop();
    api.startReply = () => Promise.reject(new ApiCallError({ code: 'EADDRINUSE', message: 'cannot listen', problems: [{ path: 'endpoints[0].listen', message: 'EADDRINUSE: 127.0.0.1:8080 is in use' }] }));
    expect(await run.start()).toBe(false);
    expect(run.failure?.code).toBe('EADDRINUSE');
    expect(profile.messagesAt('endpoints[0].listen')).toEqual(['EADDRINUSE: 127.0.0.1:8080 is in use']);
    // The message is about that draft: an edit clears it.
    profile.draft.endpoints[0]!.listen = { host: '127.0.0.1', port: 8081 };
    expect(profile.messagesAt('endpoints[0].listen')).toEqual([]);
  });

  it('sends live commands to one connection and keeps their failure with it', async () => {
    useProfileStore().replace(echoScenario(), null);
    const run = useRunStore();
    await run.start();
    expect(await run.setOption(7, { noDelay: true })).toBe(true);
    expect(api.calls.at(-1)).toEqual({ name: 'connections.setOption', args: ['run-1', { connectionId: 7 }, { noDelay: true }] });
    api.commandFailure = new ApiCallError({ code: 'ENOTCONN', message: 'connection 8 is closed' });
    expect(await run.shutdown(8, 'write')).toBe(false);
    expect(run.commandErrors).toEqual({ 8: 'connection 8 is closed' });
  });

  it('restarts a TCP server\'s listener live and keeps what the engine said about it', async () => {
    useProfileStore().replace(echoScenario(), null);
    const run = useRunStore();
    await run.start();
    expect(run.listenerEndpoints).toEqual(['server']);
    expect(await run.restartListener('server', false)).toBe(true);
    expect(api.calls.at(-1)).toEqual({ name: 'endpoints.restartListener', args: ['run-1', 'server', { reuseAddr: false }] });
    const refused = 'address 127.0.0.1:8080 is already in use (EADDRINUSE) on restart with SO_REUSEADDR off; 3 sockets were in TIME_WAIT on port 8080 (sock_diag)';
    api.pushBatch('run-1', batch({ events: [event(0, 10, 'listen', { code: 'EADDRINUSE', message: refused, local: '127.0.0.1:8080', reuseAddr: false, timeWaitSockets: 3 })] }));
    expect(run.listenerNotes).toEqual([{ endpoint: 'server', listening: false, message: refused }]);
    api.commandFailure = new ApiCallError({ code: 'EINVAL', message: 'endpoint "client" has no listener to restart' });
    expect(await run.restartListener('client', true)).toBe(false);
    expect(run.listenerError).toBe('endpoint "client" has no listener to restart');
  });
});

describe('useSamplesStore', () => {
  it('derives throughput, queues, states and half-close flags per connection', () => {
    const samples = useSamplesStore();
    samples.reset(100);
    samples.ingest(batch({ atUs: 100_000, events: [event(3, 0, 'open')], samples: [sample(3, 100_000, { bytesOut: 0, tcp: tcp(1) })] }));
    samples.ingest(
      batch({
        atUs: 200_000,
        events: [event(3, 150_000, 'shutdown', { how: 'write' }), event(3, 150_000, 'state', { state: 4 })],
        samples: [sample(3, 200_000, { bytesOut: 125_000, sendQueueBytes: 4096, tcp: tcp(5) })],
      }),
    );
    const track = samples.connection(3)!;
    expect(track.series.outMbps.points).toEqual([{ x: 0.2, y: 10 }]);
    expect(track.series.sendQueueBytes.last).toEqual({ x: 0.2, y: 4096 });
    expect(track.bands.map((band) => band.state)).toEqual(['ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2']);
    expect(samples.rows[0]).toMatchObject({ id: 3, state: 'FIN_WAIT2', flags: { weShutWrite: true, peerShutWrite: false } });
    expect(samples.version).toBeGreaterThan(1);
  });

  it('computes the latency mean of each interval from the running count and mean', () => {
    const samples = useSamplesStore();
    samples.reset(100);
    const latency = (count: number, mean: number) => ({ count, p50: mean, p90: mean, p99: mean, max: mean, mean });
    samples.ingest(batch({ atUs: 100_000, endpoints: [endpoint({ latencyUs: latency(10, 40_000) })] }));
    samples.ingest(batch({ atUs: 200_000, endpoints: [endpoint({ latencyUs: latency(1010, (10 * 40_000 + 1000 * 50) / 1010) })] }));
    expect(samples.endpoints[0]?.intervalMeanMs).toBeCloseTo(0.05, 6);
    expect(samples.endpointTrack(0)?.series.intervalMeanMs.points.map((point) => Math.round(point.y * 1000))).toEqual([40_000, 50]);
  });

  it('keeps at most the history the settings allow, and follows a bounded number of connections', () => {
    const settings = useSettingsStore();
    settings.historyMinutes = 0.01; // 600 ms of history at 10 ms = 60 points
    settings.maxTrackedConnections = 3;
    const samples = useSamplesStore();
    samples.reset(10);
    for (let i = 1; i <= 5000; i++) samples.ingest(batch({ atUs: i * 10_000, samples: [sample(1, i * 10_000, { bytesIn: i })] }));
    const points = samples.connection(1)!.series.appSendQueueBytes.points;
    expect(points.length).toBeLessThanOrEqual(60 + Math.floor(60 / 16));
    expect(points.length).toBeGreaterThanOrEqual(60);
    expect(points.at(-1)?.x).toBe(50);
    samples.ingest(batch({ events: [2, 3, 4, 5].map((id) => event(id, 0, 'open')) }));
    expect(samples.rows).toHaveLength(3);
    expect(samples.untrackedConnections).toBe(2);
  });
});

describe('rings', () => {
  it('PointHistory never exceeds capacity plus slack and keeps the newest points in order', () => {
    const history = new PointHistory(6000);
    let longest = 0;
    for (let i = 0; i < 100_000; i++) {
      history.push(i, i);
      longest = Math.max(longest, history.points.length);
    }
    expect(longest).toBeLessThan(6000 + 6000 / 16 + 1);
    expect(history.points[0]!.x).toBeLessThan(history.points[1]!.x);
    expect(history.last).toEqual({ x: 99_999, y: 99_999 });
  });

  it('NumberRing keeps the newest values and counts the dropped', () => {
    const ring = new NumberRing(3);
    for (const value of [1, 2, 3, 4, 5]) ring.push(value);
    expect(ring.toArray()).toEqual([3, 4, 5]);
    expect(ring.dropped).toBe(2);
  });

  it('CaptureRing keeps the newest records with their previews and drops the rest', () => {
    const ring = new CaptureRing(4, 4);
    const bytes = (text: string) => new TextEncoder().encode(text);
    ring.push(capture([1, 2, 3].map((n) => ({ atUs: n, connectionId: n % 2, direction: 1 as const, payload: bytes(`w${n}xyz`) })), 4));
    ring.push(capture([4, 5, 6].map((n) => ({ atUs: n, connectionId: n % 2, direction: 0 as const, payload: bytes(`r${n}`) })), 4));
    expect(ring.length).toBe(4);
    expect(ring.dropped).toBe(2);
    expect(ring.recordAt(0)).toBeNull();
    expect(ring.recordAt(2)).toMatchObject({ sequence: 2, atUs: 3, direction: 'write', bytes: 5, preview: bytes('w3xy') });
    expect(ring.recordAt(5)).toMatchObject({ direction: 'read', preview: bytes('r6') });
    expect(ring.sequencesOf(1)).toEqual([2, 4]);
    // A batch larger than the ring keeps its newest records.
    ring.push(capture(Array.from({ length: 10 }, (_, n) => ({ atUs: 100 + n, connectionId: 9, direction: 1 as const, payload: bytes('x') })), 4));
    expect(ring.total).toBe(16);
    expect(ring.recordAt(15)?.atUs).toBe(109);
    expect(ring.recordAt(11)).toBeNull();
  });

  it('useCaptureStore adopts the run preview size and selects records by sequence', () => {
    const store = useCaptureStore();
    store.reset(8);
    store.ingest(capture([{ atUs: 1, connectionId: 1, direction: 1, payload: new Uint8Array([0x68, 0x00, 0x69, 0x00]) }], 8));
    store.select(0);
    expect(store.selected?.preview).toEqual(new Uint8Array([0x68, 0x00, 0x69, 0x00]));
    store.select(99);
    expect(store.selected).toBeNull();
  });
});

describe('useSettingsStore', () => {
  it('keeps payload layouts per endpoint, at most 64 of them, and drops what storage should not hold', async () => {
    const settings = useSettingsStore();
    for (let i = 0; i < 70; i++) settings.setPayloadLayout(`endpoint-${i}`, `n:u${8 << (i % 4)}`);
    settings.setPayloadLayout('endpoint-10', 'size:u16 id:u16'); // set again: now the newest
    settings.setPayloadLayout('endpoint-11', ''); // cleared: removed, not kept empty
    await flush();
    const stored = JSON.parse(localStorage.getItem('sockscope.settings') ?? '{}') as { payloadLayouts: Record<string, string> };
    const ids = Object.keys(stored.payloadLayouts);
    expect(ids).toHaveLength(63);
    expect(ids[0]).toBe('endpoint-6');
    expect(ids.at(-1)).toBe('endpoint-10');
    expect(settings.payloadLayoutFor('endpoint-10')).toBe('size:u16 id:u16');
    expect(settings.payloadLayoutFor('endpoint-11')).toBe('');
    expect(settings.payloadLayoutFor('endpoint-5')).toBe('');
    expect(settings.payloadLayoutFor('endpoint-6')).toBe('n:u32');

    // A new page reads them back; entries that are not short strings are dropped.
    localStorage.setItem('sockscope.settings', JSON.stringify({ payloadLayouts: { a: 'x:u8', b: 42, c: 'y'.repeat(5000) } }));
    setActivePinia(createPinia());
    expect(useSettingsStore().payloadLayouts).toEqual({ a: 'x:u8' });
  });
});
