// The benchmark's connection-scale echo: many paced 64-byte ping-pong connections against an echo
// server in a second engine host (10,000 connections and their accepted side in one process would
// pass common open-file limits), measured over a steady window that starts once every connection
// has echoed, so connection set-up is reported apart instead of diluting the rate.
import { readFileSync } from 'node:fs';
import { EngineHostClient } from '../src-main/engine/host-client.js';
import { Run } from '../src-main/engine/run.js';
import type { LiveBatch } from '../src-shared/engine-protocol.js';
import type { EndpointInput, IoModel, ProfileInput } from '../src-shared/profile.js';
import type { RunResult } from '../src-shared/result.js';

/** Connections per model: select stops at FD_SETSIZE, blocking spends a thread per socket on each side. */
export const scaleConnectionsByModel: Partial<Record<string, number>> = { blocking: 1000, select: 500 };
export const scaleConnectionsDefault = 10_000;
/** Messages per second each connection offers. */
export const scaleMessagesPerSecondPerConnection = 100;
/** How long every connection has to open and echo once before the measurement gives up. */
const setUpTimeoutMs = 120_000;

export interface ScaleResult {
  connections: number;
  connectionsOpened: number;
  /** From the client run's start until every connection had read and written. */
  setUpMs: number;
  offeredMessagesPerSecond: number;
  /** Round trips completed in the steady window / its length. */
  messagesPerSecond: number;
  messages: number;
  roundTripP99Us: number | null;
  /** CPU of both engine processes (clients here, server in its host) over the steady window, per round trip. */
  cpuMicrosecondsPerMessage: number;
  clientPeakResidentBytes: number | null;
  serverPeakResidentBytes: number | null;
  clientPeakThreads: number | null;
  serverPeakThreads: number | null;
  /** The sampler's CPU per connection and pass, in the client process. */
  samplerCpuUsPerConnection: number | null;
}

export const scaleMethod =
  `Paced 64-byte ping-pong (${scaleMessagesPerSecondPerConnection} messages per second per connection) from an engine client in this process against ` +
  'an engine echo server in a forked engine host. The window starts at the first batch in which every client connection has read and written ' +
  '(the per-endpoint aggregate), and lasts the measurement time; msg/s = round trips completed in the window / its length; ' +
  'cpuMicrosecondsPerMessage = CPU of both processes (process.cpuUsage() here, /proc/PID/stat utime + stime of the host) over the window / round trips. ' +
  `${scaleConnectionsDefault} connections, except ${Object.entries(scaleConnectionsByModel).map(([model, count]) => `${model} ${count}`).join(', ')} ` +
  '(select: FD_SETSIZE = 1024 descriptors; blocking: a thread per connection on each side). setUpMs is from the client run\'s start to the window.';

/** CPU time (user + system) a process has used, in microseconds, from /proc/PID/stat. */
function processCpuUs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name, which may hold spaces: state is the first, utime the 12th.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticksPerSecond = 100; // USER_HZ, fixed by the kernel's ABI on Linux
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / ticksPerSecond;
}

function ownCpuUs(): number {
  const usage = process.cpuUsage();
  return usage.user + usage.system;
}

function profileOf(name: string, durationMs: number, endpoints: EndpointInput[]): ProfileInput {
  return { schema: 'sockscope.profile/1', name, durationMs, endpoints, capture: { enabled: false, maxEntries: 16, previewBytes: 0 } };
}

function checkClean(result: RunResult, id: string): void {
  const endpoint = result.endpoints.find((candidate) => candidate.id === id);
  if (!endpoint) throw new Error(`no endpoint ${id} in the result`);
  const problems = endpoint.errors.map((error) => `${error.code}${error.count ? ` ×${error.count}` : ''}: ${error.message}`);
  if (endpoint.counters.verifyErrors > 0) problems.push(`${endpoint.counters.verifyErrors} bytes failed verification`);
  if (problems.length > 0) throw new Error(`${result.profile.name}, ${id}: ${problems.join('; ')}`);
}

/** Every client connection has read and written; a model without per-endpoint aggregates counts open connections. */
function allEchoing(batch: LiveBatch, connections: number): boolean {
  const client = batch.endpoints[0];
  if (!client) return false;
  return client.aggregate ? client.aggregate.connectionsExchanged >= connections : client.counters.connectionsOpen >= connections && client.counters.messages >= connections;
}

