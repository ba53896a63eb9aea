import type { EndpointInput, ProfileInput } from '../../src-shared/profile.js';
import type { ModelVariant } from './model-variants.js';
import type { EndpointResult, RunResult } from '../../src-shared/result.js';

/** A profile from endpoints, with test-friendly defaults (a short run, sampled every 50 ms). */
export function profileOf(endpoints: EndpointInput[], extra: Partial<ProfileInput> = {}): ProfileInput {
  return { schema: 'sockscope.profile/1', name: 'test', durationMs: 1000, sampleEveryMs: 50, endpoints, ...extra };
}

type PingPongInput = Extract<EndpointInput['workload'], { kind: 'ping-pong' }>;

/**
 * The pair most socket tests start from: a TCP echo server "server" on a free loopback port and a
 * ping-pong client "client" of it, both on one model and with TCP_NODELAY (so no Nagle stall).
 */
export function echoPairOf(
  modelFields: ModelVariant['fields'],
  client: { connections?: number } & Omit<PingPongInput, 'kind'> = {},
): [EndpointInput, EndpointInput] {
  const { connections, ...pingPong } = client;
  return [
    { id: 'server', role: 'server', transport: 'tcp', ...modelFields, listen: { host: '127.0.0.1', port: 0 }, options: { noDelay: true }, workload: { kind: 'echo' } },
    {
      id: 'client',
      role: 'client',
      transport: 'tcp',
      ...modelFields,
      connect: { endpoint: 'server' },
      ...(connections !== undefined && { connections }),
      options: { noDelay: true },
      workload: { kind: 'ping-pong', ...pingPong },
    },
  ];
}

export function endpointOf(result: RunResult, id: string): EndpointResult {
  const endpoint = result.endpoints.find((candidate) => candidate.id === id);
  if (!endpoint) throw new Error(`no endpoint ${id} in the result`);
  return endpoint;
}

/** Every event of an endpoint's connections, in time order. */
export function eventsOf(endpoint: EndpointResult) {
  return endpoint.connections.flatMap((connection) => connection.events).sort((a, b) => a.atMs - b.atMs);
}
