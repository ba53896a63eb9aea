// Loss on a real link: a paced bulk stream from the client's namespace to the server's, and an
// nftables rule in the server's namespace that drops everything for a while. The client's kernel
// keeps the unacknowledged data in its send queue and retransmits it on a backing-off timer; once
// the rule is gone, the next retransmission gets through and the stream goes on, intact.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsOf } from '../../src-shared/findings.js';
import type { ConnectionSample, RunResult } from '../../src-shared/result.js';
import { endpointOf } from '../helpers/profiles.js';
import { LiveWatch } from './live-watch.js';
import { netnsSkipReason, TwoHosts } from './two-hosts.js';

const streamBytesPerS = 4_000_000;
/** Retransmissions of the same segment to wait for before lifting the rule (RTO 200 ms, then 400 ms). */
const retransmitsBeforeRestore = 2;

const unavailable = await netnsSkipReason();

describe.skipIf(unavailable !== null)('retransmissions while the link drops everything, then recovery (two network namespaces)', () => {
  let hosts: TwoHosts | undefined;
  let serverResult: RunResult;
  let clientResult: RunResult;
  /** Run times (the client's clock) at which the drop rule was added and removed. */
  let dropAtMs: number;
  let restoreAtMs: number;

  beforeAll(async () => {
    hosts = await TwoHosts.create();
    const { pair } = hosts;
    const server = await hosts.startServer({ kind: 'sink' }, 50);
    const watch = new LiveWatch();
    const client = await hosts.startClients(
      [{ id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: server.connect, workload: { kind: 'bulk', writeBytes: 16384, bytesPerSecond: streamBytesPerS } }],
      50,
      watch,
    );
    const sample = () => watch.samplesOf(0)[0];
    const runClockMs = () => (sample()?.atUs ?? 0) / 1000;
    await watch.until(() => (sample()?.bytesOut ?? 0) > streamBytesPerS / 4, 'the stream to flow', 10_000);

    await pair.dropAllTraffic('server');
    dropAtMs = runClockMs();
    await watch.until(() => (sample()?.tcp?.retransmits ?? 0) >= retransmitsBeforeRestore, `${retransmitsBeforeRestore} retransmissions`, 10_000);
    await pair.restoreTraffic('server');
    restoreAtMs = runClockMs();
    // Recovered: nothing being retransmitted, and the stream moved on well past where it stalled.
    const bytesOutAtRestore = sample()!.bytesOut;
    await watch.until(
      () => sample()!.tcp?.retransmits === 0 && sample()!.bytesOut > bytesOutAtRestore + streamBytesPerS / 4,
      'the stream to recover',
      10_000,
    );
    clientResult = await client.stop();
    serverResult = await server.run.stop();
  }, 60_000);

  afterAll(async () => {
    await hosts?.remove();
  });

  const clientSamples = (): ConnectionSample[] => endpointOf(clientResult, 'client').connections[0]!.samples;
  const during = () => clientSamples().filter((sample) => sample.atMs > dropAtMs + 100 && sample.atMs <= restoreAtMs);

  it('the client retransmits, and TCP_INFO counts it', () => {
    const before = clientSamples().filter((sample) => sample.atMs <= dropAtMs);
    const retransBefore = before.at(-1)?.tcp?.totalRetrans ?? 0;
    const last = clientSamples().at(-1)!.tcp!;
    expect(last.totalRetrans - retransBefore).toBeGreaterThanOrEqual(retransmitsBeforeRestore);
    expect(Math.max(...during().map((sample) => sample.tcp?.retransmits ?? 0))).toBeGreaterThanOrEqual(1);
  });

  it('unacknowledged data stays in the kernel send queue while nothing gets through', () => {
    const samples = during();
    expect(samples.length).toBeGreaterThan(2);
    for (const sample of samples) {
      // SIOCOUTQ counts sent-but-unacknowledged bytes as well as unsent ones.
      const unacknowledged = (sample.kernelSendQueueBytes ?? 0) - (sample.kernelUnsentBytes ?? 0);
      expect(unacknowledged).toBeGreaterThan(0);
    }
    // No ACK arrives, so nothing leaves the queue: it only grows until it is full, and then the
    // writer stalls with a write waiting in the engine's own queue.
    for (let index = 1; index < samples.length; index += 1) {
      expect(samples[index]!.kernelSendQueueBytes!).toBeGreaterThanOrEqual(samples[index - 1]!.kernelSendQueueBytes!);
    }
    expect(samples.at(-1)!.appSendQueueBytes).toBeGreaterThan(0);
  });

  it('the server receives nothing during the drop, then the whole stream, in order, after it', () => {
    const server = endpointOf(serverResult, 'server');
    const samples = server.connections[0]!.samples;
    // The server's run started a moment before the client's: its clock is ahead by that much.
    const offsetMs = Date.parse(clientResult.startedAt) - Date.parse(serverResult.startedAt);
    const dropStart = samples.filter((sample) => sample.atMs <= dropAtMs + offsetMs + 200).at(-1)!;
    const dropEnd = samples.filter((sample) => sample.atMs <= restoreAtMs + offsetMs).at(-1)!;
    expect(dropEnd.atMs - dropStart.atMs).toBeGreaterThan(200);
    expect(dropEnd.bytesIn - dropStart.bytesIn).toBe(0);
    expect(server.counters.bytesIn).toBeGreaterThan(dropEnd.bytesIn + streamBytesPerS / 4);
    expect(server.counters.verifyErrors).toBe(0);
    expect(server.errors).toEqual([]);
  });

  it('after the rule is removed the connection recovers: no retransmission pending, the queue drains to the pace', () => {
    const client = endpointOf(clientResult, 'client');
    const last = clientSamples().at(-1)!;
    expect(last.tcp?.state).toBe('ESTABLISHED');
    expect(last.tcp?.retransmits).toBe(0);
    expect(client.errors).toEqual([]);
    expect(client.connections[0]!.events.some((event) => event.type === 'closed' && event.code !== undefined)).toBe(false);
  });

  it('the findings name the retransmissions on a link that loses packets', () => {
    const retransmissions = findingsOf(clientResult).find((finding) => finding.kind === 'retransmissions');
    expect(retransmissions?.detail).toContain('lost');
    expect(retransmissions?.figures.retransmittedSegments).toBeGreaterThanOrEqual(retransmitsBeforeRestore);
  });
});
