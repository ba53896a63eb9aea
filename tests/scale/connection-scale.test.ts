// Many concurrent echo connections on one machine: every one established and echoing, the
// sampler aggregating them per endpoint at a bounded cost, and the host still answering live
// commands. Figures (memory, threads, sampler cost) are printed, never asserted as timings.
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EngineHostClient } from '../../src-main/engine/host-client.js';
import type { RemoteRun } from '../../src-main/engine/host-protocol-client.js';
import type { LiveBatch } from '../../src-shared/engine-protocol.js';
import { ioModels, proactorModels, type EndpointInput, type IoModel, type ReadBufferStrategy } from '../../src-shared/profile.js';
import type { EndpointResult, RunResult } from '../../src-shared/result.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';

// Long enough to connect everything on a loaded two-core machine; the steady state after that
// is a few seconds.
const establishTimeoutMs = 60_000;
const steadyStateMs = 2500;

// The reactor and the proactor models, as far as this build of the engine has them; the
// completion port a second time with its reads drawn from a pool, beside its buffer per read.
const tenThousandModels = ['epoll', 'overlapped', 'completion-port'].filter((model): model is IoModel => (ioModels as readonly string[]).includes(model));
const tenThousandRuns: { model: IoModel; readBuffers?: ReadBufferStrategy; label: string }[] = [
  ...tenThousandModels.map((model) => ({ model, label: model, ...(proactorModels.includes(model) && { readBuffers: 'per-operation' as const }) })),
  ...tenThousandModels.filter((model) => model === 'completion-port').map((model) => ({ model, readBuffers: 'pool' as const, label: `${model} with a read buffer pool` })),
];
// What a proactor's waiting read pins per operation (proactor.cc's kReadBufferStartBytes).
const perOperationReadBytes = 16 * 1024;

const hosts: EngineHostClient[] = [];

beforeAll(() => {
  // The hosts are forked from the compiled output, which npm test builds first.
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
  if (!existsSync(path.join(root, 'out', 'node', 'src-main', 'engine', 'host-main.js'))) {
    throw new Error('out/node is not built: run "npx tsc -p tsconfig.node.json" (npm test does) before these tests');
  }
});
afterAll(() => {
  for (const host of hosts) host.close();
});

async function spawnHost(): Promise<EngineHostClient> {
  const host = await EngineHostClient.spawn();
  hosts.push(host);
  return host;
}

const server = (model: IoModel, readBuffers?: ReadBufferStrategy): EndpointInput => ({
  id: 'server',
  role: 'server',
  transport: 'tcp',
  model,
  ...(readBuffers && { readBuffers }),
  backlog: 65535,
  listen: { host: '127.0.0.1', port: 0 },
  workload: { kind: 'echo' },
});

const client = (model: IoModel, connections: number, connect: EndpointInput['connect'], readBuffers?: ReadBufferStrategy): EndpointInput => ({
  id: 'client',
  role: 'client',
  transport: 'tcp',
  model,
  ...(readBuffers && { readBuffers }),
  connect,
  connections,
  // One small message a second per connection: thousands of messages a second in all, which
  // a loaded CI machine sustains.
  workload: { kind: 'ping-pong', messageBytes: 64, messagesPerSecond: 1 },
});

const longRun = { durationMs: 10 * 60_000, capture: { enabled: false, maxEntries: 16, previewBytes: 0 } };

/**
 * Resolves with the first batch in which each of `endpoints` has `connections` open connections
 * that have read and written; `latest()` is the newest batch seen.
 */
function whenAllExchanged(
  endpoints: number[],
  connections: number,
): { onBatch: (batch: LiveBatch) => void; done: Promise<LiveBatch>; latest: () => LiveBatch | undefined } {
  let settle!: (batch: LiveBatch) => void;
  let latest: LiveBatch | undefined;
  const done = new Promise<LiveBatch>((resolve, reject) => {
    settle = resolve;
    setTimeout(() => {
      const seen = endpoints.map((endpoint) => {
        const aggregate = latest?.endpoints[endpoint]?.aggregate;
        return `endpoint ${endpoint}: ${aggregate?.connections ?? 0} open, ${aggregate?.connectionsExchanged ?? 0} exchanged bytes`;
      });
      reject(new Error(`after ${establishTimeoutMs} ms, of ${connections} connections: ${seen.join('; ')}`));
    }, establishTimeoutMs).unref();
  });
  const onBatch = (batch: LiveBatch) => {
    latest = batch;
    if (endpoints.every((endpoint) => (batch.endpoints[endpoint]?.aggregate?.connectionsExchanged ?? 0) >= connections)) settle(batch);
  };
  return { onBatch, done, latest: () => latest };
}

