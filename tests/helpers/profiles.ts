import type { EndpointInput, ProfileInput } from '../../src-shared/profile.js';
import type { EndpointResult, RunResult } from '../../src-shared/result.js';

/** A profile from endpoints, with test-friendly defaults (a short run, sampled every 50 ms). */
export function profileOf(endpoints: EndpointInput[], extra: Partial<ProfileInput> = {}): ProfileInput {
  return { schema: 'sockscope.profile/1', name: 'test', durationMs: 1000, sampleEveryMs: 50, endpoints, ...extra };
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
