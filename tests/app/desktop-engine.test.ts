// The desktop's engine host keeping, with the real API service: a host that dies is reported
// as down with how it ended, runs fail with EHOSTDOWN, and engine.restart brings a new one.
import { describe, expect, it, vi } from 'vitest';
import { startDesktopEngine } from '../../src-main/app/desktop-engine.js';
import { createApiService, type ApiEventListener } from '../../src-main/engine/api-service.js';
import { EngineError } from '../../src-main/engine/engine-error.js';
import type { EngineHost, EngineRun } from '../../src-main/engine/host-keeper.js';
import type { ProfileStore } from '../../src-main/engine/profile-store.js';

class FakeHost implements EngineHost {
  private exitListeners: ((description: string) => void)[] = [];
  constructor(readonly pid: number) {}
  start(): Promise<EngineRun> {
    return Promise.reject(new EngineError('EADDRINUSE', 'not in this test'));
  }
  onExit(listener: (description: string) => void): void {
    this.exitListeners.push(listener);
  }
  close(): void {
    this.die('the engine host exited (code 0)');
  }
  die(description: string): void {
    for (const listener of this.exitListeners.splice(0)) listener(description);
  }
}

const noProfiles: ProfileStore = { list: async () => [], open: async () => null, save: async () => null };

function serviceOver(engine: Awaited<ReturnType<typeof startDesktopEngine>>) {
  const service = createApiService({ host: engine.host, restartHost: engine.restartHost, profiles: noProfiles, version: '0.1.0' });
  const statuses: unknown[] = [];
  const listener: ApiEventListener = (name, payload) => {
    if (name === 'engine.status') statuses.push(payload);
  };
  service.onEvent(listener);
  return { service, statuses };
}

describe('the desktop engine', () => {
  it('reports a host that died as down, with how it ended, and restarts a new one', async () => {
    const hosts: FakeHost[] = [];
    const engine = await startDesktopEngine(async () => {
      hosts.push(new FakeHost(100 + hosts.length));
      return hosts.at(-1)!;
    });
    const { service, statuses } = serviceOver(engine);
    await expect(service.call('engine.status', [])).resolves.toMatchObject({ state: 'running' });

    hosts[0]!.die('the engine host exited (code 134)');
    expect(statuses).toEqual([{ state: 'down', message: expect.stringContaining('the engine host exited (code 134)') }]);
    await expect(service.call('runs.start', [{}])).rejects.toMatchObject({ code: 'EHOSTDOWN' });

    await expect(service.call('engine.restart', [])).resolves.toEqual({ state: 'running', message: 'the engine host is running (pid 101)' });
    expect(hosts).toHaveLength(2);
    expect(engine.host()).toBe(hosts[1]);
  });

  it('starts the app even when the first host cannot be spawned, and tries again on restart', async () => {
    const spawn = vi
      .fn<() => Promise<EngineHost>>()
      .mockRejectedValueOnce(new EngineError('EHOSTDOWN', 'the engine host exited before it was ready (code 1)'))
      .mockResolvedValueOnce(new FakeHost(200));
    const engine = await startDesktopEngine(spawn);
    const { service, statuses } = serviceOver(engine);
    await vi.waitFor(() => expect(statuses).toHaveLength(1));
    expect(statuses[0]).toMatchObject({ state: 'down', message: expect.stringContaining('could not be started') });
    await expect(service.call('runs.start', [{}])).rejects.toMatchObject({ code: 'EHOSTDOWN' });
    await expect(service.call('engine.restart', [])).resolves.toMatchObject({ state: 'running' });
    expect(spawn).toHaveBeenCalledTimes(2);
  });
});
