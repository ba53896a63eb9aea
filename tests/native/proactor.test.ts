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
  });
});
