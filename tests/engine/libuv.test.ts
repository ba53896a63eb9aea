// The libuv model beside the engine's own: mixed runs, what Node cannot apply, the foreign-socket
// sampler's refusals, and the libuv-specific paths of live commands.
import { openSync, closeSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { Run, runProfile } from '../../src-main/engine/run.js';
import { loadNativeAddon } from '../../src-main/engine/native-engine.js';
import { endpointOf, eventsOf, profileOf } from '../helpers/profiles.js';

describe('a run mixing libuv and native endpoints', () => {
  it.each([
    ['libuv', 'epoll'],
    ['epoll', 'libuv'],
  ] as const)('%s client against %s server: one run, one result, bytes checked end to end', async (clientModel, serverModel) => {
    const totalBytes = 3 * 1024 * 1024 + 777;
    const result = await runProfile(
      profileOf([
        { id: 'server', role: 'server', transport: 'tcp', model: serverModel, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'sink' } },
        { id: 'pinger', role: 'server', transport: 'tcp', model: clientModel, listen: { host: '127.0.0.1', port: 0 }, options: { noDelay: true }, workload: { kind: 'echo' } },
        { id: 'client', role: 'client', transport: 'tcp', model: clientModel, connect: { endpoint: 'server' }, workload: { kind: 'bulk', writeBytes: 65536, totalBytes, thenShutdownWrite: true } },
        { id: 'ping', role: 'client', transport: 'tcp', model: serverModel, connect: { endpoint: 'pinger' }, options: { noDelay: true }, workload: { kind: 'ping-pong', messageBytes: 500, messagesPerSecond: 500 } },
      ]),
    );
    const server = endpointOf(result, 'server');
    expect(server.model).toBe(serverModel);
    expect(server.counters.bytesIn).toBe(totalBytes);
    expect(server.counters.verifyErrors).toBe(0);
    expect(endpointOf(result, 'client').counters.bytesOut).toBe(totalBytes);
    const ping = endpointOf(result, 'ping');
    expect(ping.counters.messages).toBeGreaterThan(50);
    expect(ping.counters.verifyErrors).toBe(0);
    // Both kinds of rows carry the kernel's columns.
    for (const id of ['ping', 'pinger']) {
      const samples = endpointOf(result, id).connections[0]!.samples;
      expect(samples.some((sample) => sample.tcp?.state === 'ESTABLISHED' && sample.kernelSendQueueBytes !== null)).toBe(true);
    }
    const ids = result.endpoints.flatMap((endpoint) => endpoint.connections.map((connection) => connection.id));
    expect(new Set(ids).size).toBe(ids.length);
    // Paced, the ping-pong stays within the capture ring, so the bulk client's early writes are still in it.
    expect(result.capture.dropped).toBe(0);
    expect(result.capture.entries.some((entry) => entry.endpoint === 'client')).toBe(true);
    expect(result.capture.entries.some((entry) => entry.endpoint === 'server')).toBe(true);
  });
});