export async function measureScale(model: IoModel, durationMs: number): Promise<ScaleResult> {
  const connections = scaleConnectionsByModel[model] ?? scaleConnectionsDefault;
  const name = `bench connection scale ${model}`;
  const host = await EngineHostClient.spawn();
  try {
    const serverRun = await host.start(
      profileOf(`${name} server`, 10 * 60_000, [
        { id: 'server', role: 'server', transport: 'tcp', model, backlog: 65535, listen: { host: '127.0.0.1', port: 0 }, options: { noDelay: true }, workload: { kind: 'echo' } },
      ]),
    );
    const [address, port] = serverRun.listen[0]!.split(':');
    const serverPid = host.pid!;
    // Filled in by the batch callback: the latest batch, and the window's start.
    const seen: { last?: LiveBatch; window?: { atUs: number; messages: number; cpuUs: number } } = {};
    let steady!: () => void;
    const becameSteady = new Promise<void>((resolve) => (steady = resolve));
    const startedMs = performance.now();
    let setUpMs = 0;
    const clientRun = await Run.start(
      profileOf(name, 10 * 60_000, [
        {
          id: 'client',
          role: 'client',
          transport: 'tcp',
          model,
          connect: { host: address!, port: Number(port) },
          connections,
          options: { noDelay: true },
          workload: { kind: 'ping-pong', messageBytes: 64, messagesPerSecond: scaleMessagesPerSecondPerConnection },
        },
      ]),
      {
        onBatch: (batch) => {
          seen.last = batch;
          if (seen.window || !allEchoing(batch, connections)) return;
          setUpMs = performance.now() - startedMs;
          seen.window = { atUs: batch.atUs, messages: batch.endpoints[0]!.counters.messages, cpuUs: ownCpuUs() + processCpuUs(serverPid) };
          steady();
        },
      },
    );
    const timeout = setTimeout(() => void clientRun.stop('set-up timed out'), setUpTimeoutMs);
    await Promise.race([becameSteady, clientRun.finished]);
    clearTimeout(timeout);
    const start = seen.window;
    if (!start) {
      const client = seen.last?.endpoints[0];
      await Promise.allSettled([clientRun.stop(), serverRun.stop()]);
      throw new Error(`${name}: after ${setUpTimeoutMs / 1000} s, ${client?.aggregate?.connectionsExchanged ?? client?.counters.connectionsOpen ?? 0} of ${connections} connections echoed`);
    }
    await new Promise((resolve) => setTimeout(resolve, durationMs));
    const endAtUs = seen.last?.atUs ?? start.atUs;
    const endMessages = seen.last?.endpoints[0]?.counters.messages ?? start.messages;
    const cpuUs = ownCpuUs() + processCpuUs(serverPid) - start.cpuUs;
    const clientResult = await clientRun.stop();
    const serverResult = await serverRun.stop();
    checkClean(clientResult, 'client');
    checkClean(serverResult, 'server');
    const client = clientResult.endpoints[0]!;
    const server = serverResult.endpoints[0]!;
    if (server.counters.connectionsRefused > 0) throw new Error(`${name}: the server refused ${server.counters.connectionsRefused} connections`);
    const messages = endMessages - start.messages;
    return {
      connections,
      connectionsOpened: server.counters.accepts,
      setUpMs,
      offeredMessagesPerSecond: connections * scaleMessagesPerSecondPerConnection,
      messagesPerSecond: messages / Math.max((endAtUs - start.atUs) / 1e6, 1e-3),
      messages,
      roundTripP99Us: client.latencyUs?.p99 ?? null,
      cpuMicrosecondsPerMessage: cpuUs / Math.max(messages, 1),
      clientPeakResidentBytes: clientResult.engine?.peakResidentBytes ?? null,
      serverPeakResidentBytes: serverResult.engine?.peakResidentBytes ?? null,
      clientPeakThreads: clientResult.engine?.peakThreads ?? null,
      serverPeakThreads: serverResult.engine?.peakThreads ?? null,
      samplerCpuUsPerConnection: clientResult.engine?.samplerCpuUsPerConnection ?? null,
    };
  } finally {
    host.close();
  }
}
