// A long run at full speed keeps its memory bounded: rings, not growing arrays.
import { describe, expect, it } from 'vitest';
import { Run } from '../../src-main/engine/run.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';

describe('a 60-second bulk run at full speed', () => {
  it('keeps capture, samples and memory within their bounds', async () => {
    const maxSamplesPerConnection = 1000;
    const maxEntries = 20_000;
    const rssMb: number[] = [];
    const run = await Run.start(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'sink' } },
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, connections: 2, workload: { kind: 'bulk' } },
        ],
        {
          durationMs: 60_000,
          sampleEveryMs: 10,
          capture: { enabled: true, maxEntries, previewBytes: 64 },
          limits: { seriesConnections: 64, maxSamplesPerConnection, maxEventsPerConnection: 100 },
        },
      ),
      {
        onProgress: (progress) => {
          const second = Math.floor(progress.elapsedMs / 1000);
          if (rssMb.length <= second) rssMb.push(process.memoryUsage().rss / 1e6);
        },
      },
    );
    const result = await run.finished;
    const server = endpointOf(result, 'server');
    expect(server.counters.bytesIn).toBeGreaterThan(1e9);
    expect(server.counters.verifyErrors).toBe(0);
    for (const connection of [...server.connections, ...endpointOf(result, 'client').connections]) {
      expect(connection.samples.length).toBeLessThanOrEqual(maxSamplesPerConnection);
      expect(connection.samplesDropped).toBeGreaterThan(0);
    }
    expect(result.capture.entries).toHaveLength(maxEntries);
    expect(result.capture.dropped).toBeGreaterThan(100_000);
    expect(result.limitsHit.join('\n')).toMatch(/capture: kept the newest 20000/);
    // Memory after the first ten seconds, when every ring is full, against the end of the run.
    const settled = rssMb[10]!;
    const final = rssMb.at(-1)!;
    console.log(`rss at 10 s ${settled.toFixed(1)} MB, at ${rssMb.length - 1} s ${final.toFixed(1)} MB; ${(server.counters.bytesIn / 1e9).toFixed(1)} GB moved`);
    expect(final - settled).toBeLessThan(40);
  }, 120_000);
});
