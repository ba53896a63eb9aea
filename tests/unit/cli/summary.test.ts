import { describe, expect, it } from 'vitest';
import type { EndpointResult, RunResult } from '../../../src-shared/result.js';
import { fitToWidth, formatProgress } from '../../../src-main/cli/progress-line.js';
import { formatSummary, formatTable } from '../../../src-main/cli/summary.js';
import { formatBytes, formatMicrosAsMillisShort } from '../../../src-shared/units.js';

function endpoint(overrides: Partial<EndpointResult>): EndpointResult {
  return {
    id: 'server',
    role: 'server',
    model: 'epoll',
    transport: 'tcp',
    listen: '127.0.0.1:40000',
    requestedOptions: {},
    appliedOptions: null,
    counters: {
      threads: 1, connectionsOpen: 0, connectionsTotal: 4, accepts: 4, connectionsRefused: 0, reads: 10, writes: 10,
      bytesIn: 3_520_000, bytesOut: 3_520_000, bytesPerRead: 64, bytesPerWrite: 64, wakeups: 10, wouldBlock: 0,
      messages: 0, messagesLost: 0, verifyErrors: 0, datagramsOutOfOrder: 0, datagramsMissing: 0, errors: 0,
    },
    latencyUs: null,
    throughput: { bytesIn: 3_520_000, bytesOut: 3_520_000, bitsPerSecondIn: 27_900_000, bitsPerSecondOut: 27_900_000 },
    connections: [],
    connectionsWithoutSeries: 0,
    errors: [],
    ...overrides,
  };
}

/** Only the fields formatSummary reads are filled in; the rest of a result does not matter to it. */
function result(overrides: Partial<RunResult>): RunResult {
  return {
    profile: { name: 'Echo over epoll' },
    completed: true,
    stopReason: 'duration',
    elapsedMs: 2000,
    limitsHit: [],
    endpoints: [],
    ...overrides,
  } as RunResult;
}

describe('formatSummary', () => {
  it('prints one aligned row per endpoint with latency in ms where measured', () => {
    const text = formatSummary(
      result({
        endpoints: [
          endpoint({}),
          endpoint({ id: 'client', role: 'client', latencyUs: { count: 100, p50: 52.6, p90: 80, p99: 276, max: 900, mean: 60 } }),
        ],
      }),
    );
    expect(text).toBe(
      [
        'Echo over epoll: completed after 2.0 s',
        '',
        'endpoint  role    model  transport  bytes in  bytes out  Mbit/s in  Mbit/s out  p50 ms  p99 ms  errors',
        'server    server  epoll  tcp         3.52 MB    3.52 MB      27.90       27.90       -       -       0',
        'client    client  epoll  tcp         3.52 MB    3.52 MB      27.90       27.90   0.053   0.276       0',
        '',
      ].join('\n'),
    );
  });

  it('says why a run stopped early and lists errors and limits hit', () => {
    const text = formatSummary(
      result({
        completed: false,
        stopReason: 'interrupted',
        elapsedMs: 340,
        limitsHit: ['capture: kept the newest 65536 reads and writes'],
        endpoints: [
          endpoint({
            id: 'client',
            counters: { ...endpoint({}).counters, errors: 3 },
            errors: [{ code: 'ECONNRESET', message: 'connection reset by peer', count: 3 }],
          }),
        ],
      }),
    );
    expect(text).toContain('Echo over epoll: stopped early (interrupted) after 0.3 s');
    expect(text).toContain('errors:\n  client: ECONNRESET x3: connection reset by peer');
    expect(text).toContain('limits hit:\n  capture: kept the newest 65536 reads and writes');
    expect(text.split('\n')[3]).toMatch(/ 3$/);
  });
});

