// The fault-injection proxy on real loopback sockets: a client connects to the proxy endpoint,
// which carries each connection on to a server, delaying, pacing, cutting, resetting or
// swallowing the bytes as its faults say.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { EndpointInput } from '../../src-shared/profile.js';
import type { FaultSetInput } from '../../src-shared/proxy-faults.js';
import type { EndpointResult, RunResult } from '../../src-shared/result.js';
import { loadNativeAddon } from '../../src-main/engine/native-engine.js';
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
    // One piece per byte, and (1 ms apart) about one server read per piece; a loaded machine may
    // let a few pieces gather before the server reads.
    expect(proxy.toServer.piecesWritten).toBe(requestBytes);
    expect(proxy.toServer.bytesForwarded).toBe(requestBytes);
    expect(server.counters.bytesIn).toBe(requestBytes);
    console.log(`slicer: ${proxy.toServer.piecesWritten} pieces, ${server.counters.reads} server reads of ${server.counters.bytesPerRead.toFixed(2)} bytes on average`);
    expect(server.counters.reads).toBeGreaterThan(requestBytes / 4);
    expect(server.counters.bytesPerRead).toBeLessThan(4);
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
    console.log(`latency: p50 ${delayed.p50} µs through the proxy, ${direct.p50} µs direct; with jitter p50 ${spread.p50} µs, p90 ${spread.p90} µs, max ${spread.max} µs`);
    expect(spread.p90 - spread.p50).toBeGreaterThan(10_000);
    const proxy = proxyFigures(endpointOf(result, 'proxy'));
    expect(proxy.toServer.drawn.latency).toBe(1);
    expect(proxy.toClient.drawn.latency).toBe(1);
    // A 64-byte message waits 50 ms in each direction's queue.
    expect(proxy.toServer.queuePeakBytes).toBeGreaterThanOrEqual(64);
  });
});

describe('the proxy bandwidth limit', () => {
  it('passes a bulk stream on at about the limit, and the sender\'s queues fill behind it', async () => {
    const bytesPerSecond = 1_000_000;
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'sink' } },
          proxyOf({ bandwidth: { bytesPerSecond } }),
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, workload: { kind: 'bulk' } },
        ],
        { durationMs: 2500 },
      ),
    );
    const server = endpointOf(result, 'server');
    const rate = server.counters.bytesIn / (result.elapsedMs / 1000);
    console.log(`bandwidth: ${Math.round(rate)} bytes/s at the sink for a limit of ${bytesPerSecond}`);
    expect(rate).toBeGreaterThan(0.6 * bytesPerSecond);
    expect(rate).toBeLessThan(1.4 * bytesPerSecond);
    // The stream is the bulk pattern, whole and in order.
    expect(server.counters.verifyErrors).toBe(0);
    const proxy = proxyFigures(endpointOf(result, 'proxy'));
    // The proxy held its bound of bytes back and stopped reading: the client's kernel send queue
    // filled instead.
    expect(proxy.toServer.queueFull).toBeGreaterThanOrEqual(1);
    expect(proxy.toServer.queuePeakBytes).toBeGreaterThanOrEqual(4 * 1024 * 1024);
    expect(result.limitsHit.some((hit) => hit.startsWith('proxy: the toServer queue'))).toBe(true);
    const client = endpointOf(result, 'client').connections[0]!;
    const kernelQueued = Math.max(...client.samples.map((sample) => sample.kernelSendQueueBytes ?? 0));
    console.log(`bandwidth: the client's kernel send queue held up to ${kernelQueued} bytes`);
    expect(kernelQueued).toBeGreaterThan(64 * 1024);
  });
});