describe('the libuv model', () => {
  it('says which options Node cannot apply, and the kernel read-back shows them unapplied', async () => {
    const options = { noDelay: true, sndBufBytes: 65536, linger: { seconds: 5 }, keepAlive: { idleS: 7, intervalS: 3, count: 4 }, reusePort: true };
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'libuv', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'manual' } },
          { id: 'client', role: 'client', transport: 'tcp', model: 'libuv', connect: { endpoint: 'server' }, options, workload: { kind: 'manual' } },
        ],
        { durationMs: 300 },
      ),
    );
    const client = endpointOf(result, 'client');
    expect(client.appliedOptions?.noDelay).toBe(true);
    expect(client.appliedOptions?.keepAlive?.idleS).toBe(7);
    expect(client.appliedOptions?.linger).toBeNull();
    expect(client.appliedOptions?.reusePort).toBe(false);
    expect(client.appliedOptions?.sndBufBytes).not.toBe(131072);
    expect(client.optionsNotApplied?.map((item) => item.option).sort()).toEqual(['keepAlive.count', 'keepAlive.intervalS', 'linger', 'reusePort', 'sndBufBytes']);
    expect(client.optionsNotApplied?.find((item) => item.option === 'linger')?.reason).toMatch(/SO_LINGER/);
  });

  it('refuses a live option Node cannot set with an error naming it, and applies the rest', async () => {
    const run = await Run.start(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'libuv', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'manual' } },
          { id: 'client', role: 'client', transport: 'tcp', model: 'libuv', connect: { endpoint: 'server' }, workload: { kind: 'manual' } },
        ],
        { durationMs: 60_000 },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 150));
    run.command({ endpoint: 'client' }, { do: 'set-option', options: { noDelay: true, rcvBufBytes: 4096 } });
    run.command({ endpoint: 'client', connection: 0 }, { do: 'send', text: 'héllo', encoding: 'utf8' });
    expect(() => run.command({ endpoint: 'client', connection: 5 }, { do: 'close', abortive: false })).toThrow(/no open connection 5/);
    await new Promise((resolve) => setTimeout(resolve, 150));
    const result = await run.stop();
    const client = endpointOf(result, 'client');
    expect(client.appliedOptions?.noDelay).toBe(true);
    const refusal = eventsOf(client).find((event) => event.type === 'error');
    expect(refusal?.code).toBe('ENOTSUP');
    expect(refusal?.message).toMatch(/rcvBufBytes/);
    expect(endpointOf(result, 'server').counters.bytesIn).toBe(Buffer.byteLength('héllo'));
  });

  it('refuses a workload it does not implement, naming the field', async () => {
    await expect(
      runProfile(
        profileOf([
          { id: 'server', role: 'server', transport: 'tcp', model: 'libuv', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'framed-echo' } },
        ]),
      ),
    ).rejects.toMatchObject({ problems: [expect.objectContaining({ path: 'endpoints[0].workload.kind', message: expect.stringMatching(/libuv model runs/) })] });
  });

  it('reports a port in use with the address, and the engine keeps working', async () => {
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const port = (blocker.address() as net.AddressInfo).port;
    try {
      await expect(
        runProfile(profileOf([{ id: 'server', role: 'server', transport: 'tcp', model: 'libuv', listen: { host: '127.0.0.1', port }, workload: { kind: 'echo' } }])),
      ).rejects.toMatchObject({ code: 'EADDRINUSE', message: expect.stringContaining(`127.0.0.1:${port}`) });
    } finally {
      blocker.close();
    }
  });

  it('counts a refused connect as an endpoint error', async () => {
    const probe = net.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as net.AddressInfo).port;
    await new Promise((resolve) => probe.close(resolve));
    const result = await runProfile(
      profileOf([{ id: 'client', role: 'client', transport: 'tcp', model: 'libuv', connect: { host: '127.0.0.1', port }, workload: { kind: 'manual' } }], { durationMs: 300 }),
    );
    expect(endpointOf(result, 'client').errors[0]?.code).toBe('ECONNREFUSED');
  });
});

describe('the addon\'s read-only sampling of a foreign socket', () => {
  const addon = loadNativeAddon();
  it('refuses what is not a descriptor, naming the argument', () => {
    expect(() => addon.sampleSocket(-1)).toThrow(/sampleSocket\(fd\)/);
    expect(() => addon.socketOptions(1.5)).toThrow(/socketOptions\(fd\)/);
  });
  it('refuses a descriptor that is not a socket, naming it', () => {
    const fd = openSync('/dev/null', 'r');
    try {
      expect(() => addon.sampleSocket(fd)).toThrow(expect.objectContaining({ code: 'ENOTSOCK', message: expect.stringContaining(`descriptor ${fd}`) }));
    } finally {
      closeSync(fd);
    }
  });
});
