// What only the proactor models have: a backend that is reported, operations in flight, a
// completion queue drained by workers, and writes that gather the send queue.
import { describe, expect, it } from 'vitest';
import { runProfile } from '../../src-main/engine/run.js';
import { ValidationError } from '../../src-shared/validation.js';
import type { EndpointInput } from '../../src-shared/profile.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';
import { ioUringUnavailable, modelVariants } from '../helpers/model-variants.js';

const proactorVariants = modelVariants.filter((variant) => variant.fields.backend !== undefined);

function echoPair(fields: Partial<EndpointInput>, serverExtra: Partial<EndpointInput> = {}, connections = 8): EndpointInput[] {
  return [
    { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', ...fields, ...serverExtra, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
    {
      id: 'client',
      role: 'client',
      transport: 'tcp',
      model: 'epoll',
      ...fields,
      connect: { endpoint: 'server' },
      connections,
      options: { noDelay: true },
      workload: { kind: 'ping-pong', messageBytes: 200 },
    },
  ] as EndpointInput[];
}

describe.each(proactorVariants)('the $name model', ({ fields }) => {
  it('says which backend ran and shows its operations and workers', async () => {
    const result = await runProfile(profileOf(echoPair(fields, { threads: 2 }), { durationMs: 600 }));
    const server = endpointOf(result, 'server');
    const client = endpointOf(result, 'client');
    expect(client.counters.messages).toBeGreaterThan(50);
    expect(client.errors).toEqual([]);
    const model = server.modelCounters;
    expect(model?.backend).toBe(fields.backend);
    expect(model?.backendNote).toBeNull();
    // Every connection keeps a read posted while it waits for the next message.
    expect(model?.peakOperationsInFlight).toBeGreaterThanOrEqual(8);
    expect(model?.peakBytesPinned).toBeGreaterThan(0);
    expect(model?.workers).toHaveLength(2);
    const byWorkers = model?.workers.reduce((sum, worker) => sum + worker.completions, 0);
    expect(byWorkers).toBe(model?.completions);
    expect(model?.completions).toBeGreaterThan(client.counters.messages);
    expect(model?.operationsPosted).toBeGreaterThanOrEqual(model?.completions ?? Infinity);
    for (const worker of model?.workers ?? []) {
      expect(worker.busyShare).toBeGreaterThanOrEqual(0);
      expect(worker.busyShare).toBeLessThanOrEqual(1);
    }
  });

  it('gathers an echo that backs up into vectored writes, one write in flight', async () => {
    // The server reads faster than its small send buffer drains, so what it read queues up behind
    // the pending write and goes out gathered in the next one.
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', ...fields, listen: { host: '127.0.0.1', port: 0 }, options: { sndBufBytes: 4096 }, workload: { kind: 'echo' } },
          { id: 'client', role: 'client', transport: 'tcp', ...fields, connect: { endpoint: 'server' }, workload: { kind: 'bulk', writeBytes: 4096 } },
        ],
        { durationMs: 600 },
      ),
    );
    const server = endpointOf(result, 'server');
    expect(endpointOf(result, 'client').counters.verifyErrors).toBe(0);
    expect(server.counters.writes).toBeGreaterThan(0);
    expect(server.modelCounters?.buffersPerWrite).toBeGreaterThan(1.5);
  });
});

