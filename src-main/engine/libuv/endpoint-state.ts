import type { LiveEndpoint } from '../../../src-shared/engine-protocol.js';
import type { AppliedSocketOptions } from '../../../src-shared/socket-options.js';
import { LatencyHistogram } from './latency-histogram.js';

type Counters = LiveEndpoint['counters'];

/** One libuv endpoint's tallies: what a batch reports for it. */
export class EndpointState {
  readonly counters: Counters = {
    // Every libuv socket is served by the one JavaScript thread running the event loop.
    threads: 1,
    connectionsOpen: 0,
    connectionsTotal: 0,
    accepts: 0,
    connectionsRefused: 0,
    reads: 0,
    writes: 0,
    bytesIn: 0,
    bytesOut: 0,
    wakeups: 0,
    wouldBlock: 0,
    messages: 0,
    messagesLost: 0,
    verifyErrors: 0,
    datagramsOutOfOrder: 0,
    datagramsMissing: 0,
    errors: 0,
    // Framed workloads run in the engine's models only.
    protocolViolations: 0,
  };
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
