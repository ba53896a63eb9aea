// A peer that vanishes without a FIN, for real: server and client hosts in two network
// namespaces, and an nftables rule that drops everything the server's host sends or receives.
// Keepalive detects the dead peer after idle + interval × count seconds of silence; without it
// the connection stays ESTABLISHED, half-open, for as long as nobody writes.
//
// The kernel counts keepalive's idle time from the last packet the connection received (here the
// SYN-ACK, just before the open event), not from the drop. The test drops as soon as the clients
// report their connections open, so the two moments coincide and "idle 2 s, interval 1 s,
// count 3" means detection about 5 s after the drop.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findingsOf } from '../../src-shared/findings.js';
import type { EndpointInput } from '../../src-shared/profile.js';
import type { ConnectionResult, RunResult } from '../../src-shared/result.js';
import { endpointOf } from '../helpers/profiles.js';
import { LiveWatch } from './live-watch.js';
import { NetnsPair } from './netns-pair.js';
import { netnsSkipReason, TwoHosts } from './two-hosts.js';

const keepAlive = { idleS: 2, intervalS: 1, count: 3 };
const keepAliveDetectionMs = (keepAlive.idleS + keepAlive.intervalS * keepAlive.count) * 1000;
const keepAliveModels = ['epoll', 'select', 'blocking'] as const;
/** Detection this long after the last traffic, as the result shows it: about 5 s, with room for a loaded machine. */
const detectedAfterMs = { min: 4500, max: 7000 };
/**
 * The drop follows the last traffic by a live batch and one nft call, a few hundred milliseconds
 * on a loaded machine; it must come well before the first probe (idle) for the probes to go unanswered.
 */
const dropAfterLastTrafficMaxMs = 1000;

const unavailable = await netnsSkipReason();

