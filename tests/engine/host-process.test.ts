// The engine host as a child process: one message protocol, validated on both sides.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHostClient } from '../../src-main/engine/host-client.js';
import type { LiveBatch } from '../../src-shared/engine-protocol.js';
import { echoPairOf, endpointOf, profileOf } from '../helpers/profiles.js';

let host: EngineHostClient;

beforeAll(async () => {
  // The host is forked from the compiled output.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.node.json'], { stdio: 'inherit' });
  host = await EngineHostClient.spawn();
});
afterAll(() => host?.close());

const echoProfile = (durationMs: number) => profileOf(echoPairOf({ model: 'epoll' }), { durationMs });

describe('the engine host process', () => {
  it('runs a profile, streams batches with typed capture columns, and returns a valid result', async () => {
    const batches: LiveBatch[] = [];
    const run = await host.start(echoProfile(600), { onBatch: (batch) => batches.push(batch) });
    expect(run.listen[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    const result = await run.finished;
    expect(endpointOf(result, 'client').counters.messages).toBeGreaterThan(100);
    expect(batches.length).toBeGreaterThan(5);
    expect(batches.at(-1)?.final).toBe(true);
    expect(batches.some((batch) => batch.capture.atUs instanceof Float64Array && batch.capture.count > 0)).toBe(true);
    expect(host.refusedReplies).toEqual([]);
  });

  it('answers an invalid profile with the field paths, and keeps serving', async () => {
    await expect(host.start({ ...echoProfile(100), sampleEveryMs: 1 })).rejects.toMatchObject({
      problems: [expect.objectContaining({ path: 'sampleEveryMs' })],
    });
    const run = await host.start(echoProfile(200));
    expect((await run.finished).completed).toBe(true);
  });

  it('refuses a malformed request without acting on it', async () => {
    host.send({ type: 'start', runId: '' } as never);
    host.send({ type: 'launch-missiles' } as never);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(host.refusedReplies.filter((reply) => reply.startsWith('refused a malformed request'))).toHaveLength(2);
  });

  it('carries live commands and stop requests', async () => {
    let connected!: () => void;
    const bothConnected = new Promise<void>((resolve) => (connected = resolve));
    const run = await host.start(echoProfile(10_000), { onBatch: (_batch, progress) => progress.connectionsOpen >= 2 && connected() });
    // The servers are bound when start() resolves; the client connects a moment later.
    await bothConnected;
    await run.command({ endpoint: 'client' }, { do: 'set-option', options: { noDelay: false } });
    await expect(run.command({ endpoint: 'client', connection: 7 }, { do: 'close', abortive: true })).rejects.toMatchObject({ code: 'ENOENT' });
    const started = Date.now();
    const result = await run.stop();
    expect(Date.now() - started).toBeLessThan(3000);
    expect(result.stopReason).toBe('stopped');
    expect(result.completed).toBe(false);
  });

  it('reports its own death to pending runs', async () => {
    const doomed = await EngineHostClient.spawn();
    const exits: string[] = [];
    doomed.onExit((description) => exits.push(description));
    const run = await doomed.start(echoProfile(10_000));
    process.kill(doomed.pid!, 'SIGKILL');
    await expect(run.finished).rejects.toMatchObject({ code: 'EHOSTDOWN' });
    expect(exits[0]).toContain('SIGKILL');
  });
});
