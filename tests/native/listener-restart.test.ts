// Restarting a server's listener within a run, on every I/O model: refused with EADDRINUSE while
// the server's closed connections sit in TIME_WAIT and SO_REUSEADDR is off, listening again with
// it, and the new listener really accepts.
import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { ioModels, type IoModel, type ProfileInput } from '../../src-shared/profile.js';
import { Run } from '../../src-main/engine/run.js';
import type { NativeBatch } from '../../src-main/engine/native-engine.js';
import { ValidationError } from '../../src-shared/validation.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';

const connections = 4;

function timeWaitProfile(model: IoModel, actions: ProfileInput['actions']) {
  return profileOf(
    [
      { id: 'server', role: 'server', transport: 'tcp', model, listen: { host: '127.0.0.1', port: 0 }, options: { reuseAddr: true }, workload: { kind: 'manual' } },
      // A sink closes once the server's FIN arrives, so the server's side ends in TIME_WAIT.
      { id: 'client', role: 'client', transport: 'tcp', model, connect: { endpoint: 'server' }, connections, workload: { kind: 'sink' } },
    ],
    { durationMs: 30_000, actions },
  );
}

/** Connects to host:port with Node's own socket and closes again; resolves once connected. */
function connectOnce(address: string): Promise<void> {
  const colon = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address.slice(0, colon), port: Number(address.slice(colon + 1)) }, () => {
      socket.end();
      resolve();
    });
    socket.on('error', reject);
  });
}

// libuv always sets SO_REUSEADDR on a listener, so the refusal this case shows cannot happen there,
// and the libuv model refuses restart-listener (tests/engine/libuv.test.ts).
describe('a libuv server', () => {
  it.skip(
    'cannot listen again without SO_REUSEADDR while its connections sit in TIME_WAIT, and can with it ' +
      '(not for libuv: libuv always sets SO_REUSEADDR on a listener, and the model does not restart listeners)',
  );
});

describe.each(ioModels.filter((model) => model !== 'libuv'))('a %s server', (model) => {
  it('cannot listen again without SO_REUSEADDR while its connections sit in TIME_WAIT, and can with it', async () => {
    let run: Run | undefined;
    const listens: NonNullable<NativeBatch['events']>[number][] = [];
    let reachedNewListener: Promise<void> | undefined;
    let serverOpens = 0;
    const done = new Promise<void>((resolve, reject) => {
      const onBatch = (batch: NativeBatch) => {
        for (const event of batch.events) {
          if (event.type === 'open' && event.endpoint === 0) serverOpens += 1;
          if (event.type !== 'listen') continue;
          listens.push(event);
          // The scheduled restart failed: restart again from outside, live, with SO_REUSEADDR.
          if (event.code) run!.command({ endpoint: 'server' }, { do: 'restart-listener', options: { reuseAddr: true } });
          else reachedNewListener = connectOnce(event.local!).then(resolve, reject);
        }
      };
      void Run.start(
        timeWaitProfile(model, [
          { atMs: 200, endpoint: 'server', do: 'close' },
          { atMs: 600, endpoint: 'server', do: 'restart-listener', options: { reuseAddr: false } },
        ]),
        { onBatch },
      ).then((started) => (run = started), reject);
    });
    await done;
    await reachedNewListener;
    // Node's connect completes in the kernel's backlog; wait until the server's model has accepted it.
    await expect.poll(() => serverOpens, { timeout: 5000 }).toBe(connections + 1);
    const result = await run!.stop();
    const server = endpointOf(result, 'server');
    const [refused, relistened] = server.listenerRestarts ?? [];
    expect(refused).toMatchObject({ address: server.listen, reuseAddr: false, listening: false, code: 'EADDRINUSE', timeWaitSockets: connections, timeWaitSource: 'sock_diag' });
    expect(refused?.message).toContain(`${server.listen!} is already in use`);
    expect(relistened).toMatchObject({ address: server.listen, reuseAddr: true, listening: true, timeWaitSockets: connections });
    expect(server.errors).toEqual([expect.objectContaining({ code: 'EADDRINUSE', count: 1 })]);
    // The connection Node made was accepted by the new listener.
    await expect.poll(() => listens.length).toBe(2);
    expect(server.counters.accepts).toBe(connections + 1);
  });
});

describe('restart-listener', () => {
  it('is refused in a profile for a client or a UDP server, and for one connection', async () => {
    const failure = await Run.start(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'udp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
          { id: 'client', role: 'client', transport: 'udp', model: 'epoll', connect: { endpoint: 'server' }, workload: { kind: 'ping-pong' } },
        ],
        {
          actions: [
            { atMs: 10, endpoint: 'server', do: 'restart-listener' },
            { atMs: 10, endpoint: 'client', do: 'restart-listener' },
            { atMs: 10, endpoint: 'server', connection: 0, do: 'restart-listener' },
          ],
        },
      ),
    ).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ValidationError);
    const problems = (failure as ValidationError).problems;
    expect(problems).toEqual(
      expect.arrayContaining([
        { path: 'actions[0].endpoint', message: '"server" has no listener: restart-listener is for TCP servers' },
        { path: 'actions[1].endpoint', message: '"client" has no listener: restart-listener is for TCP servers' },
        expect.objectContaining({ path: 'actions[2].connection' }),
      ]),
    );
  });

  it('is refused live for a client endpoint or a connection, and the run goes on', async () => {
    const run = await Run.start(timeWaitProfile('epoll', []));
    expect(() => run.command({ endpoint: 'client' }, { do: 'restart-listener', options: {} })).toThrow(
      expect.objectContaining({ code: 'EINVAL', message: expect.stringContaining('endpoint "client" has no listener') }),
    );
    expect(() => run.command({ connectionId: 1 }, { do: 'restart-listener', options: {} })).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    // The accepted connections are still open (they hold the port too), and none is in TIME_WAIT.
    run.command({ endpoint: 'server' }, { do: 'restart-listener', options: { reuseAddr: true } });
    await expect.poll(() => run.listen[0] && connectOnce(run.listen[0]).then(() => true), { timeout: 5000 }).toBe(true);
    const result = await run.stop();
    expect(endpointOf(result, 'server').listenerRestarts).toEqual([expect.objectContaining({ listening: true, reuseAddr: true, timeWaitSockets: 0 })]);
    expect(endpointOf(result, 'server').errors).toEqual([]);
  });
});
