// Framed workloads on real loopback sockets: frames arrive whole however TCP cuts them, and a
// peer that breaks the framing rules loses only its own connection.
import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { ioModels, profileSchema } from '../../src-shared/profile.js';
import { Run, runProfile } from '../../src-main/engine/run.js';
import { loadNativeAddon } from '../../src-main/engine/native-engine.js';
import { modelVariants, type ModelVariant } from '../helpers/model-variants.js';
import { endpointOf, eventsOf, profileOf } from '../helpers/profiles.js';

/** A frame in the default format: u16 little-endian size including the 4-byte header, u16 id. */
function frameOf(id: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(4 + payload.length, 0);
  header.writeUInt16LE(id, 2);
  return Buffer.concat([header, payload]);
}

function connect(address: string): Promise<net.Socket> {
  const [host, port] = [address.slice(0, address.lastIndexOf(':')), Number(address.slice(address.lastIndexOf(':') + 1))];
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port, noDelay: true }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Collects what a socket receives until `bytes` have arrived. */
function receive(socket: net.Socket, bytes: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let got = 0;
    const onData = (chunk: Buffer) => {
      chunks.push(chunk);
      got += chunk.length;
      if (got >= bytes) {
        socket.off('data', onData);
        resolve(Buffer.concat(chunks));
      }
    };
    socket.on('data', onData);
    socket.once('close', () => reject(new Error(`closed after ${got} of ${bytes} bytes`)));
  });
}

// The framed workloads run in the engine's C++ models; a libuv endpoint refuses them at validation
// (tests/engine/libuv.test.ts checks that refusal).
describe('framing on the libuv model', () => {
  it.skip("every case (not for libuv: the framed workloads run in the engine's own models only)");
});

describe.each(ioModels.filter((model) => model !== 'libuv'))('framing on the %s model', (model) => {
  it('reassembles frames written one byte at a time', async () => {
    const run = await Run.start(
      profileOf([{ id: 'server', role: 'server', transport: 'tcp', model, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'framed-echo' } }], {
        durationMs: 60_000,
      }),
    );
    const frames = [0, 1, 7, 33, 200].map((size, id) => frameOf(id + 1, Buffer.from(Array.from({ length: size }, (_, i) => (i * 7 + id) & 0xff))));
    const stream = Buffer.concat(frames);
    const socket = await connect(run.listen[0]!);
    const echoed = receive(socket, stream.length);
    // One byte per write, with a pause so each byte leaves in its own segment.
    for (const byte of stream) {
      socket.write(Buffer.of(byte));
      await sleep(1);
    }
    expect((await echoed).equals(stream)).toBe(true);
    socket.end();
    await run.stop();
    const result = await run.finished;
    const server = endpointOf(result, 'server');
    expect(server.counters.messages).toBe(frames.length);
    expect(server.counters.protocolViolations).toBe(0);
    // The frames really arrived in pieces: reads far smaller than the frames they belong to.
    expect(server.counters.reads).toBeGreaterThan(frames.length * 4);
    expect(eventsOf(server).filter((event) => event.type === 'protocol-violation')).toEqual([]);
  });

  it('takes apart frames coalesced into one write and answers each by id', async () => {
    const result = await runProfile(
      profileOf([
        { id: 'server', role: 'server', transport: 'tcp', model, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'framed-echo' } },
        {
          id: 'client',
          role: 'client',
          transport: 'tcp',
          model,
          connect: { endpoint: 'server' },
          connections: 2,
          // Many small requests in flight at once leave the send queue together, in one write.
          workload: { kind: 'request-response', payload: { distribution: 'uniform', minBytes: 0, maxBytes: 60 }, maxInFlight: 64 },
        },
      ]),
    );
    const client = endpointOf(result, 'client');
    const server = endpointOf(result, 'server');
    expect(client.counters.messages).toBeGreaterThan(500);
    expect(client.counters.verifyErrors).toBe(0);
    expect(client.latencyUs?.count).toBe(client.counters.messages);
    // A frame is at most 64 bytes here: writes and reads of several frames each are coalesced ones.
    expect(client.counters.bytesPerWrite).toBeGreaterThan(64);
    expect(server.counters.bytesPerRead).toBeGreaterThan(64);
    expect(server.counters.protocolViolations).toBe(0);
    expect(client.errors).toEqual([]);
  });
});

// The stalled peer holds its half frame open for this long: a server that waited on it instead of
// serving the others would hold every good request back about as long, far past the bounds below.
// Two seconds, because a two-core machine at load 15 has held a request back for 800 ms.
const stallTimeoutMs = 2000;
const goodConnections = 100;
// 25 requests a second for 2.4 s: every good connection is still sending when the stall times out.
const goodRequestsPerSecond = 25;
const goodRequestsEach = 60;
const goodPayloadBytes = 32;
const hostileRunMs = 3000;
// Alone, the good clients need only enough requests for their percentiles.
const baselineRequestsEach = 20;
const baselineRunMs = 1200;
const violations = ['size-below-header', 'size-above-maximum', 'stalled-mid-frame'] as const;
const offendersPerViolation = 2;