/** Sends a harmless live command and reports how long the host took to carry it out. */
async function liveCommandMs(run: RemoteRun, endpoint: string, connection: number): Promise<number> {
  const started = performance.now();
  await run.command({ endpoint, connection }, { do: 'set-option', options: { noDelay: true } });
  return performance.now() - started;
}

function report(label: string, result: RunResult, commandMs: number): void {
  const engine = result.engine;
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
  const model = result.endpoints[0]?.modelCounters;
  const pool = model?.readPool;
  const reads = model?.readBuffers
    ? `read buffers ${model.readBuffers}${pool ? ` (${pool.buffers} × ${pool.bufferBytes} bytes, at most ${pool.peakBuffersInUse} held, empty for ${pool.exhausted} reads)` : ''}, ` +
      `pinned peak ${mb(model.peakBytesPinned)} MiB by up to ${model.peakOperationsInFlight} operations; `
    : '';
  console.log(
    `${label}: engine process RSS peak ${mb(engine?.peakResidentBytes ?? 0)} MiB, threads peak ${engine?.peakThreads}; ${reads}` +
      `sampler pass CPU mean ${engine?.samplerPassCpuUs.mean.toFixed(0)} µs (max ${engine?.samplerPassCpuUs.max} µs, ` +
      `${engine?.samplerCpuUsPerConnection.toFixed(2)} µs per connection, up to ${engine?.peakConnectionsVisited} connections), ` +
      `wall mean ${engine?.samplerPassUs.mean.toFixed(0)} µs; descriptors needed ${engine?.descriptors.needed}, limit ${engine?.descriptors.soft}; ` +
      `live command ${commandMs.toFixed(1)} ms`,
  );
}

/**
 * Every connection of the endpoint was open and had read and written in the pass of `live`
 * (the pass that found them all echoing), every kernel read in `steady` (a pass after the
 * steady state) found ESTABLISHED, and the result accounts for each of them.
 */
function expectAllEchoing(endpoint: EndpointResult, live: LiveBatch, steady: LiveBatch, index: number, connections: number): void {
  expect(endpoint.errors).toEqual([]);
  expect(endpoint.counters.connectionsTotal).toBe(connections);
  expect(endpoint.counters.verifyErrors).toBe(0);
  const pass = live.endpoints[index]!.aggregate!;
  expect(pass.connections).toBe(connections);
  expect(pass.connectionsExchanged).toBe(connections);
  // Series for the first connections of the endpoint only, and kernel figures for every
  // connection whose turn had come.
  expect(pass.seriesConnections).toBe(64);
  expect(pass.kernelFigures).toBeGreaterThan(0);
  // Connections without a series take turns for kernel reads (all of them once a second at
  // 10,000), so the first pass may still hold a read from before a connection's handshake
  // (SYN_SENT while a full backlog dropped its SYN). By the steady state every read is newer.
  const steadyPass = steady.endpoints[index]!.aggregate!;
  expect(steadyPass.kernelFiguresMaxAgeUs).toBeLessThan(steadyStateMs * 1000);
  expect(steadyPass.kernelFigures).toBe(connections);
  expect(steadyPass.tcpStates[1], `TCP states by index: ${steadyPass.tcpStates.join(',')}`).toBe(connections); // 1 = ESTABLISHED
  expect(endpoint.aggregate?.connectionsPeak).toBe(connections);
  expect(endpoint.connectionsWithoutSeries).toBe(connections - 64);
  const sampled = endpoint.connections.filter((connection) => connection.samples.length > 0).map((connection) => connection.index);
  expect(sampled.sort((a, b) => a - b)).toEqual(Array.from({ length: 64 }, (_, position) => position));
}

/** Each proactor run's peak pinned bytes per side, so the pool's run is set beside the buffer-per-read run. */
const pinnedPeaks = new Map<string, { client: number; server: number }>();