describe('the proxy reset', () => {
  it('resets both peers after about N bytes', async () => {
    const afterBytes = 100_000;
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'sink' } },
          proxyOf({ reset: { afterBytes } }),
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, workload: { kind: 'bulk', writeBytes: 16384 } },
        ],
        { durationMs: 1000 },
      ),
    );
    const server = endpointOf(result, 'server');
    const client = endpointOf(result, 'client');
    const proxy = endpointOf(result, 'proxy');
    console.log(`reset: the server read ${server.counters.bytesIn} bytes before the reset (afterBytes ${afterBytes})`);
    expect(server.counters.bytesIn).toBeGreaterThan(afterBytes / 2);
    expect(server.counters.bytesIn).toBeLessThanOrEqual(afterBytes);
    expect(eventsOf(server).filter((event) => event.type === 'reset')).toEqual([expect.objectContaining({ code: 'ECONNRESET' })]);
    const clientResets = eventsOf(client).filter((event) => event.type === 'reset');
    expect(clientResets).toHaveLength(1);
    expect(['ECONNRESET', 'EPIPE']).toContain(clientResets[0]!.code);
    expect(proxyFigures(proxy).toServer.resetsInjected).toBe(1);
    const closed = eventsOf(proxy).filter((event) => event.type === 'closed');
    expect(closed).toHaveLength(2);
    expect(closed.every((event) => event.abortive === true && event.message?.includes(`reset after ${afterBytes} bytes to-server`))).toBe(true);
    expect(eventsOf(proxy).filter((event) => event.type === 'fault')).toEqual([expect.objectContaining({ fault: 'reset', direction: 'to-server' })]);
  });
});

describe('the proxy reset by time', () => {
  it('resets both peers about afterMs after the connection was accepted', async () => {
    const afterMs = 300;
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'echo' } },
          proxyOf({}, { reset: { afterMs } }),
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, workload: { kind: 'ping-pong', messagesPerSecond: 100 } },
        ],
        { durationMs: 1000 },
      ),
    );
    const client = endpointOf(result, 'client');
    const opened = eventsOf(client).find((event) => event.type === 'open')!.atMs;
    const reset = eventsOf(client).find((event) => event.type === 'reset');
    console.log(`reset by time: the client saw the reset ${reset ? (reset.atMs - opened).toFixed(1) : '-'} ms after it connected (afterMs ${afterMs})`);
    expect(reset?.code).toBe('ECONNRESET');
    expect(reset!.atMs - opened).toBeGreaterThanOrEqual(afterMs - 5);
    expect(reset!.atMs - opened).toBeLessThan(afterMs + 300);
    expect(eventsOf(endpointOf(result, 'server')).some((event) => event.type === 'reset')).toBe(true);
    expect(proxyFigures(endpointOf(result, 'proxy')).toClient.resetsInjected).toBe(1);
    // Round trips went on until the reset.
    expect(client.counters.messages).toBeGreaterThan(10);
  });
});

describe('the proxy blackhole', () => {
  it('swallows the bytes after the threshold, and then a FIN, while the server\'s connection stays established', async () => {
    const messageBytes = 64;
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'echo' } },
          proxyOf({ blackhole: { afterBytes: 10 * messageBytes } }),
          {
            id: 'client',
            role: 'client',
            transport: 'tcp',
            model: 'epoll',
            connect: { endpoint: 'proxy' },
            workload: { kind: 'ping-pong', messageBytes, messagesPerSecond: 50 },
          },
        ],
        // The client gives up waiting and shuts down writing: the FIN goes into the blackhole too.
        { durationMs: 1200, actions: [{ atMs: 700, endpoint: 'client', do: 'shutdown', how: 'write' }] },
      ),
    );
    const server = endpointOf(result, 'server');
    const client = endpointOf(result, 'client');
    const proxy = endpointOf(result, 'proxy');
    // Ten round trips, then the eleventh message vanished and the client waits for its echo.
    expect(client.counters.messages).toBe(10);
    expect(server.counters.bytesIn).toBe(10 * messageBytes);
    expect(proxyFigures(proxy).toServer.bytesBlackholed).toBe(messageBytes);
    for (const [endpoint, state] of [[client, 'FIN_WAIT2'], [server, 'ESTABLISHED']] as const) {
      const connection = endpoint.connections[0]!;
      // Open to the end: the run's stop closes everything, after the last sample. The client's FIN
      // was acknowledged by the proxy, never passed on.
      const lastSample = connection.samples.at(-1)!;
      expect(lastSample.atMs).toBeGreaterThan(1000);
      expect(lastSample.tcp?.state).toBe(state);
      const beforeStop = connection.events.filter((event) => event.atMs <= lastSample.atMs).map((event) => event.type);
      expect(beforeStop).not.toContain('reset');
      expect(beforeStop).not.toContain('peer-shutdown');
      expect(beforeStop).not.toContain('closed');
    }
    expect(eventsOf(proxy).filter((event) => event.type === 'fault')).toEqual([expect.objectContaining({ fault: 'blackhole', direction: 'to-server' })]);
  });
});

