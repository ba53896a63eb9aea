// The fault-injection proxy on real loopback sockets: a client connects to the proxy endpoint,
// which carries each connection on to a server, delaying, pacing, cutting, resetting or
// swallowing the bytes as its faults say.
import { describe, expect, it } from 'vitest';
import type { EndpointInput } from '../../src-shared/profile.js';
import type { FaultSetInput } from '../../src-shared/proxy-faults.js';
import type { EndpointResult } from '../../src-shared/result.js';
import { runProfile } from '../../src-main/engine/run.js';
import { endpointOf, eventsOf, profileOf } from '../helpers/profiles.js';

const loopback = { host: '127.0.0.1', port: 0 };

function proxyOf(toServer: FaultSetInput, toClient: FaultSetInput = {}, extra: Partial<EndpointInput> = {}): EndpointInput {
  return {
    id: 'proxy',
    role: 'proxy',
    transport: 'tcp',
    model: 'epoll',
    listen: loopback,
    connect: { endpoint: 'server' },
    workload: { kind: 'proxy', toServer, toClient },
    ...extra,
  };
}

function proxyFigures(endpoint: EndpointResult) {
  if (!endpoint.proxy) throw new Error(`${endpoint.id} has no proxy figures`);
  return endpoint.proxy;
}

describe('the proxy slicer', () => {
  it('cuts every request into 1-byte writes, and the framed server still answers each one whole', async () => {
    const totalRequests = 20;
    const payloadBytes = 16;
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'framed-echo' } },
          proxyOf({ slicer: { pieceBytes: 1, delayMs: 1 } }),
          {
            id: 'client',
            role: 'client',
            transport: 'tcp',
            model: 'epoll',
            connect: { endpoint: 'proxy' },
            workload: { kind: 'request-response', payload: { distribution: 'fixed', bytes: payloadBytes }, totalRequests },
          },
        ],
        { durationMs: 4000 },
      ),
    );
    const client = endpointOf(result, 'client');
    const server = endpointOf(result, 'server');
    const proxy = proxyFigures(endpointOf(result, 'proxy'));
    const requestBytes = totalRequests * (4 + payloadBytes);
    expect(client.counters.messages).toBe(totalRequests);
    expect(client.counters.verifyErrors).toBe(0);
    expect(server.counters.protocolViolations).toBe(0);
    expect(server.counters.messages).toBe(totalRequests);
    // One piece per byte, and (1 ms apart) about one server read per piece.
    expect(proxy.toServer.piecesWritten).toBe(requestBytes);
    expect(proxy.toServer.bytesForwarded).toBe(requestBytes);
    expect(server.counters.bytesIn).toBe(requestBytes);
    expect(server.counters.reads).toBeGreaterThan(requestBytes / 2);
    expect(server.counters.bytesPerRead).toBeLessThan(2);
    // The answers were not sliced: they came back as whole frames.
    expect(proxy.toClient.piecesWritten).toBe(0);
    expect(proxy.toServer.drawn.slicer).toBe(1);
    expect(proxy.connectionsProxied).toBe(1);
    const faults = eventsOf(endpointOf(result, 'proxy')).filter((event) => event.type === 'fault');
    expect(faults).toEqual([expect.objectContaining({ fault: 'slicer', direction: 'to-server' })]);
  });

  it('passes frames coalesced by Nagle through whole', async () => {
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'framed-echo' } },
          // No fault: the proxy only carries the coalesced stream on.
          proxyOf({}),
          {
            id: 'client',
            role: 'client',
            transport: 'tcp',
            model: 'epoll',
            connect: { endpoint: 'proxy' },
            options: { noDelay: false },
            workload: { kind: 'request-response', payload: { distribution: 'uniform', minBytes: 0, maxBytes: 60 }, maxInFlight: 32 },
          },
        ],
        { durationMs: 1500 },
      ),
    );
    const client = endpointOf(result, 'client');
    const server = endpointOf(result, 'server');
    expect(client.counters.messages).toBeGreaterThan(200);
    expect(client.counters.verifyErrors).toBe(0);
    expect(server.counters.protocolViolations).toBe(0);
    // Frames of at most 64 bytes: several of them per client write and per server read.
    expect(client.counters.bytesPerWrite).toBeGreaterThan(64);
    expect(server.counters.bytesPerRead).toBeGreaterThan(64);
    expect(client.errors).toEqual([]);
  });
});

describe('the proxy latency', () => {
  it('adds 50 ms each way: about 100 ms of round trip, where loopback alone is well under 5 ms', async () => {
    const pingPong = (target: string): EndpointInput => ({
      id: `client-${target}`,
      role: 'client',
      transport: 'tcp',
      model: 'epoll',
      connect: { endpoint: target },
      options: { noDelay: true },
      workload: { kind: 'ping-pong', messageBytes: 64, messagesPerSecond: 20 },
    });
    const jittered = { ...proxyOf({ latency: { ms: 50, jitterMs: 30 } }, { latency: { ms: 50, jitterMs: 30 } }), id: 'jittered' };
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'echo' } },
          proxyOf({ latency: { ms: 50 } }, { latency: { ms: 50 } }),
          jittered,
          pingPong('proxy'),
          pingPong('jittered'),
          pingPong('server'),
        ],
        { durationMs: 2500 },
      ),
    );
    const delayed = endpointOf(result, 'client-proxy').latencyUs!;
    const spread = endpointOf(result, 'client-jittered').latencyUs!;
    const direct = endpointOf(result, 'client-server').latencyUs!;
    expect(delayed.count).toBeGreaterThan(10);
    expect(delayed.p50).toBeGreaterThan(95_000);
    expect(delayed.p50).toBeLessThan(250_000);
    expect(direct.count).toBeGreaterThan(10);
    expect(direct.p50).toBeLessThan(5_000);
    // Jitter of ±30 ms each way spreads the round trips; without it they sit close to 100 ms.
    expect(spread.count).toBeGreaterThan(5);
    expect(spread.p90 - spread.p50).toBeGreaterThan(delayed.p90 - delayed.p50);
    const proxy = proxyFigures(endpointOf(result, 'proxy'));
    expect(proxy.toServer.drawn.latency).toBe(1);
    expect(proxy.toClient.drawn.latency).toBe(1);
    // A 64-byte message waits 50 ms in each direction's queue.
    expect(proxy.toServer.queuePeakBytes).toBeGreaterThanOrEqual(64);
  });
});