describe.each(proactorVariants)('the $name model with a read buffer pool', ({ fields }) => {
  it('pins the pool, not a buffer per waiting read, and says which strategy ran', async () => {
    const connections = 64;
    const run = (readBuffers: 'per-operation' | 'pool') =>
      runProfile(profileOf(echoPair({ ...fields, readBuffers }, { threads: 2 }, connections), { durationMs: 600 }));
    const perOperation = endpointOf(await run('per-operation'), 'server');
    const pooledResult = await run('pool');
    const pooled = endpointOf(pooledResult, 'server');
    const client = endpointOf(pooledResult, 'client');
    expect(pooled.errors).toEqual([]);
    expect(client.counters.messages).toBeGreaterThan(connections);
    expect(client.counters.verifyErrors).toBe(0);
    expect(perOperation.modelCounters?.readBuffers).toBe('per-operation');
    expect(perOperation.modelCounters?.readPool).toBeUndefined();
    const model = pooled.modelCounters!;
    expect(model.readBuffers).toBe('pool');
    // The default pool: 256 buffers of 16 KiB, shared out among the queues.
    const queues = fields.model === 'overlapped' ? 2 : 1;
    expect(model.readPool).toMatchObject({ buffers: queues * (256 / queues), bufferBytes: 16384, bytes: 256 * 16384 });
    expect(model.readPool!.peakBuffersInUse).toBeGreaterThan(0);
    expect(model.readPool!.peakBuffersInUse).toBeLessThanOrEqual(model.readPool!.buffers);
    // Every connection still has its read posted; what it pins is the pool's, once.
    expect(model.peakOperationsInFlight).toBeGreaterThanOrEqual(connections);
    expect(model.peakBytesPinned).toBeGreaterThanOrEqual(256 * 16384);
    // A ping-pong echo has at most a 200-byte write in flight per connection beside the pool.
    expect(model.peakBytesPinned).toBeLessThanOrEqual(256 * 16384 + connections * 200);
    // Per operation, each waiting read pins its own 16 KiB.
    expect(perOperation.modelCounters!.peakBytesPinned).toBeGreaterThanOrEqual(connections * 16384 * 0.9);
  });

  it('keeps every stream whole when the pool runs empty, and counts and reports it', async () => {
    const totalBytes = 1024 * 1024 + 777;
    const clients = 8;
    const result = await runProfile(
      profileOf(
        [
          {
            id: 'server',
            role: 'server',
            transport: 'tcp',
            ...fields,
            threads: 2,
            readBuffers: 'pool',
            // One 1 KiB buffer per queue for eight streams: reads find it held all the time.
            readPool: { buffers: fields.model === 'overlapped' ? 2 : 1, bufferBytes: 1024 },
            listen: { host: '127.0.0.1', port: 0 },
            workload: { kind: 'sink' },
          },
          {
            id: 'client',
            role: 'client',
            transport: 'tcp',
            ...fields,
            connect: { endpoint: 'server' },
            connections: clients,
            workload: { kind: 'bulk', writeBytes: 65536, totalBytes, thenShutdownWrite: true },
          },
        ],
        { durationMs: 3000 },
      ),
    );
    const server = endpointOf(result, 'server');
    expect(server.counters.bytesIn).toBe(clients * totalBytes);
    expect(server.counters.verifyErrors).toBe(0);
    expect(server.errors).toEqual([]);
    const pool = server.modelCounters?.readPool;
    expect(pool?.bytes).toBe(fields.model === 'overlapped' ? 2048 : 1024);
    expect(pool?.exhausted).toBeGreaterThan(0);
    expect(result.limitsHit).toEqual(expect.arrayContaining([expect.stringMatching(/^server: the read buffer pool \(\d buffers of 1024 bytes\) was empty for \d+ reads/)]));
  });
});

describe.each(proactorVariants)('the timers of the $name model', ({ fields }) => {
  it('keeps the timer heap bounded while deadlines keep moving earlier', async () => {
    // A UDP ping-pong arms a 1 s reply timeout with each message, then the next message's pace
    // (a millisecond away) supersedes it: a thousand superseded timers a second per socket, each
    // kept until its second is up were the heap never compacted.
    const sockets = 4;
    const result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'udp', ...fields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
          {
            id: 'client',
            role: 'client',
            transport: 'udp',
            ...fields,
            threads: 1,
            connect: { endpoint: 'server' },
            connections: sockets,
            workload: { kind: 'ping-pong', messageBytes: 64, messagesPerSecond: 1000, timeoutMs: 1000 },
          },
        ],
        { durationMs: 1500 },
      ),
    );
    const client = endpointOf(result, 'client');
    // Enough messages that, without compaction, the superseded timers would pass the bound many times over.
    expect(client.counters.messages).toBeGreaterThan(sockets * 200);
    expect(client.counters.messagesLost).toBe(0);
    // One queue (threads: 1): four timers per session, and a few more, at most.
    expect(client.modelCounters?.peakTimersQueued).toBeGreaterThan(0);
    expect(client.modelCounters?.peakTimersQueued).toBeLessThanOrEqual(4 * sockets + 64 + 1);
  });
});

