import type { LiveEndpoint } from '../../../src-shared/engine-protocol.js';
import { zeroCounters } from '../../../src-shared/result.js';
import type { AppliedSocketOptions } from '../../../src-shared/socket-options.js';
import { LatencyHistogram } from './latency-histogram.js';

type Counters = LiveEndpoint['counters'];

function zeroLiveCounters(): Counters {
  // Bytes per read and per write are worked out from the totals when the result is made, not tallied.
  const { bytesPerRead, bytesPerWrite, ...tallied } = zeroCounters();
  // Every libuv socket is served by the one JavaScript thread running the event loop; framed
  // workloads run in the engine's models only, so protocolViolations stays 0.
  return { ...tallied, threads: 1, protocolViolations: 0 };
}

/** One libuv endpoint's tallies: what a batch reports for it. */
export class EndpointState {
  readonly counters: Counters = zeroLiveCounters();
  readonly latency = new LatencyHistogram();
  applied: AppliedSocketOptions | null = null;
  connectionsWithoutSeries = 0;
  private readonly errors = new Map<string, { message: string; count: number }>();

  constructor(
    readonly index: number,
    readonly id: string,
  ) {}

  recordError(code: string, message: string): void {
    const tally = this.errors.get(code);
    if (tally) tally.count += 1;
    else this.errors.set(code, { message, count: 1 });
    this.counters.errors += 1;
  }

  snapshot(): LiveEndpoint {
    return {
      counters: { ...this.counters },
      latencyUs: this.latency.summarize(),
      errors: [...this.errors].map(([code, tally]) => ({ code, message: tally.message, count: tally.count })),
      applied: this.applied,
      connectionsWithoutSeries: this.connectionsWithoutSeries,
    };
  }
}
