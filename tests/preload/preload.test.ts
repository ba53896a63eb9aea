// The sandboxed preload, loaded with a stand-in for Electron: what it exposes, which channels it
// invokes, how it treats main's answers, and how events on the MessagePort reach listeners.
import { MessageChannel } from 'node:worker_threads';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { apiCalls, bridgeOnlyCalls, type ApiCallName, type SockscopeApi } from '../../src-shared/api.js';
import type { LiveBatch, RunProgress } from '../../src-shared/engine-protocol.js';
import { callChannel, EVENTS_PORT_CHANNEL } from '../../src-shared/ipc-channels.js';
import { sampleBatch, sampleProgress, sampleResult } from './samples.js';

const exposed = new Map<string, unknown>();
const invoke = vi.fn<(channel: string, ...args: unknown[]) => Promise<unknown>>();
const rendererListeners = new Map<string, (event: { ports: unknown[] }, ...args: unknown[]) => void>();

vi.mock('electron', () => ({
  contextBridge: { exposeInMainWorld: (key: string, value: unknown) => exposed.set(key, value) },
  ipcRenderer: {
    invoke: (channel: string, ...args: unknown[]) => invoke(channel, ...args),
    on: (channel: string, listener: (event: { ports: unknown[] }) => void) => rendererListeners.set(channel, listener),
  },
}));

await import('../../src-preload/index.js');
const api = exposed.get('sockscope') as SockscopeApi;

/** Every key of an object, nested ones as dotted paths, sorted. */
function keyPaths(value: object, prefix = ''): string[] {
  return Object.entries(value)
    .flatMap(([key, inner]) => (typeof inner === 'object' && inner !== null ? keyPaths(inner as object, `${prefix}${key}.`) : [`${prefix}${key}`]))
    .sort();
}

/** The method a call name names: "runs.start" is api.runs.start. */
function methodOf(name: ApiCallName): (...args: unknown[]) => Promise<unknown> {
  const [group, method] = name.split('.') as [string, string];
  return (api as unknown as Record<string, Record<string, (...args: unknown[]) => Promise<unknown>>>)[group]![method]!;
}

const sampleArgs: { [N in ApiCallName]: unknown[] } = {
  'app.version': [],
  'engine.status': [],
  'engine.restart': [],
  'profiles.list': [],
  'profiles.open': [{ kind: 'builtin', name: 'echo-epoll' }],
  'profiles.save': [{ name: 'x' }, null],
  'runs.start': [{ name: 'x' }],
  'runs.stop': ['run-1'],
  'connections.send': ['run-1', { connectionId: 1 }, { text: 'hi' }],
  'connections.shutdown': ['run-1', { endpoint: 'client' }, 'write'],
  'connections.close': ['run-1', { connectionId: 1 }, { abortive: true }],
  'connections.setOption': ['run-1', { connectionId: 1 }, { noDelay: false }],
  'endpoints.restartListener': ['run-1', 'server', { reuseAddr: true }],
  'results.open': [],
  'results.load': [],
  'reports.export': ['run-1', 'pcapng'],
};

const sampleAnswers: { [N in ApiCallName]: unknown } = {
  'app.version': '0.1.0',
  'engine.status': { state: 'running', message: 'the engine host is running' },
  'engine.restart': { state: 'running', message: 'the engine host is running' },
  'profiles.list': [{ ref: { kind: 'builtin', name: 'echo-epoll' }, name: 'Echo', description: '' }],
  'profiles.open': { ref: { kind: 'file', path: '/tmp/x.json' }, profile: { anything: true } },
  'profiles.save': { kind: 'file', path: '/tmp/x.json' },
  'runs.start': { runId: 'run-1', listen: ['127.0.0.1:4000', null] },
  'runs.stop': sampleResult(),
  'connections.send': null,
  'connections.shutdown': null,
  'connections.close': null,
  'connections.setOption': null,
  'endpoints.restartListener': null,
  'results.open': { resultId: 'file-1', name: 'a.json', result: sampleResult() },
  'results.load': null,
  'reports.export': { kind: 'saved', paths: ['/tmp/a.pcapng'] },
};

/** The calls the preload makes: all but the browser bridge's own. */
const desktopCalls = (Object.keys(apiCalls) as ApiCallName[]).filter((name) => !bridgeOnlyCalls.includes(name));

beforeEach(() => invoke.mockReset());