describe.each(tenThousandRuns.map((run) => ({ ...run, connections: 10_000 })))('$connections $label echo connections', ({ model, readBuffers, label, connections }) => {
  it('all establish and echo, aggregated per endpoint, with the hosts answering live commands', async () => {
    // Server and clients in two processes: 20,000 descriptors in one would pass this machine's
    // open-file limit, and the engine says so (see the descriptor-limit test).
    const serverHost = await spawnHost();
    const clientHost = await spawnHost();
    const serving = whenAllExchanged([0], connections);
    const serverRun = await serverHost.start(profileOf([server(model, readBuffers)], longRun), { onBatch: serving.onBatch });
    const [host, port] = serverRun.listen[0]!.split(':');
    const echoing = whenAllExchanged([0], connections);
    const clientRun = await clientHost.start(profileOf([client(model, connections, { host: host!, port: Number(port) }, readBuffers)], longRun), {
      onBatch: echoing.onBatch,
    });
    try {
      const startedMs = performance.now();
      const [clientPass, serverPass] = await Promise.all([echoing.done, serving.done]);
      console.log(`${label}: ${connections} connections established and echoing after ${(performance.now() - startedMs).toFixed(0)} ms`);
      await new Promise((resolve) => setTimeout(resolve, steadyStateMs));
      // Taken before stopping: the last passes of a stop may see connections closing.
      const [clientSteady, serverSteady] = [echoing.latest()!, serving.latest()!];
      const serverCommandMs = await liveCommandMs(serverRun, 'server', connections - 1);
      const clientCommandMs = await liveCommandMs(clientRun, 'client', connections - 1);
      const clientResult = await clientRun.stop();
      const serverResult = await serverRun.stop();
      report(`${label} client (${connections} connections)`, clientResult, clientCommandMs);
      report(`${label} server (${connections} connections)`, serverResult, serverCommandMs);
      expectAllEchoing(endpointOf(clientResult, 'client'), clientPass, clientSteady, 0, connections);
      expectAllEchoing(endpointOf(serverResult, 'server'), serverPass, serverSteady, 0, connections);
      // The clients stopped while every connection was open: their last pass saw them all.
      expect(endpointOf(clientResult, 'client').aggregate?.connections).toBe(connections);
      expect(endpointOf(clientResult, 'client').counters.messages).toBeGreaterThanOrEqual(connections);
      expect(clientResult.engine!.peakConnectionsVisited).toBe(connections);
      if (readBuffers) expectReadBuffers(model, readBuffers, connections, clientResult, serverResult);
    } finally {
      await Promise.allSettled([clientRun.stop(), serverRun.stop()]);
      serverHost.close();
      clientHost.close();
    }
  });
});

/**
 * Both sides ran the strategy asked for. A buffer per read pins one per waiting connection; a
 * pool pins its own bytes once, so well under a tenth of that, with every connection echoing.
 */
function expectReadBuffers(model: IoModel, readBuffers: ReadBufferStrategy, connections: number, clientResult: RunResult, serverResult: RunResult): void {
  const peaks = { client: 0, server: 0 };
  for (const [side, result] of [['client', clientResult], ['server', serverResult]] as const) {
    const counters = endpointOf(result, side).modelCounters!;
    expect(counters.readBuffers).toBe(readBuffers);
    expect(counters.peakOperationsInFlight).toBeGreaterThanOrEqual(connections);
    peaks[side] = counters.peakBytesPinned;
    if (readBuffers === 'per-operation') {
      expect(counters.peakBytesPinned).toBeGreaterThanOrEqual(connections * perOperationReadBytes);
    } else {
      expect(counters.readPool?.bytes).toBeGreaterThan(0);
      expect(counters.peakBytesPinned).toBeLessThan((connections * perOperationReadBytes) / 10);
      const perOperation = pinnedPeaks.get(`${model} per-operation`);
      // Set beside the buffer-per-read run of this file, when it ran.
      if (perOperation) expect(counters.peakBytesPinned).toBeLessThan(perOperation[side] / 10);
    }
  }
  pinnedPeaks.set(`${model} ${readBuffers}`, peaks);
}

describe('1000 blocking echo connections', () => {
  it('all establish and echo with a thread per connection, client and server in one process', async () => {
    const connections = 1000;
    const host = await spawnHost();
    const echoing = whenAllExchanged([0, 1], connections);
    const run = await host.start(profileOf([server('blocking'), client('blocking', connections, { endpoint: 'server' })], longRun), {
      onBatch: echoing.onBatch,
    });
    try {
      const pass = await echoing.done;
      await new Promise((resolve) => setTimeout(resolve, steadyStateMs));
      const steady = echoing.latest()!;
      const commandMs = await liveCommandMs(run, 'client', connections - 1);
      const result = await run.stop();
      report(`blocking client and server (${connections} connections each)`, result, commandMs);
      expectAllEchoing(endpointOf(result, 'client'), pass, steady, 1, connections);
      expectAllEchoing(endpointOf(result, 'server'), pass, steady, 0, connections);
      // A thread per connection on each side, and the listener's.
      expect(endpointOf(result, 'client').counters.threads).toBe(connections);
      expect(endpointOf(result, 'server').counters.threads).toBe(connections + 1);
      expect(result.engine!.peakThreads).toBeGreaterThan(2 * connections);
    } finally {
      await run.stop();
      host.close();
    }
  });
});