describe('the proxy slow close', () => {
  it('passes a shutdown(write) on only after the delay, while data still flows the other way', async () => {
    const delayMs = 300;
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'manual' } },
          proxyOf({ slowClose: { delayMs } }),
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, workload: { kind: 'manual' } },
        ],
        {
          durationMs: 1200,
          actions: [
            { atMs: 200, endpoint: 'client', do: 'shutdown', how: 'write' },
            { atMs: 350, endpoint: 'server', do: 'send', text: 'still here' },
          ],
        },
      ),
    );
    const client = endpointOf(result, 'client');
    const server = endpointOf(result, 'server');
    const shutdownAt = eventsOf(client).find((event) => event.type === 'shutdown')!.atMs;
    const finAt = eventsOf(server).find((event) => event.type === 'peer-shutdown')!.atMs;
    console.log(`slowClose: the FIN reached the server ${(finAt - shutdownAt).toFixed(1)} ms after the client's shutdown (delay ${delayMs} ms)`);
    expect(finAt - shutdownAt).toBeGreaterThanOrEqual(delayMs - 5);
    expect(finAt - shutdownAt).toBeLessThan(delayMs + 400);
    // The server's answer, sent while the FIN was held, reached the client.
    expect(client.counters.bytesIn).toBe('still here'.length);
    expect(proxyFigures(endpointOf(result, 'proxy')).toServer.slowCloses).toBe(1);
  });
});

describe('the proxy between two peers that close', () => {
  it('passes a FIN on each way and closes both sides gracefully, and passes a reset on as a reset', async () => {
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'echo' } },
          proxyOf({}),
          // One connection sends 100 kB, then shuts down writing: the echo finishes and closes.
          {
            id: 'graceful',
            role: 'client',
            transport: 'tcp',
            model: 'epoll',
            connect: { endpoint: 'proxy' },
            workload: { kind: 'bulk', totalBytes: 100_000, thenShutdownWrite: true },
          },
          { id: 'aborted', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, workload: { kind: 'manual' } },
        ],
        { durationMs: 1000, actions: [{ atMs: 300, endpoint: 'aborted', do: 'close', abortive: true }] },
      ),
    );
    const graceful = endpointOf(result, 'graceful');
    // The whole echo came back before the server's FIN, through both of the proxy's directions.
    expect(graceful.counters.bytesIn).toBe(100_000);
    expect(graceful.counters.verifyErrors).toBe(0);
    const gracefulEvents = eventsOf(graceful).map((event) => event.type);
    expect(gracefulEvents).toContain('peer-shutdown');
    expect(gracefulEvents).not.toContain('reset');
    const server = endpointOf(result, 'server');
    const serverClosed = server.connections.map((connection) => connection.events.find((event) => event.type === 'closed'));
    // The aborted client's RST reached the server as a reset; the graceful one's connection closed without one.
    expect(server.connections.filter((connection) => connection.events.some((event) => event.type === 'reset' && event.code === 'ECONNRESET'))).toHaveLength(1);
    expect(serverClosed.filter((closed) => closed !== undefined && closed.atMs < 900)).toHaveLength(2);
    const proxyClosed = eventsOf(endpointOf(result, 'proxy')).filter((event) => event.type === 'closed');
    expect(proxyClosed.filter((event) => event.abortive === true && event.message === 'the other side of the proxy was reset')).toHaveLength(1);
    expect(proxyClosed.filter((event) => event.atMs < 900)).toHaveLength(4);
  });
});

