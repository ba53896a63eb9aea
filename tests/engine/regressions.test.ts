// Behaviour that once went wrong, kept right.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src-main/engine/run.js';
import { echoPairOf, endpointOf, profileOf } from '../helpers/profiles.js';
import { modelVariants } from '../helpers/model-variants.js';

const run = promisify(execFile);

describe.each(modelVariants)('the $name model', ({ fields: modelFields }) => {
  it('echoes one empty UDP datagram once, not forever', async () => {
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'udp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
          { id: 'client', role: 'client', transport: 'udp', ...modelFields, connect: { endpoint: 'server' }, workload: { kind: 'manual' } },
        ],
        { durationMs: 600, actions: [{ atMs: 100, endpoint: 'client', do: 'send', text: '' }] },
      ),
    );
    expect(endpointOf(result, 'server').counters.writes).toBe(1);
    expect(endpointOf(result, 'client').counters.reads).toBe(1);
  });

  it('keeps a paced sender on its schedule', async () => {
    const perSecond = 200;
    const result = await runProfile(profileOf(echoPairOf(modelFields, { messageBytes: 64, messagesPerSecond: perSecond }), { durationMs: 1000 }));
    const client = endpointOf(result, 'client');
    // The schedule counts from the connection's open. One message is in flight at a time, so a
    // round trip longer than the 5 ms interval would slow it whatever the pacer does: at 200 a
    // second that takes a machine far more loaded than the 2 ms interval of 500 a second did.
    const openAtMs = client.connections[0]!.events.find((event) => event.type === 'open')!.atMs;
    const scheduled = (perSecond * (result.elapsedMs - openAtMs)) / 1000;
    expect(client.counters.messages).toBeGreaterThan(0.9 * scheduled);
    expect(client.counters.messages).toBeLessThanOrEqual(Math.ceil((perSecond * result.elapsedMs) / 1000) + 1);
  });

  it('shows FIN_WAIT1 after every shutdown(write), though the peer on loopback answers at once', async () => {
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
          {
            id: 'client',
            role: 'client',
            transport: 'tcp',
            ...modelFields,
            connect: { endpoint: 'server' },
            connections: 20,
            workload: { kind: 'bulk', writeBytes: 1024, totalBytes: 1024, thenShutdownWrite: true },
          },
        ],
        { durationMs: 500 },
      ),
    );
    const clients = endpointOf(result, 'client').connections;
    expect(clients).toHaveLength(20);
    for (const connection of clients) {
      const states = connection.events.filter((event) => event.type === 'state').map((event) => event.state);
      expect(states).toContain('FIN_WAIT1');
    }
  });

  it('stops promptly although a lingering close has unsent data', async () => {
    const started = Date.now();
    await runProfile(
      profileOf(
        [
          {
            id: 'server',
            role: 'server',
            transport: 'tcp',
            ...modelFields,
            listen: { host: '127.0.0.1', port: 0 },
            options: { rcvBufBytes: 4096 },
            workload: { kind: 'sink', readBytesPerSecond: 10_000 },
          },
          { id: 'client', role: 'client', transport: 'tcp', ...modelFields, connect: { endpoint: 'server' }, options: { linger: { seconds: 30 } }, workload: { kind: 'bulk' } },
        ],
        { durationMs: 500 },
      ),
    );
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('a process that exits while its engine runs', () => {
  it('exits cleanly, with I/O threads still moving bytes', async () => {
    const script = `
      const { Engine } = require(${JSON.stringify(process.cwd())} + '/src-main/native/build/Release/sockscope_engine.node');
      const endpoint = (o) => ({ options: {}, ...o });
      const engine = new Engine({ sampleEveryMs: 10, endpoints: [
        endpoint({ id: 's', role: 'server', transport: 'tcp', model: 'epoll', host: '127.0.0.1', port: 0, workload: { kind: 'echo' } }),
        endpoint({ id: 'c', role: 'client', transport: 'tcp', model: 'epoll', connectEndpoint: 0, connections: 4, workload: { kind: 'ping-pong', messageBytes: 100000 } }),
      ] }, () => {});
      engine.start();
      setTimeout(() => process.exit(0), 150);`;
    for (let attempt = 0; attempt < 5; attempt++) {
      await expect(run(process.execPath, ['-e', script])).resolves.toBeDefined();
    }
  });
});

describe('a paced bulk sender whose writes are larger than a tenth of a second', () => {
  it('still sends, at its rate', async () => {
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'sink' } },
          {
            id: 'client',
            role: 'client',
            transport: 'tcp',
            model: 'epoll',
            connect: { endpoint: 'server' },
            workload: { kind: 'bulk', writeBytes: 65536, bytesPerSecond: 100_000 },
          },
        ],
        { durationMs: 2000 },
      ),
    );
    const sent = endpointOf(result, 'client').counters.bytesOut;
    expect(sent).toBeGreaterThan(100_000);
    expect(sent).toBeLessThan(300_000);
  });
});
