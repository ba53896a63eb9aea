// The desktop's engine host client over a stand-in for Electron's utilityProcess. The stand-in
// either plays the host by hand (exit and protocol cases) or loads the real utility entry,
// engine-host-process.ts, in this process behind a fake parent port, so a real engine run
// crosses the same structured-clone boundary and the same code as under Electron.
import { EventEmitter } from 'node:events';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostReply, HostRequest, LiveBatch } from '../../src-shared/engine-protocol.js';
import { serveEngineHostOverPort } from '../../src-main/app/engine-host-port.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';

/** One side of a fake utility process: what the parent holds. */
class FakeUtilityProcess extends EventEmitter {
  pid: number | undefined = 4242;
  readonly received: HostRequest[] = [];
  childListener: ((event: { data: unknown }) => void) | null = null;

  postMessage(message: HostRequest): void {
    this.received.push(message);
    const data = structuredClone(message);
    setImmediate(() => this.childListener?.({ data }));
  }

  /** The host's side: replies arrive cloned and asynchronously, as over a real port. */
  reply(message: unknown): void {
    const data = structuredClone(message);
    setImmediate(() => this.emit('message', data));
  }

  kill(): boolean {
    setImmediate(() => this.exit(0));
    return true;
  }

  exit(code: number): void {
    this.pid = undefined;
    this.emit('exit', code);
  }
}

const forked: FakeUtilityProcess[] = [];
let forkBehaviour: (child: FakeUtilityProcess, modulePath: string) => void = (child) => child.reply({ type: 'ready', pid: 4242 });

vi.mock('electron', () => ({
  utilityProcess: {
    fork: (modulePath: string) => {
      const child = new FakeUtilityProcess();
      forked.push(child);
      forkBehaviour(child, modulePath);
      return child;
    },
  },
}));

const { UtilityHostClient } = await import('../../src-main/app/utility-host-client.js');

afterEach(() => {
  forked.length = 0;
  forkBehaviour = (child) => child.reply({ type: 'ready', pid: 4242 });
});

const echoProfile = (durationMs: number) =>
  profileOf(
    [
      { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, options: { noDelay: true }, workload: { kind: 'echo' } },
      { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, options: { noDelay: true }, workload: { kind: 'ping-pong' } },
    ],
    { durationMs },
  );