describe('the proxy fault probability', () => {
  it('draws a fault for some connections and not others, the same ones again with the same seed', async () => {
    const run = () =>
      runProfile(
        profileOf(
          [
            { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: loopback, workload: { kind: 'echo' } },
            { ...proxyOf({ latency: { ms: 20, probability: 0.5 } }), workload: { kind: 'proxy', toServer: { latency: { ms: 20, probability: 0.5 } }, seed: 7 } },
            {
              id: 'client',
              role: 'client',
              transport: 'tcp',
              model: 'epoll',
              connect: { endpoint: 'proxy' },
              connections: 20,
              workload: { kind: 'ping-pong', messagesPerSecond: 20 },
            },
          ],
          { durationMs: 800 },
        ),
      );
    // The proxied connection's place among those accepted: its client side is adopted first,
    // then its upstream, on one thread, so client sides have the even indexes.
    const drew = (result: RunResult) =>
      endpointOf(result, 'proxy')
        .connections.filter((connection) => connection.events.some((event) => event.type === 'fault' && event.fault === 'latency'))
        .map((connection) => connection.index / 2)
        .sort((a, b) => a - b);
    const first = await run();
    const second = await run();
    const drawn = proxyFigures(endpointOf(first, 'proxy')).toServer.drawn.latency;
    console.log(`probability: ${drawn} of 20 connections drew the latency; ordinals ${drew(first).join(', ')}`);
    expect(drawn).toBeGreaterThan(0);
    expect(drawn).toBeLessThan(20);
    expect(drew(first)).toHaveLength(drawn);
    expect(drew(second)).toEqual(drew(first));
    expect(proxyFigures(endpointOf(first, 'proxy')).connectionsProxied).toBe(20);
  });
});

describe('a proxy whose upstream does not answer', () => {
  it('closes the client\'s side abortively with the upstream address and ECONNREFUSED as the reason', async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = net.createServer();
      probe.listen(0, '127.0.0.1', () => {
        const free = (probe.address() as net.AddressInfo).port;
        probe.close(() => resolve(free));
      });
    });
    const result = await runProfile(
      profileOf(
        [
          { ...proxyOf({}), connect: { host: '127.0.0.1', port } },
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, workload: { kind: 'ping-pong' } },
        ],
        { durationMs: 500 },
      ),
    );
    const proxy = endpointOf(result, 'proxy');
    expect(proxyFigures(proxy).upstreamConnectFailures).toBe(1);
    const closed = eventsOf(proxy).filter((event) => event.type === 'closed' && event.code === 'ECONNREFUSED');
    expect(closed.length).toBeGreaterThanOrEqual(1);
    expect(closed[0]!.message).toContain(`127.0.0.1:${port}`);
    expect(closed.some((event) => event.abortive === true)).toBe(true);
    expect(proxy.errors).toEqual([expect.objectContaining({ code: 'ECONNREFUSED' })]);
    // The client saw its connection reset (as a reset, or as its connect failing when the reset
    // came before its thread saw the connect finish), and the run went on to its end.
    expect(eventsOf(endpointOf(result, 'client')).some((event) => (event.type === 'reset' || event.type === 'error') && event.code === 'ECONNRESET')).toBe(true);
    expect(result.completed).toBe(true);
  });
});

describe('a proxy at the addon boundary', () => {
  it('is turned away with a TypeError naming the field when the engine could not run it', () => {
    const { Engine } = loadNativeAddon();
    const construct = (endpoint: Record<string, unknown>) => () =>
      new Engine(
        { endpoints: [{ id: 'p', role: 'proxy', transport: 'tcp', model: 'epoll', host: '127.0.0.1', port: 0, upstreamHost: '127.0.0.1', upstreamPort: 9, options: {}, workload: { kind: 'proxy' }, ...endpoint }] } as never,
        () => undefined,
      );
    expect(construct({ model: 'blocking' })).toThrow(/config.endpoints\[0\].model must be select or epoll for a proxy/);
    expect(construct({ workload: { kind: 'echo' } })).toThrow(/config.endpoints\[0\].workload.kind must be "proxy" for a proxy/);
    expect(construct({ workload: { kind: 'proxy', toServer: { latency: { ms: 5, probability: 2 } } } })).toThrow(
      /config.endpoints\[0\].workload.toServer.latency.probability must be a number from 0 to 1/,
    );
    expect(construct({ workload: { kind: 'proxy', toClient: { reset: {} } } })).toThrow(/config.endpoints\[0\].workload.toClient.reset must be given afterBytes or afterMs/);
    expect(construct({ upstreamPort: undefined })).toThrow(/upstreamPort/);
  });
});
