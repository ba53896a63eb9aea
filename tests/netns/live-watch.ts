// Follows a run's live batches so a test can act when the engine reports something (a connection
// opened, closed, retransmitted) instead of sleeping for a guessed time.
import type { LiveBatch, LiveEvent, LiveSample } from '../../src-shared/engine-protocol.js';

interface Waiter {
  predicate: () => boolean;
  resolve: () => void;
}

export class LiveWatch {
  readonly events: LiveEvent[] = [];
  /** The latest sample of each connection, by connection id. */
  readonly latestSamples = new Map<number, LiveSample>();
  private waiters: Waiter[] = [];

  readonly onBatch = (batch: LiveBatch): void => {
    this.events.push(...batch.events);
    for (const sample of batch.samples) this.latestSamples.set(sample.connectionId, sample);
    this.waiters = this.waiters.filter((waiter) => {
      if (!waiter.predicate()) return true;
      waiter.resolve();
      return false;
    });
  };

  eventsOf(endpointIndex: number, type: LiveEvent['type']): LiveEvent[] {
    return this.events.filter((event) => event.endpoint === endpointIndex && event.type === type);
  }

  samplesOf(endpointIndex: number): LiveSample[] {
    return [...this.latestSamples.values()].filter((sample) => sample.endpoint === endpointIndex);
  }

  /** Resolves once the predicate holds after a batch; rejects naming what did not happen in time. */
  until(predicate: () => boolean, what: string, timeoutMs: number): Promise<void> {
    if (predicate()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
      this.waiters.push({
        predicate,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }
}