describe('the utility host client', () => {
  it('waits for the host to say it is ready', async () => {
    forkBehaviour = () => undefined;
    let ready = false;
    const spawning = UtilityHostClient.spawn('/app/out/main/engine-host-process.js').then((client) => {
      ready = true;
      return client;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ready).toBe(false);
    forked[0]!.reply({ type: 'ready', pid: 4242 });
    const client = await spawning;
    expect(client.pid).toBe(4242);
  });

  it('fails the spawn with EHOSTDOWN when the host exits before it is ready', async () => {
    forkBehaviour = (child) => setImmediate(() => child.exit(9));
    await expect(UtilityHostClient.spawn('/nowhere.js')).rejects.toMatchObject({ code: 'EHOSTDOWN', message: expect.stringContaining('code 9') });
  });

  it('fails pending runs and commands with EHOSTDOWN when the host dies, and says how it ended', async () => {
    const client = await UtilityHostClient.spawn('/app/out/main/engine-host-process.js');
    const child = forked[0]!;
    const exits: string[] = [];
    client.onExit((description) => exits.push(description));

    const starting = client.start(echoProfile(10_000));
    await new Promise((resolve) => setImmediate(resolve));
    const start = child.received[0];
    expect(start).toMatchObject({ type: 'start' });
    child.reply({ type: 'started', runId: start!.runId, listen: ['127.0.0.1:40000', null] } satisfies HostReply);
    const run = await starting;
    expect(run.listen).toEqual(['127.0.0.1:40000', null]);
    const command = run.command({ endpoint: 'client' }, { do: 'shutdown', how: 'write' });
    const unstarted = client.start(echoProfile(10_000));

    child.emit('error', 'FatalError', 'engine.cc:120', '{}');
    child.exit(134);

    await expect(run.finished).rejects.toMatchObject({ code: 'EHOSTDOWN' });
    await expect(command).rejects.toMatchObject({ code: 'EHOSTDOWN' });
    await expect(unstarted).rejects.toMatchObject({ code: 'EHOSTDOWN' });
    expect(exits).toEqual(['the engine host exited (code 134, FatalError at engine.cc:120)']);
    // A dead host refuses new work at once instead of leaving it pending forever.
    await expect(client.start(echoProfile(100))).rejects.toMatchObject({ code: 'EHOSTDOWN' });
    await expect(client.command('run-1', { connectionId: 1 }, { do: 'close', abortive: false })).rejects.toMatchObject({ code: 'EHOSTDOWN' });
  });

  it('refuses malformed replies and results without acting on them', async () => {
    const client = await UtilityHostClient.spawn('/app/out/main/engine-host-process.js');
    const child = forked[0]!;
    const starting = client.start(echoProfile(100));
    await new Promise((resolve) => setImmediate(resolve));
    const runId = child.received[0]!.runId;
    child.reply({ type: 'started', runId, listen: 'everywhere' });
    child.reply({ type: 'started', runId, listen: [] });
    const run = await starting;
    expect(client.refusedReplies).toHaveLength(1);
    child.reply({ type: 'finished', runId, result: { schema: 'not a result' } });
    await expect(run.finished).rejects.toMatchObject({ code: 'EPROTO' });
  });

  it('fails the request, not the caller, when the port refuses a message before the exit is seen', async () => {
    const client = await UtilityHostClient.spawn('/app/out/main/engine-host-process.js');
    const child = forked[0]!;
    child.postMessage = () => {
      throw new Error('the port is closed');
    };
    await expect(client.start(echoProfile(100))).rejects.toThrow('the port is closed');
    await expect(client.command('run-1', { connectionId: 1 }, { do: 'close', abortive: false })).rejects.toThrow('the port is closed');
  });

  it('ends the host on close, which is reported as an exit', async () => {
    const client = await UtilityHostClient.spawn('/app/out/main/engine-host-process.js');
    const exited = new Promise<string>((resolve) => client.onExit(resolve));
    client.close();
    expect(await exited).toBe('the engine host exited (code 0)');
  });
});

describe('the utility entry, engine-host-process.ts, behind a fake parent port', () => {
  const entry = path.resolve(import.meta.dirname, '../../src-main/app/engine-host-process.ts');

  it('runs a real profile: batches keep their typed capture columns, the result validates', async () => {
    forkBehaviour = (child, modulePath) => {
      // What Electron gives the utility process: process.parentPort, MessageEvent-style.
      const parentPort = Object.assign(new EventEmitter(), {
        postMessage: (message: unknown) => child.reply(message),
      });
      child.childListener = (event) => parentPort.emit('message', event);
      Object.defineProperty(process, 'parentPort', { value: parentPort, configurable: true });
      void import(modulePath);
    };
    try {
      const client = await UtilityHostClient.spawn(entry);
      expect(client.pid).toBe(4242);
      const batches: LiveBatch[] = [];
      const run = await client.start(echoProfile(500), { onBatch: (batch) => batches.push(batch) });
      expect(run.listen[0]).toMatch(/^127\.0\.0\.1:\d+$/);
      const result = await run.finished;
      expect(endpointOf(result, 'client').counters.messages).toBeGreaterThan(50);
      expect(batches.at(-1)?.final).toBe(true);
      expect(batches.some((batch) => batch.capture.atUs instanceof Float64Array && batch.capture.count > 0)).toBe(true);

      // The host validates requests too: a malformed one is answered, not acted on.
      client.send({ type: 'launch-missiles' } as never);
      await vi.waitFor(() => expect(client.refusedReplies.some((reply) => reply.startsWith('refused a malformed request'))).toBe(true));
    } finally {
      Reflect.deleteProperty(process, 'parentPort');
    }
  });
});

describe('the engine host over a parent port', () => {
  it('stops every run when asked to end (what the entry does on SIGTERM)', async () => {
    const port = Object.assign(new EventEmitter(), { replies: [] as HostReply[], postMessage: (reply: HostReply) => port.replies.push(reply) });
    const host = serveEngineHostOverPort(port);
    port.emit('message', { data: { type: 'start', runId: 'long', profile: echoProfile(60_000) } satisfies HostRequest });
    await vi.waitFor(() => expect(port.replies.some((reply) => reply.type === 'started')).toBe(true));
    const started = Date.now();
    await host.stopAll();
    await vi.waitFor(() => expect(port.replies.some((reply) => reply.type === 'finished')).toBe(true));
    expect(Date.now() - started).toBeLessThan(5000);
    const finished = port.replies.find((reply) => reply.type === 'finished');
    expect(finished).toMatchObject({ runId: 'long', result: { completed: false } });
  });
});
