// The API service against a fake engine host: argument checks, run events, commands, liveness.
import { describe, expect, it } from 'vitest';
import type { ApiEventName } from '../../../src-shared/api.js';
import type { CommandTarget, LiveBatch, RunProgress } from '../../../src-shared/engine-protocol.js';
import type { CommandBody } from '../../../src-shared/profile.js';
import type { RunResult } from '../../../src-shared/result.js';
import { ValidationError } from '../../../src-shared/validation.js';
import { toApiError } from '../../../src-main/engine/api-error.js';
import { createApiService } from '../../../src-main/engine/api-service.js';
import { EngineError } from '../../../src-main/engine/engine-error.js';
import type { EngineHost, EngineRun } from '../../../src-main/engine/host-keeper.js';
import type { RemoteRunOptions } from '../../../src-main/engine/host-client.js';
import type { ProfileStore } from '../../../src-main/engine/profile-store.js';

class FakeRun implements EngineRun {
  readonly listen = ['127.0.0.1:4000'];
  readonly commands: { target: CommandTarget; body: CommandBody }[] = [];
  readonly finished: Promise<RunResult>;
  resolve!: (result: RunResult) => void;
  reject!: (error: Error) => void;
  constructor(
    readonly runId: string,
    readonly options: RemoteRunOptions,
  ) {
    this.finished = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.finished.catch(() => undefined);
  }
  stop(): Promise<RunResult> {
    this.resolve({ completed: false } as unknown as RunResult);
    return this.finished;
  }
  async command(target: CommandTarget, body: CommandBody): Promise<void> {
    this.commands.push({ target, body });
  }
}

class FakeHost implements EngineHost {
  readonly runs: FakeRun[] = [];
  private exitListeners: ((description: string) => void)[] = [];
  constructor(readonly pid: number) {}
  async start(profile: unknown, options: RemoteRunOptions = {}): Promise<EngineRun> {
    if ((profile as { bad?: boolean }).bad) throw new ValidationError('the profile', [{ path: 'endpoints[0].model', message: 'invalid' }]);
    if ((profile as { busy?: boolean }).busy) throw new EngineError('EADDRINUSE', 'address in use: 127.0.0.1:80');
    const run = new FakeRun(`run-${this.runs.length + 1}`, options);
    this.runs.push(run);
    return run;
  }
  onExit(listener: (description: string) => void): void {
    this.exitListeners.push(listener);
  }
  close(): void {
    this.exit('the engine host exited (SIGTERM)');
  }
  exit(description: string): void {
    for (const run of this.runs) run.reject(new EngineError('EHOSTDOWN', description));
    for (const listener of this.exitListeners) listener(description);
  }
}

const noProfiles: ProfileStore = { list: async () => [], open: async () => null, save: async () => null };

function setUp() {
  const hosts = [new FakeHost(100)];
  const current = () => hosts.at(-1) as FakeHost;
  const service = createApiService({
    host: current,
    restartHost: async () => {
      current().close();
      hosts.push(new FakeHost(100 + hosts.length));
    },
    profiles: noProfiles,
    version: '1.2.3',
  });
  const events: { name: ApiEventName; payload: unknown }[] = [];
  service.onEvent((name, payload) => events.push({ name, payload }));
  return { service, current, events };
}

const batch = { sequence: 1 } as unknown as LiveBatch;
const progress = { elapsedMs: 50 } as unknown as RunProgress;

