// The loopback behaviour suite: every I/O model must show the same socket behaviour.
import { describe, expect, it } from 'vitest';
import type { EndpointInput, IoModel } from '../../src-shared/profile.js';
import { runProfile } from '../../src-main/engine/run.js';
import { echoPairOf, endpointOf, eventsOf, profileOf } from '../helpers/profiles.js';
import { modelVariants, pooledReadVariants, type ModelVariant } from '../helpers/model-variants.js';

/** Cases that cannot apply to a model, and why. They show as skipped, with the reason in their name. */
const notApplicable: Partial<Record<IoModel, Record<string, string>>> = {
  libuv: {
    'fills the sender\'s kernel send queue when the reader is slow':
      'Node cannot set SO_SNDBUF or SO_RCVBUF on a TCP socket, and the case needs small buffers to bound what the sender gets out',
    'reads every applied option back from the kernel':
      'Node cannot set SO_LINGER, TCP buffer sizes, TCP_KEEPINTVL, TCP_KEEPCNT or SO_REUSEPORT; tests/engine/libuv.test.ts checks what it applies and what it says it cannot',
  },
};

/** Cases a read buffer pool cannot run: it is for TCP, and the profile refuses it on UDP. */
const notForPooledReads: Record<string, string> = {
  'keeps UDP datagram boundaries': 'the read buffer pool is for TCP',
  'answers UDP ping-pong from an echo server': 'the read buffer pool is for TCP',
};

/** `it` for one variant: a case listed in notApplicable is skipped visibly. */
function caseFor({ model, fields }: ModelVariant) {
  return (name: string, body: () => Promise<void>) => {
    const reason = notApplicable[model]?.[name] ?? (fields.readBuffers === 'pool' ? notForPooledReads[name] : undefined);
    if (reason) it.skip(`${name} (not for ${model}: ${reason})`, body);
    else it(name, body);
  };
}

/** JavaScript is libuv's data path: a stream of megabytes needs longer on a loaded machine than the engine's threads do. */
const bulkDurationMs = (model: IoModel) => (model === 'libuv' ? 4000 : 1000);