describe('the preload', () => {
  it('exposes window.sockscope and nothing else', () => {
    expect([...exposed.keys()]).toEqual(['sockscope']);
  });

  it('exposes exactly the SockscopeApi: one method per call in apiCalls, plus the event subscriptions', () => {
    const events = ['app.onMenu', 'engine.onStatus', 'runs.onBatch', 'runs.onFailed', 'runs.onFinished'];
    expect(keyPaths(api)).toEqual([...desktopCalls, ...events, 'transport'].sort());
    expect(api.transport).toBe('desktop');
    for (const path of keyPaths(api).filter((key) => key !== 'transport')) {
      const [group, method] = path.split('.') as [string, string];
      expect(typeof (api as unknown as Record<string, Record<string, unknown>>)[group]![method], path).toBe('function');
    }
  });

  it('invokes each call on its own channel with its arguments, and answers with the parsed value', async () => {
    for (const name of desktopCalls) {
      invoke.mockResolvedValueOnce({ ok: true, value: sampleAnswers[name] });
      const answer = await methodOf(name)(...sampleArgs[name]);
      expect(invoke).toHaveBeenLastCalledWith(`sockscope:${name}`, ...sampleArgs[name]);
      expect(callChannel(name)).toBe(`sockscope:${name}`);
      if (name.startsWith('connections.') || name === 'endpoints.restartListener') expect(answer).toBeUndefined();
      else if (name === 'runs.stop') expect(answer).toMatchObject({ schema: 'sockscope.result/1' });
      else if (name === 'results.open') expect(answer).toMatchObject({ resultId: 'file-1', name: 'a.json', result: { schema: 'sockscope.result/1' } });
      else if (name === 'reports.export') expect(answer).toEqual({ files: ['/tmp/a.pcapng'] });
      else expect(answer).toEqual(sampleAnswers[name]);
    }
  });

  it('rejects with main\'s ApiError, code and fields at fault included', async () => {
    const error = { code: 'EINVAL', message: 'runs.stop is not valid', problems: [{ path: '[0]', message: 'too short' }] };
    invoke.mockResolvedValueOnce({ ok: false, error });
    await expect(api.runs.stop('')).rejects.toEqual(error);
  });

  it('rejects malformed answers with EPROTO instead of handing them on', async () => {
    invoke.mockResolvedValueOnce({ ok: true, value: 42 });
    await expect(api.app.version()).rejects.toMatchObject({ code: 'EPROTO' });
    invoke.mockResolvedValueOnce({ ok: true, value: { state: 'exploded', message: '' } });
    await expect(api.engine.status()).rejects.toMatchObject({ code: 'EPROTO', problems: [expect.objectContaining({ path: 'state' })] });
    invoke.mockResolvedValueOnce({ ok: true, value: { schema: 'sockscope.result/1' } });
    await expect(api.runs.stop('run-1')).rejects.toMatchObject({ code: 'EPROTO' });
    invoke.mockResolvedValueOnce('0.1.0');
    await expect(api.app.version()).rejects.toMatchObject({ code: 'EPROTO' });
    invoke.mockResolvedValueOnce({ ok: true, value: { resultId: 'file-1', name: 'a.json', result: { schema: 'sockscope.result/1' } } });
    await expect(api.results.open()).rejects.toMatchObject({ code: 'EPROTO' });
    // Main writes reports on the desktop; a download sent to the preload is refused.
    invoke.mockResolvedValueOnce({ ok: true, value: { kind: 'download', files: [{ name: 'a.html', mediaType: 'text/html', base64: '' }] } });
    await expect(api.reports.export('run-1', 'html')).rejects.toMatchObject({ code: 'EPROTO' });
    invoke.mockResolvedValueOnce({ ok: false, error: { reason: 'no code' } });
    await expect(api.app.version()).rejects.toMatchObject({ code: 'EPROTO' });
  });

  it('routes events from the MessagePort to their listeners, validated, until they unsubscribe', async () => {
    const { port1: mainPort, port2: rendererPort } = new MessageChannel();
    rendererListeners.get(EVENTS_PORT_CHANNEL)!({ ports: [rendererPort] });

    const statuses: string[] = [];
    const batches: [string, LiveBatch, RunProgress][] = [];
    const finished: string[] = [];
    const failed: string[] = [];
    const unsubscribeStatus = api.engine.onStatus((status) => statuses.push(`${status.state}: ${status.message}`));
    api.runs.onBatch((runId, batch, progress) => batches.push([runId, batch, progress]));
    api.runs.onFinished((runId, result) => finished.push(`${runId} ${result.schema}`));
    api.runs.onFailed((runId, failure) => failed.push(`${runId} ${failure.code}`));

    const errors = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    mainPort.postMessage({
      events: [
        { name: 'runs.batch', payload: { runId: 'run-1', batch: sampleBatch(), progress: sampleProgress() } },
        { name: 'engine.status', payload: { state: 'down', message: 'the engine host exited (code 134)' } },
        { name: 'engine.status', payload: { state: 'sideways', message: '' } },
        { name: 'runs.exploded', payload: {} },
        { name: 'runs.failed', payload: { runId: 'run-2', failure: { code: 'EHOSTDOWN', message: 'gone' } } },
        { name: 'runs.finished', payload: { runId: 'run-1', result: sampleResult() } },
      ],
    });
    await vi.waitFor(() => expect(finished).toHaveLength(1));
    expect(statuses).toEqual(['down: the engine host exited (code 134)']);
    expect(batches).toHaveLength(1);
    expect(batches[0]![0]).toBe('run-1');
    expect(batches[0]![1].capture.atUs).toBeInstanceOf(Float64Array);
    expect(failed).toEqual(['run-2 EHOSTDOWN']);
    expect(finished).toEqual(['run-1 sockscope.result/1']);
    expect(errors).toHaveBeenCalledTimes(2);

    unsubscribeStatus();
    mainPort.postMessage({ events: [{ name: 'engine.status', payload: { state: 'running', message: 'again' } }] });
    mainPort.postMessage({ events: [{ name: 'runs.failed', payload: { runId: 'run-3', failure: { code: 'E', message: 'm' } } }] });
    await vi.waitFor(() => expect(failed).toHaveLength(2));
    expect(statuses).toHaveLength(1);
    errors.mockRestore();
    mainPort.close();
  });
});