describe.skipIf(unavailable !== null)('a peer vanishes behind an nftables drop rule (two network namespaces)', () => {
  let hosts: TwoHosts | undefined;
  let serverResult: RunResult;
  let clientResult: RunResult;
  let dropAtMs: number;
  let droppedPackets: number;

  beforeAll(async () => {
    hosts = await TwoHosts.create();
    const { pair } = hosts;
    const server = await hosts.startServer({ kind: 'manual' }, 100);
    const { connect } = server;
    const clients: EndpointInput[] = [
      ...keepAliveModels.map((model): EndpointInput => ({
        id: `keepalive-${model}`, role: 'client', transport: 'tcp', model, connect, options: { keepAlive }, workload: { kind: 'manual' },
      })),
      { id: 'no-keepalive', role: 'client', transport: 'tcp', model: 'epoll', connect, options: { keepAlive: null }, workload: { kind: 'manual' } },
    ];
    const watch = new LiveWatch();
    // Batches every 25 ms: the open events arrive, and the drop follows, within tens of milliseconds.
    const client = await hosts.startClients(clients, 25, watch);
    const opened = () => clients.every((_, index) => watch.eventsOf(index, 'open').length === 1);
    await watch.until(opened, 'every client connection to open', 10_000);

    // The server's host goes silent: no FIN, no reset, and the keepalive probes go unanswered.
    await pair.dropAllTraffic('server');
    dropAtMs = Date.now();
    const keepAliveClosed = () => keepAliveModels.every((_, index) => watch.eventsOf(index, 'closed').length === 1);
    await watch.until(keepAliveClosed, 'keepalive to close the connections', detectedAfterMs.max + 8_000);
    // A few more samples, so the connection without keepalive is seen alive after the others died.
    const lastCloseUs = Math.max(...keepAliveModels.map((_, index) => watch.eventsOf(index, 'closed')[0]!.atUs));
    const sampledSince = () => watch.samplesOf(clients.length - 1).some((sample) => sample.atUs > lastCloseUs + 300_000);
    await watch.until(sampledSince, 'samples after the closes', 5_000);
    droppedPackets = await pair.droppedPackets('server');

    clientResult = await client.stop();
    serverResult = await server.run.stop();
  }, 60_000);

  afterAll(async () => {
    await hosts?.remove();
  });

  const onlyConnection = (result: RunResult, endpointId: string): ConnectionResult => {
    const connections = endpointOf(result, endpointId).connections;
    expect(connections).toHaveLength(1);
    return connections[0]!;
  };

  it.each(keepAliveModels)('%s: keepalive closes the connection with ETIMEDOUT after idle + interval × count', (model) => {
    const endpoint = endpointOf(clientResult, `keepalive-${model}`);
    expect(endpoint.appliedOptions?.keepAlive).toEqual(keepAlive);
    const connection = onlyConnection(clientResult, endpoint.id);
    expect(connection.remote).toBe(`${NetnsPair.addresses.server}:${serverResult.endpoints[0]!.listen!.split(':').at(-1)}`);
    const opened = connection.events.find((event) => event.type === 'open')!;
    const error = connection.events.find((event) => event.type === 'error');
    const closed = connection.events.find((event) => event.type === 'closed');
    expect(error?.code).toBe('ETIMEDOUT');
    expect(closed).toMatchObject({ code: 'ETIMEDOUT', abortive: false });
    // The kernel waits idle + interval × count seconds after the last packet it heard (the
    // handshake, just before the open event), as the result's own timeline shows.
    expect(closed!.atMs - opened.atMs).toBeGreaterThan(detectedAfterMs.min);
    expect(closed!.atMs - opened.atMs).toBeLessThan(detectedAfterMs.max);
    // The drop came right after that packet, so detection came about 5 s after the drop too: 5 s
    // less the time the drop took to follow. The run's clock starts after startedAt, so this maps
    // the drop late, if anything: both checks err towards failing.
    const dropAtRunMs = dropAtMs - Date.parse(clientResult.startedAt);
    expect(dropAtRunMs - opened.atMs).toBeLessThan(dropAfterLastTrafficMaxMs);
    expect(closed!.atMs - dropAtRunMs).toBeGreaterThan(keepAliveDetectionMs - dropAfterLastTrafficMaxMs);
    expect(closed!.atMs - dropAtRunMs).toBeLessThan(detectedAfterMs.max);
    console.log(
      `keepalive ${JSON.stringify(keepAlive)} on ${model}: drop ${Math.round(dropAtRunMs - opened.atMs)} ms after the last traffic; ` +
        `closed with ETIMEDOUT ${Math.round(closed!.atMs - opened.atMs)} ms after the last traffic, ${Math.round(closed!.atMs - dropAtRunMs)} ms after the drop`,
    );
    // The probes went out and were counted unanswered before the end.
    const probes = Math.max(...connection.samples.map((sample) => sample.tcp?.probes ?? 0));
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(endpoint.errors).toEqual([expect.objectContaining({ code: 'ETIMEDOUT' })]);
  });

  it('the nftables rule dropped the keepalive probes', () => {
    // Three probes on each of three connections at least, counted by the rule in the server's namespace.
    expect(droppedPackets).toBeGreaterThanOrEqual(keepAliveModels.length * keepAlive.count);
  });

  it('without keepalive the client connection stays ESTABLISHED: a half-open connection nobody will detect', () => {
    const connection = onlyConnection(clientResult, 'no-keepalive');
    const lastCloseOfKeepAliveMs = Math.max(
      ...keepAliveModels.map((model) => onlyConnection(clientResult, `keepalive-${model}`).events.find((event) => event.type === 'closed')!.atMs),
    );
    const closedBeforeStop = connection.events.find((event) => event.type === 'closed' && event.code !== undefined);
    expect(closedBeforeStop).toBeUndefined();
    const after = connection.samples.filter((sample) => sample.atMs > lastCloseOfKeepAliveMs);
    expect(after.length).toBeGreaterThan(0);
    for (const sample of after) expect(sample.tcp?.state).toBe('ESTABLISHED');
    expect(after.at(-1)!.tcp?.probes).toBe(0);
  });

  it('the server never learns of it: all its connections are still ESTABLISHED', () => {
    const server = endpointOf(serverResult, 'server');
    expect(server.connections).toHaveLength(keepAliveModels.length + 1);
    for (const connection of server.connections) {
      expect(connection.events.some((event) => event.type === 'peer-shutdown' || event.type === 'reset')).toBe(false);
      expect(connection.samples.at(-1)?.tcp?.state).toBe('ESTABLISHED');
    }
  });

  it('the findings say once, with when, that the peer vanished, and which connection was left half-open', () => {
    const findings = findingsOf(clientResult);
    for (const model of keepAliveModels) {
      const endpointId = `keepalive-${model}`;
      // One finding per endpoint: the ETIMEDOUT in its errors is this timeout, not a second problem.
      expect(findings.filter((finding) => finding.endpoint === endpointId).map((finding) => finding.kind)).toEqual(['keepalive-timeout']);
      const timedOut = findings.find((finding) => finding.kind === 'keepalive-timeout' && finding.endpoint === endpointId)!;
      const closedAtMs = onlyConnection(clientResult, endpointId).events.find((event) => event.type === 'closed')!.atMs;
      expect(timedOut.figures.atMs).toBe(Math.round(closedAtMs));
      expect(timedOut.title).toBe(`Peer vanished: keepalive timed out after ${keepAliveDetectionMs / 1000} s, at ${Math.round(closedAtMs / 100) / 10} s into the run.`);
      expect(timedOut.figures.silentMs).toBeGreaterThan(detectedAfterMs.min);
      expect(timedOut.figures.silentMs).toBeLessThan(detectedAfterMs.max);
    }
    const halfOpen = findings.filter((finding) => finding.kind === 'half-open-vanished-peer');
    expect(halfOpen.map((finding) => finding.endpoint)).toEqual(['no-keepalive']);
    expect(halfOpen[0]!.figures.peer).toBe(onlyConnection(clientResult, 'no-keepalive').remote);
  });
});