/** The framed server, its 100 paced request-response clients and, if asked, two offenders per framing rule. */
function hostileProfile(fields: ModelVariant['fields'], withOffenders: boolean) {
  const requestsEach = withOffenders ? goodRequestsEach : baselineRequestsEach;
  const frame = { stallTimeoutMs };
  const client = { role: 'client' as const, transport: 'tcp' as const, ...fields, connect: { endpoint: 'server' }, options: { noDelay: true } };
  return profileOf(
    [
      { id: 'server', role: 'server', transport: 'tcp', ...fields, listen: { host: '127.0.0.1', port: 0 }, options: { noDelay: true }, workload: { kind: 'framed-echo', frame } },
      {
        ...client,
        id: 'good',
        connections: goodConnections,
        workload: {
          kind: 'request-response',
          frame,
          payload: { distribution: 'fixed', bytes: goodPayloadBytes },
          requestsPerSecond: goodRequestsPerSecond,
          maxInFlight: 4,
          totalRequests: requestsEach,
        },
      },
      ...(withOffenders
        ? violations.map((violation) => ({ ...client, id: violation, connections: offendersPerViolation, workload: { kind: 'malformed' as const, frame, violation, goodFramesBefore: 2 } }))
        : []),
    ],
    // Every connection keeps a series, so each good one's bytes are known at the end.
    { durationMs: withOffenders ? hostileRunMs : baselineRunMs, limits: { seriesConnections: 128, maxSamplesPerConnection: 6000, maxEventsPerConnection: 1000 } },
  );
}

describe.each(modelVariants.filter(({ model }) => model !== 'libuv'))('hostile framed input on the $name model', ({ name, fields }) => {
  it('closes only the offending connections, each with its rule and header, while 100 good ones keep their latency', async () => {
    // The same good clients alone first: what their latency is on this machine, at this moment.
    const baseline = endpointOf(await runProfile(hostileProfile(fields, false)), 'good');
    const result = await runProfile(hostileProfile(fields, true));
    const server = endpointOf(result, 'server');
    const offenders = violations.length * offendersPerViolation;
    expect(server.counters.protocolViolations).toBe(offenders);

    const reported = server.connections.flatMap((connection) =>
      connection.events.filter((event) => event.type === 'protocol-violation').map((event) => ({ connection, event })),
    );
    expect(reported.map(({ event }) => event.rule).sort()).toEqual(violations.flatMap((violation) => Array<string>(offendersPerViolation).fill(violation)).sort());
    // Each header as sent: after two good frames (ids 0 and 1) the bad one carries id 2.
    const headers: Record<(typeof violations)[number], string> = {
      'size-below-header': '03 00 02 00',
      'size-above-maximum': '01 10 02 00',
      'stalled-mid-frame': '24 00 02 00',
    };
    for (const { connection, event } of reported) {
      expect(event.header).toBe(headers[event.rule as (typeof violations)[number]]);
      expect(event.code).toBe('EPROTO');
      const closed = connection.events.find((candidate) => candidate.type === 'closed');
      expect(closed).toMatchObject({ code: 'EPROTO', message: `protocol violation: ${event.rule}` });
    }
    for (const { event } of reported.filter(({ event }) => event.rule === 'size-above-maximum')) expect(event.message).toContain('4097');
    // The stall timeout fired once the frame had waited that long, and not before.
    const stalls = reported.filter(({ event }) => event.rule === 'stalled-mid-frame');
    for (const { connection, event } of stalls) {
      const openedAtMs = connection.events.find((candidate) => candidate.type === 'open')!.atMs;
      expect(event.atMs - openedAtMs).toBeGreaterThanOrEqual(stallTimeoutMs);
      expect(event.message).toContain(`within ${stallTimeoutMs} ms`);
    }
    // The good frames before each bad one were answered (the stalled clients got both back).
    expect(endpointOf(result, 'stalled-mid-frame').counters.messages).toBe(2 * offendersPerViolation);

    // Only the offenders were closed for it.
    const closedForViolation = server.connections.filter((connection) => connection.events.some((event) => event.type === 'closed' && event.code === 'EPROTO'));
    expect(closedForViolation).toHaveLength(offenders);

    // Every good connection stayed open, and every one of its requests was answered, intact.
    const good = endpointOf(result, 'good');
    for (const [endpoint, requestsEach] of [
      [baseline, baselineRequestsEach],
      [good, goodRequestsEach],
    ] as const) {
      expect(endpoint.counters.connectionsTotal).toBe(goodConnections);
      expect(endpoint.connections).toHaveLength(goodConnections);
      for (const connection of endpoint.connections) {
        expect(connection.events.filter((event) => event.type === 'closed' && event.code)).toEqual([]);
        expect(connection.bytesIn).toBe(requestsEach * (4 + goodPayloadBytes));
      }
      expect(endpoint.counters.messages).toBe(goodConnections * requestsEach);
      expect(endpoint.counters.messagesLost).toBe(0);
      expect(endpoint.counters.verifyErrors).toBe(0);
      expect(endpoint.latencyUs?.count).toBe(goodConnections * requestsEach);
    }
    // And answers kept coming to every good connection after the stalls had been dealt with.
    const lastStallAtMs = Math.max(...stalls.map(({ event }) => event.atMs));
    for (const connection of good.connections) {
      const after = connection.samples.filter((sample) => sample.atMs > lastStallAtMs);
      expect(after.length).toBeGreaterThan(1);
      expect(after.at(-1)!.bytesIn).toBeGreaterThan(after[0]!.bytesIn);
    }

    // Their latency was kept. A server held by the stalled peer for stallTimeoutMs would hold
    // every good connection's 4 requests in flight for up to that long: one request in 15 late
    // by most of the stall, so p99 and max near stallTimeoutMs. A loaded two-core machine has
    // held the process up for 100 ms at a time at load 7, and a request for 800 ms at load 15,
    // which moves p99 of either run by as much; the bounds leave room for that and still fail
    // such a stall.
    const ms = (us: number) => (us / 1000).toFixed(2);
    const [alone, beside] = [baseline.latencyUs!, good.latencyUs!];
    console.log(
      `hostile framed input, ${name}: good p50 ${ms(alone.p50)} ms alone, ${ms(beside.p50)} ms beside ${offenders} offenders; ` +
        `p99 ${ms(alone.p99)} -> ${ms(beside.p99)} ms; max ${ms(alone.max)} -> ${ms(beside.max)} ms (${alone.count} requests alone, ${beside.count} beside)`,
    );
    expect(beside.p50).toBeLessThan(alone.p50 + (stallTimeoutMs / 10) * 1000);
    expect(beside.p99).toBeLessThan(alone.p99 + (stallTimeoutMs / 2) * 1000);
    expect(beside.max).toBeLessThan(((stallTimeoutMs * 3) / 4) * 1000);
  });
});

