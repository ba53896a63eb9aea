import type { LiveCapture } from '../../../src-shared/engine-protocol.js';

/**
 * The reads and writes of libuv connections between two batches, in the columns a batch carries.
 * A ring of fixed size: if a batch is late, the oldest records are dropped and counted, as the
 * engine's own capture ring does.
 */
export class CaptureColumns {
  private readonly atUs: Float64Array;
  private readonly connectionId: Uint32Array;
  private readonly bytes: Uint32Array;
  private readonly endpoint: Uint16Array;
  private readonly direction: Uint8Array;
  private readonly previewLength: Uint16Array;
  private readonly previews: Buffer;
  private written = 0;

  constructor(
    private readonly capacity: number,
    private readonly previewBytes: number,
  ) {
    this.atUs = new Float64Array(capacity);
    this.connectionId = new Uint32Array(capacity);
    this.bytes = new Uint32Array(capacity);
    this.endpoint = new Uint16Array(capacity);
    this.direction = new Uint8Array(capacity);
    this.previewLength = new Uint16Array(capacity);
    this.previews = Buffer.alloc(capacity * previewBytes);
  }

  /** preview: the first bytes (a gathered write previews its first part); bytes: the whole size. */
  record(atUs: number, connectionId: number, endpoint: number, direction: 'read' | 'write', preview: Buffer, bytes: number): void {
    if (this.capacity === 0) return;
    const slot = this.written % this.capacity;
    this.atUs[slot] = atUs;
    this.connectionId[slot] = connectionId;
    this.bytes[slot] = bytes;
    this.endpoint[slot] = endpoint;
    this.direction[slot] = direction === 'write' ? 1 : 0;
    const length = Math.min(preview.length, this.previewBytes);
    this.previewLength[slot] = length;
    preview.copy(this.previews, slot * this.previewBytes, 0, length);
    this.written += 1;
  }

  /** Everything recorded since the last drain, oldest first, and how many were lost. */
  drain(): LiveCapture {
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
      dropped: first,
    };
    for (let n = 0; n < count; n++) {
      const slot = (first + n) % this.capacity;
      out.atUs[n] = this.atUs[slot]!;
      out.connectionId[n] = this.connectionId[slot]!;
      out.bytes[n] = this.bytes[slot]!;
      out.endpoint[n] = this.endpoint[slot]!;
      out.direction[n] = this.direction[slot]!;
      out.previewLength[n] = this.previewLength[slot]!;
      out.previews.set(this.previews.subarray(slot * this.previewBytes, slot * this.previewBytes + this.previewLength[slot]!), n * this.previewBytes);
    }
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
