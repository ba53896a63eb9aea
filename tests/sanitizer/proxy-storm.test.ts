// A storm through the proxy: 120 proxied pairs on two reactor threads, every fault drawn for some
// of them, the clients of one endpoint closed with linger 0 and those of the other shut down while
// bytes are delayed, sliced and paced. Under scripts/test-sanitized.sh any AddressSanitizer or
// UndefinedBehaviorSanitizer report aborts the worker and fails this file; in the normal suite it
// checks that every pair ends, each side with the other.
import { describe, expect, it } from 'vitest';
import { proxyModels, type IoModel } from '../../src-shared/profile.js';
import { runProfile } from '../../src-main/engine/run.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';

const loopback = { host: '127.0.0.1', port: 0 };
const perClient = 60;

describe.each(proxyModels as IoModel[])('a proxy storm on the %s model', (model) => {
  it('ends every pair, without an error, however its faults and its peers ended it', async () => {
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', threads: 2, listen: loopback, workload: { kind: 'echo' } },
          {
            id: 'proxy',
            role: 'proxy',
            transport: 'tcp',
            model,
            // select is one thread by design.
            threads: 2,
            listen: loopback,
            connect: { endpoint: 'server' },
            workload: {
              kind: 'proxy',
              seed: 3,
              toServer: {
                reset: { afterBytes: 200_000, probability: 0.3 },
                latency: { ms: 5, jitterMs: 5, probability: 0.5 },
                slicer: { pieceBytes: 100, probability: 0.2 },
                blackhole: { afterMs: 800, probability: 0.2 },
              },
              toClient: { bandwidth: { bytesPerSecond: 2_000_000, probability: 0.5 }, slowClose: { delayMs: 50, probability: 0.5 }, reset: { afterMs: 700, probability: 0.3 } },
            },
          },
          { id: 'bulk', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, connections: perClient, workload: { kind: 'bulk', writeBytes: 16384 } },
          { id: 'pp', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, connections: perClient, workload: { kind: 'ping-pong' } },
        ],
        {
          durationMs: 1500,
          sampleEveryMs: 100,
          actions: [
            { atMs: 500, endpoint: 'bulk', do: 'close', abortive: true },
            { atMs: 600, endpoint: 'pp', do: 'shutdown', how: 'write' },
          ],
        },
      ),
    );
    expect(result.completed).toBe(true);
    const proxy = endpointOf(result, 'proxy');
    expect(proxy.proxy?.connectionsProxied).toBe(2 * perClient);
    expect(proxy.errors).toEqual([]);
    expect(endpointOf(result, 'server').errors).toEqual([]);
    // Each proxied connection is a pair: the client's side and the upstream, each closed once.
    expect(proxy.counters.connectionsTotal).toBe(4 * perClient);
    expect(proxy.counters.connectionsOpen).toBe(0);
    for (const connection of proxy.connections) {
      expect(connection.events.filter((event) => event.type === 'closed')).toHaveLength(1);
    }
    // The aborted clients' resets reached the server through the proxy.
    const serverResets = endpointOf(result, 'server').connections.filter((connection) => connection.events.some((event) => event.type === 'reset'));
    expect(serverResets.length).toBeGreaterThan(0);
  });
});