describe('choosing a backend', () => {
  it('auto runs io_uring where the kernel allows it, and says why when it falls back', async () => {
    const result = await runProfile(profileOf(echoPair({ model: 'completion-port', backend: 'auto' }), { durationMs: 300 }));
    const model = endpointOf(result, 'server').modelCounters;
    // The probe the suites use to choose their variants must agree with what auto did.
    expect(model?.backend).toBe(ioUringUnavailable === null ? 'io_uring' : 'epoll');
    if (model?.backend === 'epoll') expect(model.backendNote).toMatch(/fell back to the epoll emulation: .+/);
    else expect(model?.backendNote).toBeNull();
  });

  it.skipIf(ioUringUnavailable === null)('refuses an explicit io_uring where the kernel forbids it, saying why', async () => {
    await expect(runProfile(profileOf(echoPair({ model: 'overlapped', backend: 'io_uring' }), { durationMs: 200 }))).rejects.toThrow(/backend "io_uring" cannot run here/);
  });

  it('defaults a completion port to one worker per core', async () => {
    const { availableParallelism } = await import('node:os');
    const result = await runProfile(profileOf(echoPair({ model: 'completion-port', backend: 'epoll' }), { durationMs: 200 }));
    expect(endpointOf(result, 'server').modelCounters?.workers).toHaveLength(availableParallelism());
    expect(endpointOf(result, 'server').counters.threads).toBe(availableParallelism());
  });

  it('refuses a backend on a model that has none, naming the field', async () => {
    const attempt = runProfile(profileOf(echoPair({ model: 'epoll', backend: 'io_uring' })));
    await expect(attempt).rejects.toBeInstanceOf(ValidationError);
    const error = (await attempt.catch((caught: unknown) => caught)) as ValidationError;
    expect(error.problems).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'endpoints[0].backend', message: expect.stringMatching(/overlapped and completion-port/) })]),
    );
  });

  it('refuses read buffers on a model that posts no reads, a pool on UDP, and a pool size without a pool, naming the fields', async () => {
    const problemsOf = async (endpoints: EndpointInput[]) => {
      const error = (await runProfile(profileOf(endpoints)).catch((caught: unknown) => caught)) as ValidationError;
      expect(error).toBeInstanceOf(ValidationError);
      return error.problems;
    };
    expect(await problemsOf(echoPair({ model: 'epoll', readBuffers: 'pool' }))).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'endpoints[0].readBuffers', message: expect.stringMatching(/overlapped and completion-port/) })]),
    );
    const udp: EndpointInput = { id: 'server', role: 'server', transport: 'udp', model: 'overlapped', readBuffers: 'pool', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } };
    expect(await problemsOf([udp])).toEqual([expect.objectContaining({ path: 'endpoints[0].readBuffers', message: expect.stringMatching(/for TCP/) })]);
    expect(await problemsOf(echoPair({ model: 'overlapped', readPool: { buffers: 8 } }))).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'endpoints[0].readPool', message: expect.stringMatching(/"readBuffers": "pool"/) })]),
    );
    expect(await problemsOf(echoPair({ model: 'overlapped', readBuffers: 'pool', readPool: { buffers: 32768, bufferBytes: 1024 * 1024 } }))).toEqual(
      expect.arrayContaining([expect.objectContaining({ path: 'endpoints[0].readPool', message: expect.stringMatching(/at most 256 MiB/) })]),
    );
  });

  it('refuses it at the addon boundary too', async () => {
    const { loadNativeAddon } = await import('../../src-main/engine/native-engine.js');
    const { Engine } = loadNativeAddon();
    const endpoint = { id: 'a', role: 'server', transport: 'tcp', host: '127.0.0.1', port: 0, options: {}, workload: { kind: 'echo' } };
    expect(() => new Engine({ endpoints: [{ ...endpoint, model: 'select', backend: 'epoll' }] } as never, () => undefined)).toThrow(
      /config.endpoints\[0\].backend/,
    );
    expect(() => new Engine({ endpoints: [{ ...endpoint, model: 'overlapped', backend: 'kqueue' }] } as never, () => undefined)).toThrow(
      /config.endpoints\[0\].backend/,
    );
    expect(() => new Engine({ endpoints: [{ ...endpoint, model: 'epoll', readBuffers: 'pool' }] } as never, () => undefined)).toThrow(
      /config.endpoints\[0\].readBuffers/,
    );
    expect(() => new Engine({ endpoints: [{ ...endpoint, model: 'overlapped', transport: 'udp', readBuffers: 'pool' }] } as never, () => undefined)).toThrow(
      /config.endpoints\[0\].readBuffers must be "per-operation" on a UDP endpoint/,
    );
    expect(() => new Engine({ endpoints: [{ ...endpoint, model: 'overlapped', readBuffers: 'pool', readPoolBuffers: 65536 }] } as never, () => undefined)).toThrow(
      /config.endpoints\[0\].readPoolBuffers/,
    );
  });
});
