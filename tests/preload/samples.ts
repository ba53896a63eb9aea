import type { LiveBatch, RunProgress } from '../../src-shared/engine-protocol.js';
import type { RunResult } from '../../src-shared/result.js';
import { endpointResultOf, resultOf } from '../helpers/results.js';

/** A valid result of a two-endpoint run. */
export function sampleResult(): RunResult {
  return resultOf([endpointResultOf({ id: 'server', role: 'server', transport: 'tcp' }), endpointResultOf({ id: 'client', role: 'client', transport: 'tcp' })]);
}

/** A valid live batch with one captured write. */
export function sampleBatch(): LiveBatch {
  return {
    sequence: 1,
    atUs: 100_000,
    final: false,
    eventsDropped: 0,
    notices: [],
    endpoints: [],
    samples: [],
    events: [{ atUs: 10, connectionId: 1, endpoint: 1, type: 'open', local: '127.0.0.1:5000', remote: '127.0.0.1:4000' }],
    capture: {
      count: 1,
      atUs: Float64Array.of(20),
      connectionId: Uint32Array.of(1),
      bytes: Uint32Array.of(5),
      endpoint: Uint16Array.of(1),
      direction: Uint8Array.of(1),
      previewLength: Uint16Array.of(2),
      previews: Uint8Array.of(104, 105, 0, 0),
      previewBytes: 4,
      dropped: 0,
    },
  };
}

export function sampleProgress(): RunProgress {
  return { elapsedMs: 100, durationMs: 1000, bytesIn: 5, bytesOut: 5, connectionsOpen: 1, connectionsTotal: 1, latencyUs: null, errors: 0 };
}
