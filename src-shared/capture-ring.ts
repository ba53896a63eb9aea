import type { LiveCapture } from './engine-protocol.js';

/** The direction column's values, as the engine writes them. */
export const captureDirection = { read: 0, write: 1 } as const;

/**
 * Reads and writes kept as parallel typed arrays, the columns a batch carries them in, in a ring
 * of fixed size: once it is full each record takes the place of the oldest, which counts as
 * overwritten. Memory is capacity × (21 + previewBytes) bytes whatever the run's length. The
 * run's capture, the libuv engine's capture between two batches and the Stream view's capture
 * are each one of these.
 */
export class CaptureRing {
  readonly atUs: Float64Array;
  readonly connectionId: Uint32Array;
  readonly bytes: Uint32Array;
  readonly endpoint: Uint16Array;
  readonly direction: Uint8Array;
  readonly previewLength: Uint16Array;
  readonly previews: Uint8Array;
  /** Records ever recorded since the ring was last drained, those overwritten included. */
  protected written = 0;

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

  /** Records kept, at most capacity. */
  get count(): number {
    return Math.min(this.written, this.capacity);
  }

  /** Records overwritten by newer ones since the ring was last drained. */
  get overwritten(): number {
    return Math.max(0, this.written - this.capacity);
  }

  /** The slot of the index-th oldest record kept. */
  slotOf(index: number): number {
    return (this.written - this.count + index) % this.capacity;
  }

  /**
   * One read or write (`captureDirection`) of `bytes` bytes; its preview is `preview` from `previewFrom`,
   * at most `previewLength` bytes of it and no more than the ring's previewBytes. A ring of capacity
   * 0 keeps and counts nothing: capture is off.
   */
  record(atUs: number, connectionId: number, endpoint: number, direction: number, bytes: number, preview: Uint8Array, previewFrom = 0, previewLength = preview.length - previewFrom): void {
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

  /** Appends a batch's records; of a batch larger than the ring only the newest are written, the others count as overwritten. */
  push(capture: LiveCapture): void {
    if (this.capacity === 0) return;
    const first = Math.max(0, capture.count - this.capacity);
    this.written += first;
    for (let i = first; i < capture.count; i++) {
      const previewLength = Math.min(capture.previewLength[i]!, capture.previewBytes);
      this.record(capture.atUs[i]!, capture.connectionId[i]!, capture.endpoint[i]!, capture.direction[i]!, capture.bytes[i]!, capture.previews, i * capture.previewBytes, previewLength);
    }
  }

  /** The records kept, oldest first, copied out as batch columns; `dropped` counts those overwritten. */
  columns(): LiveCapture {
    const count = this.count;
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
      const slot = this.slotOf(n);
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