describe('formatSummary with many connections', () => {
  it('adds the aggregate of endpoints past their series and the engine\'s own cost', () => {
    const text = formatSummary(
      result({
        endpoints: [
          endpoint({
            id: 'client',
            connectionsWithoutSeries: 9936,
            aggregate: {
              atMs: 4900,
              connections: 10000,
              connectionsPeak: 10000,
              connectionsExchanged: 9999,
              seriesConnections: 64,
              appSendQueueBytes: 0,
              appSendQueueMaxBytes: 0,
              kernelFigures: 9000,
              kernelFiguresMaxAgeMs: 900,
              kernelSendQueueBytes: 0,
              kernelSendQueueMaxBytes: 0,
              kernelRecvQueueBytes: 0,
              kernelRecvQueueMaxBytes: 0,
              rttMeanUs: 40,
              rttMaxUs: 900,
              tcpStates: { ESTABLISHED: 8990, CLOSE_WAIT: 10 },
            },
          }),
        ],
        engine: {
          peakResidentBytes: 121_000_000,
          peakThreads: 13,
          samplerPasses: 50,
          samplerPassUs: { mean: 30000, max: 60000 },
          samplerPassCpuUs: { mean: 5000, max: 7000 },
          samplerCpuUsPerConnection: 0.5,
          peakConnectionsVisited: 10000,
          descriptors: { needed: 10086, softBefore: 20000, soft: 20000, hard: 20000 },
        },
      }),
    );
    expect(text).toContain(
      'all connections:\n  client: 10000 connections at most; at 4.9 s 10000 open, 9999 had read and written, 64 with a series; ' +
        'ESTABLISHED 8990, CLOSE_WAIT 10 (of 9000 read from the kernel)',
    );
    expect(text).toContain('engine: 121 MB resident and 13 threads at most; sampler 0.50 µs of CPU per connection and pass (up to 10000 connections); open-file limit 20000 for about 10086 needed');
  });

  it('says what each proxy did, per direction', () => {
    const drawn = { latency: 0, bandwidth: 0, slicer: 0, reset: 0, blackhole: 0, slowClose: 0 };
    const direction = { bytesForwarded: 0, queuePeakBytes: 0, queueFull: 0, piecesWritten: 0, bytesBlackholed: 0, resetsInjected: 0, slowCloses: 0, drawn };
    const text = formatSummary(
      result({
        endpoints: [
          endpoint({
            id: 'proxy',
            role: 'proxy',
            proxy: {
              connectionsProxied: 2,
              upstreamConnectFailures: 0,
              toServer: { ...direction, bytesForwarded: 4200, queuePeakBytes: 64, drawn: { ...drawn, latency: 2 } },
              toClient: { ...direction, bytesForwarded: 4200, resetsInjected: 1, drawn: { ...drawn, reset: 1 } },
            },
          }),
        ],
      }),
    );
    expect(text).toContain('proxies:\n  proxy → server: 4.20 kB forwarded, up to 64 B held (latency ×2)\n  proxy → client: 4.20 kB forwarded, 1 reset (reset ×1)\n');
  });
});

describe('formatSummary with chat endpoints', () => {
  it("prints a chat server's broadcasts with the bytes encoded per broadcast, and a client's messages", () => {
    const text = formatSummary(
      result({
        endpoints: [
          endpoint({
            chat: {
              role: 'server', members: 100, joins: 100, broadcasts: 2000, bytesEncoded: 112_000, deliveries: 200_000, presenceNotices: 100,
              membersDropped: 0, messagesDropped: 0, peakMemberQueueBytes: 25_856, roomBacklogPauses: 0, jobsQueued: 2100, jobsExecuted: 2100, jobsHandedOff: 5,
            },
          }),
          endpoint({ id: 'members', role: 'client', chat: { role: 'client', messagesSent: 2000, messagesReceived: 200_000, messagesMissed: 0, messagesOutOfOrder: 0 } }),
        ],
      }),
    );
    expect(text).toContain('chat:\n  server (server): 100 members · 2000 broadcasts, 56 B encoded each · 200000 deliveries');
    expect(text).toContain('  members (client): sent 2000 · received 200000 · missed 0\n');
  });
});

describe('formatTable', () => {
  it('pads left-aligned cells, right-aligns numbers and leaves no trailing spaces', () => {
    const lines = formatTable(
      [
        { header: 'name', alignRight: false },
        { header: 'n', alignRight: true },
      ],
      [['a', '1000'], ['long name', '2']],
    );
    expect(lines).toEqual(['name          n', 'a          1000', 'long name     2']);
  });
});

describe('units and the progress line', () => {
  it('formats bytes in SI units with three significant digits', () => {
    expect(formatBytes(0)).toBe('0 B');
    expect(formatBytes(999)).toBe('999 B');
    expect(formatBytes(4480)).toBe('4.48 kB');
    expect(formatBytes(12_345_678)).toBe('12.3 MB');
    expect(formatBytes(512_000_000)).toBe('512 MB');
  });

  it('formats latency for the progress line with three significant digits', () => {
    expect(formatMicrosAsMillisShort(52.6)).toBe('0.053');
    expect(formatMicrosAsMillisShort(4350)).toBe('4.35');
    expect(formatMicrosAsMillisShort(43520)).toBe('43.5');
    expect(formatMicrosAsMillisShort(210_400)).toBe('210');
  });

  it('shows elapsed, bytes, connections, latency and errors on one line', () => {
    const line = formatProgress({
      elapsedMs: 1200, durationMs: 3000, bytesIn: 4480, bytesOut: 4480, connectionsOpen: 2, connectionsTotal: 2,
      latencyUs: { p50: 43520, p99: 44530, count: 30 }, errors: 0,
    });
    expect(line).toBe('1.2/3.0 s  in 4.48 kB  out 4.48 kB  conn 2/2  p50/p99 43.5/44.5 ms  errors 0');
    expect(line.length).toBeLessThan(80);
    expect(formatProgress({
      elapsedMs: 0, durationMs: 1000, bytesIn: 0, bytesOut: 0, connectionsOpen: 0, connectionsTotal: 0, latencyUs: null, errors: 0,
    })).not.toContain('p50');
  });

  it('cuts the line short of the terminal width so that it never wraps', () => {
    expect(fitToWidth('x'.repeat(100), 40)).toHaveLength(39);
    expect(fitToWidth('short', 40)).toBe('short');
  });
});
