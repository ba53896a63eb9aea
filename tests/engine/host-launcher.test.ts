// The engine host started through a launcher command (as tests/netns use `ip netns exec`): the
// IPC channel passes through it, and a launcher that fails is an error that names it.
import { describe, expect, it } from 'vitest';
import { EngineHostClient } from '../../src-main/engine/host-client.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';

describe('an engine host started through a launcher', () => {
  it('serves runs when the launcher execs Node with the descriptors it was given', async () => {
    const host = await EngineHostClient.spawn({ launcher: ['env', 'SOCKSCOPE_LAUNCHED=1'] });
    try {
      const run = await host.start(
        profileOf([
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, workload: { kind: 'ping-pong' } },
        ], { durationMs: 300 }),
      );
      expect(endpointOf(await run.finished, 'client').counters.messages).toBeGreaterThan(0);
    } finally {
      host.close();
    }
  });

  it('rejects with the launcher named when it cannot be run at all', async () => {
    await expect(EngineHostClient.spawn({ launcher: ['/nonexistent/launcher', 'arg'] })).rejects.toMatchObject({
      code: 'EHOSTDOWN',
      message: expect.stringMatching(/could not be started: .*ENOENT.*launched through \/nonexistent\/launcher arg/),
    });
  });

  it('rejects with the exit code and the launcher named when the launcher fails', async () => {
    await expect(EngineHostClient.spawn({ launcher: ['false'] })).rejects.toMatchObject({
      code: 'EHOSTDOWN',
      message: expect.stringMatching(/exited \(code 1\) \(launched through false\) before it was ready/),
    });
  });
});