// The proactor models run every TCP case a second time with their reads drawn from a pool.
describe.each([...modelVariants, ...pooledReadVariants])('the $name model', (variant) => {
  const { model, fields: modelFields } = variant;
  const it = caseFor(variant);
  it('echoes ping-pong messages back intact', async () => {
    const result = await runProfile(profileOf(echoPairOf(modelFields, { connections: 4, messageBytes: 3000 })));
    const client = endpointOf(result, 'client');
    expect(client.counters.messages).toBeGreaterThan(100);
    expect(client.counters.verifyErrors).toBe(0);
    expect(client.latencyUs?.count).toBe(client.counters.messages);
    expect(client.errors).toEqual([]);
    expect(endpointOf(result, 'server').counters.accepts).toBe(4);
  });

  it('delivers a bulk stream complete and in order', async () => {
    const totalBytes = 8 * 1024 * 1024 + 12345;
    const result = await runProfile(
      profileOf([
        { id: 'server', role: 'server', transport: 'tcp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'sink' } },
        {
          id: 'client',
          role: 'client',
          transport: 'tcp',
          ...modelFields,
          connect: { endpoint: 'server' },
          connections: 2,
          workload: { kind: 'bulk', writeBytes: 100_000, totalBytes, thenShutdownWrite: true },
        },
      ], { durationMs: bulkDurationMs(model) }),
    );
    const server = endpointOf(result, 'server');
    expect(server.counters.bytesIn).toBe(2 * totalBytes);
    expect(server.counters.verifyErrors).toBe(0);
    expect(endpointOf(result, 'client').counters.bytesOut).toBe(2 * totalBytes);
    // The sink closed after the client's FIN: both sides ended without a reset.
    expect(eventsOf(server).filter((event) => event.type === 'reset')).toEqual([]);
  });

  it('keeps receiving after shutting down its own writing (half-close)', async () => {
    const totalBytes = 2 * 1024 * 1024;
    const result = await runProfile(
      profileOf([
        { id: 'server', role: 'server', transport: 'tcp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
        {
          id: 'client',
          role: 'client',
          transport: 'tcp',
          ...modelFields,
          connect: { endpoint: 'server' },
          // A small receive buffer keeps echoed bytes in flight when the client shuts down writing.
          options: { rcvBufBytes: 16384 },
          workload: { kind: 'bulk', writeBytes: 65536, totalBytes, thenShutdownWrite: true },
        },
      ]),
    );
    const client = endpointOf(result, 'client');
    expect(client.counters.bytesIn).toBe(totalBytes);
    expect(client.counters.verifyErrors).toBe(0);
    const events = eventsOf(client);
    const shutdown = events.find((event) => event.type === 'shutdown');
    const peerShutdown = events.find((event) => event.type === 'peer-shutdown');
    expect(shutdown?.how).toBe('write');
    expect(peerShutdown).toBeDefined();
    expect(peerShutdown!.atMs).toBeGreaterThan(shutdown!.atMs);
    // Bytes arrived after our FIN went out: the half-open period really carried data.
    const readAfterShutdown = result.capture.entries
      .filter((entry) => entry.endpoint === 'client' && entry.direction === 'read' && entry.atUs > shutdown!.atMs * 1000)
      .reduce((sum, entry) => sum + entry.bytes, 0);
    expect(readAfterShutdown).toBeGreaterThan(0);
    // The server saw our FIN, finished echoing, then closed gracefully.
    const serverEvents = eventsOf(endpointOf(result, 'server'));
    expect(serverEvents.map((event) => event.type)).toContain('peer-shutdown');
    expect(serverEvents.find((event) => event.type === 'closed')?.abortive).toBe(false);
    expect(serverEvents.some((event) => event.type === 'reset')).toBe(false);
  });

  it('keeps UDP datagram boundaries', async () => {
    const result = await runProfile(
      profileOf([
        { id: 'server', role: 'server', transport: 'udp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'sink' } },
        {
          id: 'client',
          role: 'client',
          transport: 'udp',
          ...modelFields,
          connect: { endpoint: 'server' },
          workload: { kind: 'bulk', writeBytes: 1200, bytesPerSecond: 600_000 },
        },
      ]),
    );
    const reads = result.capture.entries.filter((entry) => entry.endpoint === 'server' && entry.direction === 'read');
    expect(reads.length).toBeGreaterThan(100);
    expect(new Set(reads.map((entry) => entry.bytes))).toEqual(new Set([1200]));
    expect(endpointOf(result, 'server').counters.datagramsOutOfOrder).toBe(0);
  });

  it('answers UDP ping-pong from an echo server', async () => {
    const result = await runProfile(
      profileOf([
        { id: 'server', role: 'server', transport: 'udp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
        { id: 'client', role: 'client', transport: 'udp', ...modelFields, connect: { endpoint: 'server' }, udpConnected: false, workload: { kind: 'ping-pong', messageBytes: 200 } },
      ]),
    );
    const client = endpointOf(result, 'client');
    expect(client.counters.messages).toBeGreaterThan(100);
    expect(client.counters.verifyErrors).toBe(0);
  });

  it('shows the Nagle and delayed-ACK stall, and its absence with TCP_NODELAY', async () => {
    // Two pairs side by side in one run, one with Nagle and one without.
    const pair = (suffix: string, noDelay: boolean): EndpointInput[] => [
      {
        id: `server${suffix}`,
        role: 'server',
        transport: 'tcp',
        ...modelFields,
        listen: { host: '127.0.0.1', port: 0 },
        options: { noDelay },
        workload: { kind: 'echo', messageBytes: 64 },
      },
      {
        id: `client${suffix}`,
        role: 'client',
        transport: 'tcp',
        ...modelFields,
        connect: { endpoint: `server${suffix}` },
        options: { noDelay },
        workload: { kind: 'ping-pong', messageBytes: 64, writesPerMessage: 2 },
      },
    ];
    const result = await runProfile(profileOf([...pair('', false), ...pair('-nodelay', true)], { durationMs: 1500 }));
    const stalled = endpointOf(result, 'client').latencyUs!;
    const prompt = endpointOf(result, 'client-nodelay').latencyUs!;
    // Linux delays an ACK by at least 40 ms (TCP_DELACK_MIN); the second write waits for it.
    expect(stalled.p50).toBeGreaterThan(20_000);
    expect(stalled.p50).toBeLessThan(250_000);
    expect(prompt.p50).toBeLessThan(1_000);
    expect(prompt.count).toBeGreaterThan(stalled.count * 10);
  });

  it('resets the peer on an abortive close (linger 0) and not on a graceful one', async () => {
    // Two pairs in one run: the client of the first closes abortively, that of the second gracefully.
    const pair = (suffix: string): EndpointInput[] => [
      { id: `server${suffix}`, role: 'server', transport: 'tcp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'manual' } },
      { id: `client${suffix}`, role: 'client', transport: 'tcp', ...modelFields, connect: { endpoint: `server${suffix}` }, workload: { kind: 'manual' } },
    ];
    const result = await runProfile(
      profileOf([...pair('-abortive'), ...pair('-graceful')], {
        durationMs: 800,
        actions: ['-abortive', '-graceful'].flatMap((suffix) => [
          { atMs: 150, endpoint: `client${suffix}`, do: 'send' as const, text: 'unread by nobody' },
          { atMs: 300, endpoint: `client${suffix}`, do: 'close' as const, abortive: suffix === '-abortive' },
        ]),
      }),
    );
    const serverAfterAbort = eventsOf(endpointOf(result, 'server-abortive'));
    expect(serverAfterAbort.find((event) => event.type === 'reset')?.code).toBe('ECONNRESET');
    expect(eventsOf(endpointOf(result, 'client-abortive')).find((event) => event.type === 'closed')?.abortive).toBe(true);

    const serverAfterClose = eventsOf(endpointOf(result, 'server-graceful'));
    expect(serverAfterClose.some((event) => event.type === 'reset')).toBe(false);
    expect(serverAfterClose.some((event) => event.type === 'peer-shutdown')).toBe(true);
    // A manual server stays half-open after the FIN, as an application that never calls close does.
    expect(serverAfterClose.filter((event) => event.type === 'state').map((event) => event.state)).toContain('CLOSE_WAIT');
  });

  it('fills the sender\'s kernel send queue when the reader is slow', async () => {
    const result = await runProfile(
      profileOf(
        [
          {
            id: 'server',
            role: 'server',
            transport: 'tcp',
            ...modelFields,
            listen: { host: '127.0.0.1', port: 0 },
            options: { rcvBufBytes: 65536 },
            workload: { kind: 'sink', readBytesPerSecond: 200_000 },
          },
          { id: 'client', role: 'client', transport: 'tcp', ...modelFields, connect: { endpoint: 'server' }, options: { sndBufBytes: 262144 }, workload: { kind: 'bulk' } },
        ],
        { durationMs: 1500 },
      ),
    );
    const client = endpointOf(result, 'client');
    const samples = client.connections[0]!.samples;
    const fullest = Math.max(...samples.map((sample) => sample.kernelSendQueueBytes ?? 0));
    // The sender's queue holds far more than the reader took in a whole second.
    expect(fullest).toBeGreaterThan(200_000);
    // The receiver's queue is full too: its window is what holds the sender back.
    const serverSamples = endpointOf(result, 'server').connections[0]!.samples;
    expect(Math.max(...serverSamples.map((sample) => sample.kernelRecvQueueBytes ?? 0))).toBeGreaterThan(30_000);
    expect(client.counters.bytesOut).toBeLessThan(2_000_000);
  });

  it('reads every applied option back from the kernel', async () => {
    const options = {
      noDelay: true,
      sndBufBytes: 65536,
      rcvBufBytes: 32768,
      linger: { seconds: 5 },
      keepAlive: { idleS: 7, intervalS: 3, count: 4 },
      reuseAddr: true,
      reusePort: true,
    };
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, options, workload: { kind: 'manual' } },
          { id: 'client', role: 'client', transport: 'tcp', ...modelFields, connect: { endpoint: 'server' }, options, workload: { kind: 'manual' } },
        ],
        { durationMs: 300 },
      ),
    );
    const applied = endpointOf(result, 'client').appliedOptions;
    // Linux doubles buffer sizes to leave room for its own bookkeeping (socket(7)).
    expect(applied).toEqual({ ...options, sndBufBytes: 131072, rcvBufBytes: 65536 });
    expect(endpointOf(result, 'client').requestedOptions).toEqual(options);
  });
});
