import type { LiveCapture } from '../../src-shared/engine-protocol.js';

/** The direction column's values, as the engine writes them. */
export const captureDirection = { read: 0, write: 1 } as const;

/**
 * Reads and writes kept as parallel typed arrays, the columns a batch carries them in, in a ring
 * of fixed size: once it is full each record takes the place of the oldest, which counts as
 * overwritten. The run's capture (`capture-store.ts`) and the libuv engine's capture between two
 * batches are both one of these.
 */
export class CaptureRing {
  private readonly atUs: Float64Array;
  private readonly connectionId: Uint32Array;
  private readonly bytes: Uint32Array;
  private readonly endpoint: Uint16Array;
  private readonly direction: Uint8Array;
  private readonly previewLength: Uint16Array;
  private readonly previews: Uint8Array;
  private written = 0;

  constructor(
    readonly capacity: number,
    readonly previewBytes: number,
  ) {
    this.atUs = new Float64Array(capacity);
    this.connectionId = new Uint32Array(capacity);
    this.bytes = new Uint32Array(capacity);
    this.endpoint = new Uint16Array(capacity);
    this.direction = new Uint8Array(capacity);
    this.previewLength = new Uint16Array(capacity);
    this.previews = new Uint8Array(capacity * previewBytes);
  }

  /** Records overwritten by newer ones since the ring was last drained. */
  get overwritten(): number {
    return Math.max(0, this.written - this.capacity);
  }

  /**
   * One read or write (`captureDirection`) of `bytes` bytes; its preview is `preview` from `previewFrom`,
   * at most `previewLength` bytes of it and no more than the ring's previewBytes. A ring of capacity
   * 0 keeps and counts nothing: capture is off.
   */
  push(atUs: number, connectionId: number, endpoint: number, direction: number, bytes: number, preview: Uint8Array, previewFrom = 0, previewLength = preview.length - previewFrom): void {
    if (this.capacity === 0) return;
    const slot = this.written % this.capacity;
    this.atUs[slot] = atUs;
    this.connectionId[slot] = connectionId;
    this.bytes[slot] = bytes;
    this.endpoint[slot] = endpoint;
    this.direction[slot] = direction;
    const length = Math.min(previewLength, this.previewBytes);
    this.previewLength[slot] = length;
    this.previews.set(preview.subarray(previewFrom, previewFrom + length), slot * this.previewBytes);
    this.written += 1;
  }

  /** Counts `records` as pushed and overwritten already, without writing them: the older part of more than the ring holds. */
  skip(records: number): void {
    this.written += records;
  }

  /** The records kept, oldest first, copied out as batch columns; `dropped` counts those overwritten. */
  columns(): LiveCapture {
    const count = Math.min(this.written, this.capacity);
    const first = this.written - count;
    const out: LiveCapture = {
      count,
      atUs: new Float64Array(count),
      connectionId: new Uint32Array(count),
      bytes: new Uint32Array(count),
      endpoint: new Uint16Array(count),
      direction: new Uint8Array(count),
      previewLength: new Uint16Array(count),
      previews: new Uint8Array(count * this.previewBytes),
      previewBytes: this.previewBytes,
      dropped: this.overwritten,
    };
    for (let n = 0; n < count; n++) {
      const slot = (first + n) % this.capacity;
      out.atUs[n] = this.atUs[slot]!;
      out.connectionId[n] = this.connectionId[slot]!;
      out.bytes[n] = this.bytes[slot]!;
      out.endpoint[n] = this.endpoint[slot]!;
      out.direction[n] = this.direction[slot]!;
      out.previewLength[n] = this.previewLength[slot]!;
      const from = slot * this.previewBytes;
      out.previews.set(this.previews.subarray(from, from + this.previewLength[slot]!), n * this.previewBytes);
    }
    return out;
  }

  /** The records kept, as `columns()` gives them, and an empty ring after. */
  drain(): LiveCapture {
    const out = this.columns();
    this.written = 0;
    return out;
  }
}

/** Two sets of capture columns as one, in the order given. */
export function concatCapture(a: LiveCapture, b: LiveCapture): LiveCapture {
  if (b.count === 0 && b.dropped === 0) return a;
  if (a.count === 0 && a.dropped === 0 && a.previewBytes === b.previewBytes) return b;
  const previewBytes = Math.max(a.previewBytes, b.previewBytes);
  const count = a.count + b.count;
  const joined = <T extends Float64Array | Uint32Array | Uint16Array | Uint8Array>(make: new (n: number) => T, x: T, y: T): T => {
    const out = new make(count);
    out.set(x, 0);
    out.set(y, a.count);
    return out;
  };
  const previews = new Uint8Array(count * previewBytes);
  for (const [part, offset] of [[a, 0], [b, a.count]] as const) {
    for (let i = 0; i < part.count; i++) {
      previews.set(part.previews.subarray(i * part.previewBytes, i * part.previewBytes + part.previewLength[i]!), (offset + i) * previewBytes);
    }
  }
  return {
    count,
    atUs: joined(Float64Array, a.atUs, b.atUs),
    connectionId: joined(Uint32Array, a.connectionId, b.connectionId),
    bytes: joined(Uint32Array, a.bytes, b.bytes),
    endpoint: joined(Uint16Array, a.endpoint, b.endpoint),
    direction: joined(Uint8Array, a.direction, b.direction),
    previewLength: joined(Uint16Array, a.previewLength, b.previewLength),
    previews,
    previewBytes,
    dropped: a.dropped + b.dropped,
  };
}