describe('the API service', () => {
  it('answers app.version and refuses unknown names, prototype names included', async () => {
    const { service } = setUp();
    expect(await service.call('app.version', [])).toBe('1.2.3');
    await expect(service.call('app.quit', [])).rejects.toMatchObject({ code: 'ENOSYS' });
    await expect(service.call('constructor', [])).rejects.toMatchObject({ code: 'ENOSYS' });
  });

  it('refuses arguments that do not match the call, with paths from the argument list', async () => {
    const { service } = setUp();
    const error = await service.call('connections.send', ['run-1', { connectionId: 0 }, { text: 'x', encoding: 'latin1' }]).then(
      () => expect.unreachable('the call should fail'),
      toApiError,
    );
    expect(error).toMatchObject({ code: 'EINVAL' });
    expect(error.problems?.map((problem) => problem.path).sort()).toEqual(['args[1].connectionId', 'args[2].encoding']);
    await expect(service.call('app.version', ['extra'])).rejects.toMatchObject({ code: 'EINVAL' });
  });

  it('starts a run, forwards its batches, and reports its end', async () => {
    const { service, current, events } = setUp();
    expect(await service.call('runs.start', [{}])).toEqual({ runId: 'run-1', listen: ['127.0.0.1:4000'] });
    const run = current().runs[0] as FakeRun;
    run.options.onBatch?.(batch, progress);
    expect(events).toContainEqual({ name: 'runs.batch', payload: { runId: 'run-1', batch, progress } });
    const result = await service.call('runs.stop', ['run-1']);
    expect(result).toEqual({ completed: false });
    await Promise.resolve();
    expect(events.some((event) => event.name === 'runs.finished')).toBe(true);
    // A stop that arrives after the end still gets the result.
    expect(await service.call('runs.stop', ['run-1'])).toEqual({ completed: false });
    await expect(service.call('runs.stop', ['run-9'])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('passes profile problems and engine errors on as ApiErrors', async () => {
    const { service } = setUp();
    expect(await service.call('runs.start', [{ bad: true }]).catch(toApiError)).toMatchObject({
      code: 'EINVAL',
      problems: [{ path: 'endpoints[0].model', message: 'invalid' }],
    });
    expect(await service.call('runs.start', [{ busy: true }]).catch(toApiError)).toEqual({ code: 'EADDRINUSE', message: 'address in use: 127.0.0.1:80' });
  });

  it('turns connection calls into engine commands, CP949 text into its bytes', async () => {
    const { service, current } = setUp();
    await service.call('runs.start', [{}]);
    const target = { endpoint: 'client', connection: 0 };
    expect(await service.call('connections.send', ['run-1', target, { text: '안녕', encoding: 'cp949' }])).toBeNull();
    await service.call('connections.send', ['run-1', target, { text: 'hi' }]);
    await service.call('connections.send', ['run-1', target, { hex: '0a0b' }]);
    await service.call('connections.shutdown', ['run-1', target, 'write']);
    await service.call('connections.close', ['run-1', target, { abortive: true }]);
    await service.call('connections.setOption', ['run-1', target, { noDelay: true }]);
    await service.call('endpoints.restartListener', ['run-1', 'server', { reuseAddr: false }]);
    expect(current().runs[0]?.commands.map((command) => command.body)).toEqual([
      { do: 'send', hex: 'bec8b3e7', encoding: 'utf8' },
      { do: 'send', text: 'hi', encoding: 'utf8' },
      { do: 'send', hex: '0a0b', encoding: 'utf8' },
      { do: 'shutdown', how: 'write' },
      { do: 'close', abortive: true },
      { do: 'set-option', options: { noDelay: true } },
      { do: 'restart-listener', options: { reuseAddr: false } },
    ]);
    expect(await service.call('connections.send', ['run-1', target, { text: '😀', encoding: 'cp949' }]).catch(toApiError)).toMatchObject({ code: 'EILSEQ' });
    await expect(service.call('connections.close', ['run-7', target, { abortive: false }])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('reports a host that died, fails its runs, and restarts it', async () => {
    const { service, current, events } = setUp();
    expect(await service.call('engine.status', [])).toMatchObject({ state: 'running', message: expect.stringContaining('pid 100') });
    await service.call('runs.start', [{}]);
    current().exit('the engine host exited (SIGSEGV)');
    await Promise.resolve();
    expect(events).toContainEqual({ name: 'runs.failed', payload: { runId: 'run-1', failure: { code: 'EHOSTDOWN', message: 'the engine host exited (SIGSEGV)' } } });
    expect(await service.call('engine.status', [])).toMatchObject({ state: 'down' });
    await expect(service.call('runs.start', [{}])).rejects.toMatchObject({ code: 'EHOSTDOWN' });

    expect(await service.call('engine.restart', [])).toMatchObject({ state: 'running', message: expect.stringContaining('pid 101') });
    const states = events.filter((event) => event.name === 'engine.status').map((event) => (event.payload as { state: string }).state);
    expect(states).toEqual(['down', 'restarting', 'running']);
    expect(await service.call('runs.start', [{}])).toMatchObject({ runId: 'run-1' });
  });

  it('stops its runs and refuses calls once closed', async () => {
    const { service, current } = setUp();
    await service.call('runs.start', [{}]);
    service.close();
    expect(await current().runs[0]?.finished).toEqual({ completed: false });
    await expect(service.call('app.version', [])).rejects.toMatchObject({ code: 'ESHUTDOWN' });
  });
});
