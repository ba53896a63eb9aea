// A slow link, for real: a token-bucket filter (tc tbf) on the client's end of the veth pair lets
// out only so many bits per second. An unpaced bulk sender fills its kernel send queue and then
// its own, while the receiver gets about the link's rate.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConnectionSample, RunResult } from '../../src-shared/result.js';
import { endpointOf } from '../helpers/profiles.js';
import { LiveWatch } from './live-watch.js';
import { netnsSkipReason, TwoHosts } from './two-hosts.js';

const linkBitsPerS = 8_000_000;
const linkBytesPerS = linkBitsPerS / 8;
const measureForMs = 2_500;
/** The first part of the run is tbf's initial burst and TCP's slow start; throughput is measured after it. */
const settleMs = 500;

const unavailable = await netnsSkipReason();

describe.skipIf(unavailable !== null)('a rate-limited link (tc tbf between two network namespaces)', () => {
  let hosts: TwoHosts | undefined;
  let serverResult: RunResult;
  let clientResult: RunResult;

  beforeAll(async () => {
    hosts = await TwoHosts.create();
    await hosts.pair.limitRate('client', linkBitsPerS, 16_000, 50);
    const server = await hosts.startServer({ kind: 'sink' }, 100);
    const watch = new LiveWatch();
    const client = await hosts.startClients([{ id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: server.connect, workload: { kind: 'bulk', writeBytes: 65536 } }], 100, watch);
    await watch.until(() => watch.eventsOf(0, 'open').length === 1, 'the connection to open', 10_000);
    const openedAtUs = watch.eventsOf(0, 'open')[0]!.atUs;
    await watch.until(() => (watch.samplesOf(0)[0]?.atUs ?? 0) > openedAtUs + (settleMs + measureForMs) * 1000, 'the measured time to pass', 20_000);
    clientResult = await client.stop();
    serverResult = await server.run.stop();
  }, 60_000);

  afterAll(async () => {
    await hosts?.remove();
  });

  const clientSamples = (): ConnectionSample[] => endpointOf(clientResult, 'client').connections[0]!.samples;

  it('the receiver gets about the link rate, no more', () => {
    const samples = endpointOf(serverResult, 'server').connections[0]!.samples;
    const openedAtMs = endpointOf(serverResult, 'server').connections[0]!.events.find((event) => event.type === 'open')!.atMs;
    const measured = samples.filter((sample) => sample.atMs >= openedAtMs + settleMs);
    const first = measured[0]!;
    const last = measured.at(-1)!;
    expect(last.atMs - first.atMs).toBeGreaterThan(measureForMs / 2);
    const bytesPerS = ((last.bytesIn - first.bytesIn) * 1000) / (last.atMs - first.atMs);
    // tbf counts whole frames (headers included), so the payload rate is a little below the link's.
    expect(bytesPerS).toBeGreaterThan(linkBytesPerS * 0.6);
    expect(bytesPerS).toBeLessThan(linkBytesPerS * 1.1);
  });

  it("the sender's kernel send queue fills with data the link has not taken yet", () => {
    const late = clientSamples().filter((sample) => sample.atMs >= clientSamples()[0]!.atMs + settleMs);
    const queued = late.map((sample) => sample.kernelSendQueueBytes ?? 0);
    // Several round trips' worth of the link waits in the kernel, far more than the link carries in flight.
    expect(Math.min(...queued)).toBeGreaterThan(linkBytesPerS / 20);
    // Most of it was never sent at all (SIOCOUTQNSD): it waits for the token bucket, not for ACKs.
    const unsent = late.map((sample) => sample.kernelUnsentBytes ?? 0);
    expect(Math.max(...unsent)).toBeGreaterThan(linkBytesPerS / 20);
  });

  it("the engine's own send queue holds a write the kernel would not take: the writer is held back", () => {
    const late = clientSamples().filter((sample) => sample.atMs >= clientSamples()[0]!.atMs + settleMs);
    const waiting = late.filter((sample) => sample.appSendQueueBytes > 0);
    expect(waiting.length).toBeGreaterThan(late.length / 2);
    expect(endpointOf(clientResult, 'client').counters.wouldBlock).toBeGreaterThan(0);
  });
});