describe('framing settings', () => {
  it('refuses framing settings that cannot work, naming the field', () => {
    const base = (workload: object) =>
      profileOf([
        { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'framed-echo' } },
        { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, workload: workload as never },
      ]);
    const issues = (workload: object) =>
      (profileSchema.safeParse(base(workload)).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    expect(issues({ kind: 'request-response', payload: { distribution: 'fixed', bytes: 5000 } })).toEqual([
      expect.stringMatching(/^endpoints\.1\.workload\.payload\.bytes: a payload of 5000 bytes does not fit/),
    ]);
    expect(issues({ kind: 'malformed', violation: 'size-below-header', frame: { sizeIncludesHeader: false } })).toContain(
      'endpoints.1.workload.violation: a size that excludes the header cannot be smaller than it; set frame.sizeIncludesHeader',
    );
    expect(issues({ kind: 'malformed', violation: 'size-above-maximum', frame: { sizeBytes: 1, maxFrameBytes: 255 } }).join('\n')).toMatch(
      /endpoints\.1\.workload\.frame\.maxFrameBytes: a 1-byte size field cannot announce more than 255 bytes/,
    );
    expect(issues({ kind: 'request-response', frame: { idBytes: 1 }, maxInFlight: 300 }).join('\n')).toMatch(/maxInFlight: a 1-byte id tells at most 256/);
    expect(issues({ kind: 'request-response', frame: { byteOrder: 'big' } })).toEqual(['endpoints.1.workload.frame: the frame format differs from that of "server"']);
  });

  it('refuses an impossible frame format at the addon boundary too', () => {
    const { Engine } = loadNativeAddon();
    const endpoint = (frame: object) => ({
      id: 'server',
      role: 'server',
      transport: 'tcp',
      model: 'epoll',
      host: '127.0.0.1',
      port: 0,
      options: {},
      workload: { kind: 'framed-echo', frame },
    });
    const config = (frame: object) => ({ sampleEveryMs: 100, captureEnabled: false, captureEntries: 16, capturePreviewBytes: 0, seriesConnections: 0, endpoints: [endpoint(frame)], actions: [] });
    const valid = { sizeBytes: 2, idBytes: 2, bigEndian: false, sizeIncludesHeader: true, maxFrameBytes: 4096, stallTimeoutMs: 1000 };
    expect(() => new Engine(config({ ...valid, sizeBytes: 3 }) as never, () => {})).toThrow('config.endpoints[0].workload.frame.sizeBytes must be 1, 2 or 4');
    expect(() => new Engine(config({ ...valid, maxFrameBytes: 3 }) as never, () => {})).toThrow(/config\.endpoints\[0\]\.workload\.frame\.maxFrameBytes must be an integer from 4/);
  });
});
