import type { LiveEndpoint } from '../../../src-shared/engine-protocol.js';

// The engine's log-linear histogram (src-main/native/src/latency_histogram.h) in JavaScript, so
// libuv percentiles are computed the same way: 32 buckets per power of two, within about 3%.
const subBits = 5;
const linearBuckets = 1 << (subBits + 1);
const bucketCount = linearBuckets + (53 - subBits - 1) * (1 << subBits);

function bucketOf(us: number): number {
  if (us < linearBuckets) return us;
  const msb = Math.floor(Math.log2(us));
  const sub = Math.floor(us / 2 ** (msb - subBits)) & ((1 << subBits) - 1);
  return linearBuckets + (msb - subBits - 1) * (1 << subBits) + sub;
}

function midpointOf(bucket: number): number {
  if (bucket < linearBuckets) return bucket;
  const offset = bucket - linearBuckets;
  const msb = (offset >> subBits) + subBits + 1;
  const sub = offset & ((1 << subBits) - 1);
  const low = 2 ** msb + sub * 2 ** (msb - subBits);
  return low + 2 ** (msb - subBits) / 2;
}

export class LatencyHistogram {
  private readonly buckets = new Float64Array(bucketCount);
  private count = 0;
  private sumUs = 0;
  private maxUs = 0;

  record(latencyUs: number): void {
    const us = Math.max(0, Math.round(latencyUs));
    this.buckets[Math.min(bucketOf(us), bucketCount - 1)]! += 1;
    this.count += 1;
    this.sumUs += us;
    if (us > this.maxUs) this.maxUs = us;
  }

  summarize(): LiveEndpoint['latencyUs'] {
    if (this.count === 0) return null;
    const targets = [0.5, 0.9, 0.99];
    const values: number[] = [];
    let seen = 0;
    for (let bucket = 0; bucket < bucketCount && values.length < 3; bucket++) {
      seen += this.buckets[bucket]!;
      while (values.length < 3 && seen >= targets[values.length]! * this.count) values.push(Math.min(midpointOf(bucket), this.maxUs));
    }
    const [p50 = 0, p90 = 0, p99 = 0] = values;
    return { count: this.count, p50, p90, p99, max: this.maxUs, mean: this.sumUs / this.count };
  }
}
