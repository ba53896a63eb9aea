// Bad input gets a clear error and the engine keeps running.
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { Run, runProfile } from '../../src-main/engine/run.js';
import { loadNativeAddon } from '../../src-main/engine/native-engine.js';
import { ValidationError } from '../../src-shared/validation.js';
import { endpointOf, eventsOf, profileOf } from '../helpers/profiles.js';

const servers: net.Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

function occupiedPort(): Promise<number> {
  return new Promise((resolve) => {
    const server = net.createServer();
    servers.push(server);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port));
  });
}

describe('a run that cannot be carried out', () => {
  it('names the address and EADDRINUSE when the port is taken', async () => {
    const port = await occupiedPort();
    const attempt = runProfile(
      profileOf([{ id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port }, workload: { kind: 'echo' } }]),
    );
    await expect(attempt).rejects.toMatchObject({ code: 'EADDRINUSE', message: expect.stringContaining(`127.0.0.1:${port}`) });
    // The failed start left nothing behind: the same engine binary runs the next profile.
    const next = await runProfile(
      profileOf([{ id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } }], {
        durationMs: 100,
      }),
    );
    expect(next.completed).toBe(true);
  });

  it('says so when a host name does not resolve', async () => {
    const attempt = runProfile(
      profileOf([
        { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { host: 'no-such-host.invalid', port: 9 }, workload: { kind: 'manual' } },
      ]),
    );
    await expect(attempt).rejects.toMatchObject({ code: 'ENOTFOUND', message: expect.stringContaining('no-such-host.invalid') });
  });

  it('reports a refused connection as an endpoint error and completes the run', async () => {
    const server = net.createServer();
    const port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as net.AddressInfo).port)));
    await new Promise((resolve) => server.close(resolve));
    const result = await runProfile(
      profileOf([{ id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { host: '127.0.0.1', port }, workload: { kind: 'manual' } }], {
        durationMs: 300,
      }),
    );
    expect(endpointOf(result, 'client').errors).toEqual([expect.objectContaining({ code: 'ECONNREFUSED', message: expect.stringContaining(`127.0.0.1:${port}`) })]);
  });

  it('refuses a malformed profile naming each bad field', async () => {
    const attempt = runProfile({ ...profileOf([]), durationMs: 'soon', endpoints: [{ id: 'x', role: 'server', transport: 'tcp', model: 'kqueue' }] });
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    const error = (await attempt.catch((caught: unknown) => caught)) as ValidationError;
    const paths = error.problems.map((problem) => problem.path);
    expect(paths).toEqual(expect.arrayContaining(['durationMs', 'endpoints[0].model', 'endpoints[0].workload']));
  });

  it('turns away wrong arguments at the addon boundary with a TypeError naming the field', () => {
    const { Engine } = loadNativeAddon();
    const construct = (config: unknown) => () => new Engine(config as never, () => undefined);
    expect(construct({ endpoints: 'none' })).toThrow(/config.endpoints must be an array/);
    expect(construct({ endpoints: [{ id: 'a', role: 'server', transport: 'sctp' }] })).toThrow(/config.endpoints\[0\].transport/);
    expect(construct({ endpoints: [{ id: 'a', role: 'server', transport: 'tcp', model: 'epoll', port: 70000, options: {}, workload: { kind: 'echo' } }] })).toThrow(
      /port must be an integer from 0 to 65535/,
    );
  });
});

describe('select past FD_SETSIZE', () => {
  it('refuses the connections it cannot watch with a clear error and serves the rest', async () => {
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'select', listen: { host: '127.0.0.1', port: 0 }, backlog: 2048, workload: { kind: 'echo' } },
          {
            id: 'client',
            role: 'client',
            transport: 'tcp',
            model: 'epoll',
            connect: { endpoint: 'server' },
            connections: 1100,
            options: { noDelay: true },
            workload: { kind: 'ping-pong', messageBytes: 32, messagesPerSecond: 5 },
          },
        ],
        { durationMs: 2500, limits: { seriesConnections: 4, maxSamplesPerConnection: 100, maxEventsPerConnection: 20 } },
      ),
    );
    const server = endpointOf(result, 'server');
    expect(server.counters.connectionsRefused).toBeGreaterThan(0);
    const error = server.errors.find((candidate) => candidate.code === 'FD_SETSIZE');
    expect(error?.message).toMatch(/select cannot watch descriptor \d+: an fd_set holds descriptors below FD_SETSIZE \(1024\)/);
    // The connections select could take kept working.
    expect(endpointOf(result, 'client').counters.messages).toBeGreaterThan(500);
    expect(result.completed).toBe(true);
  });
});

describe('live commands', () => {
  it('sends, toggles Nagle and shuts down on a running connection, and names a missing target', async () => {
    const run = await Run.start(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'manual' } },
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, workload: { kind: 'manual' } },
        ],
        { durationMs: 5000 },
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.command({ endpoint: 'client' }, { do: 'send', text: '안녕', encoding: 'utf16le' });
    run.command({ endpoint: 'client' }, { do: 'set-option', options: { noDelay: true } });
    expect(() => run.command({ endpoint: 'nobody' }, { do: 'close', abortive: false })).toThrow(/no endpoint with id "nobody"/);
    expect(() => run.command({ connectionId: 999 }, { do: 'close', abortive: false })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    await new Promise((resolve) => setTimeout(resolve, 200));
    run.command({ endpoint: 'client' }, { do: 'shutdown', how: 'write' });
    await new Promise((resolve) => setTimeout(resolve, 200));
    const result = await run.stop();
    expect(result.stopReason).toBe('stopped');
    const serverReads = result.capture.entries.filter((entry) => entry.endpoint === 'server' && entry.direction === 'read');
    expect(serverReads[0]?.previewHex).toBe(Buffer.from('안녕', 'utf16le').toString('hex'));
    const clientEvents = eventsOf(endpointOf(result, 'client')).map((event) => event.type);
    expect(clientEvents).toEqual(expect.arrayContaining(['option', 'shutdown']));
    expect(eventsOf(endpointOf(result, 'server')).some((event) => event.type === 'peer-shutdown')).toBe(true);
    // Read back from the kernel after the live change.
    expect(endpointOf(result, 'client').appliedOptions?.noDelay).toBe(true);
  });
});
