import { profileSchema } from '../../src-shared/profile.js';
import {
  type CaptureEntry,
  type ConnectionResult,
  type EndpointCounters,
  type EndpointResult,
  type RunResult,
  resultSchema,
  resultSchemaId,
  zeroCounters,
} from '../../src-shared/result.js';
import { profileOf } from './profiles.js';

/** A connection of a hand-made result: addresses, events and samples as given, counters zero. */
export function connectionOf(fields: Partial<ConnectionResult> & Pick<ConnectionResult, 'id'>): ConnectionResult {
  return { index: 0, local: null, remote: null, events: [], eventsDropped: 0, samples: [], samplesDropped: 0, bytesIn: 0, bytesOut: 0, ...fields };
}

/** Endpoint counters, zero but for what is given (one thread). */
export function countersOf(over: Partial<EndpointCounters> = {}): EndpointCounters {
  return { ...zeroCounters(), threads: 1, ...over };
}

/** An endpoint of a hand-made result, with zero counters. */
export function endpointResultOf(fields: Partial<EndpointResult> & Pick<EndpointResult, 'id' | 'role' | 'transport'>): EndpointResult {
  return {
    model: 'epoll',
    listen: null,
    requestedOptions: {},
    appliedOptions: null,
    counters: countersOf(),
    latencyUs: null,
    throughput: { bytesIn: 0, bytesOut: 0, bitsPerSecondIn: 0, bitsPerSecondOut: 0 },
    connections: [],
    connectionsWithoutSeries: 0,
    errors: [],
    ...fields,
  };
}

/**
 * A result made by hand, checked against the result schema: the endpoints and capture entries
 * given, a TCP server "server" on 127.0.0.1 and a client of it in the profile.
 */
export function resultOf(endpoints: EndpointResult[], entries: CaptureEntry[] = []): RunResult {
  const profile = profileSchema.parse(
    profileOf([
      { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
      { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, workload: { kind: 'ping-pong', messageBytes: 10 } },
    ]),
  );
  return resultSchema.parse({
    schema: resultSchemaId,
    profile,
    environment: { os: 'Linux', kernel: '6.1.0', arch: 'x64', node: 'v20.0.0', cpus: 2, sysctls: {} },
    startedAt: '2026-01-02T03:04:05.000Z',
    elapsedMs: 1000,
    completed: true,
    stopReason: 'duration',
    endpoints,
    capture: { entries, dropped: 0, maxEntries: 65536 },
    limitsHit: [],
  } satisfies RunResult);
}
