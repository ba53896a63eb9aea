import type { CaptureEntry } from '../../src-shared/result.js';
import type { NativeCapture } from './native-engine.js';

/**
 * The run's capture, kept as parallel typed arrays in a ring of fixed size: a long run at full
 * speed keeps the newest `capacity` reads and writes and counts the rest as dropped.
 */
export class CaptureStore {
  private readonly atUs: Float64Array;
  private readonly connectionId: Uint32Array;
  private readonly bytes: Uint32Array;
  private readonly endpoint: Uint16Array;
  private readonly direction: Uint8Array;
  private readonly previewLength: Uint16Array;
  private readonly previews: Buffer;
  private written = 0;
  /** Records lost before they reached the host (the engine's ring lapped between batches). */
  private lostInEngine = 0;

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
    this.previews = Buffer.alloc(capacity * previewBytes);
  }

  add(capture: NativeCapture): void {
    this.lostInEngine += capture.dropped;
    // Only the newest `capacity` records of a batch can survive; skip the rest at once.
    const first = Math.max(0, capture.count - this.capacity);
    this.written += first;
    for (let i = first; i < capture.count; i++) {
      const slot = this.written % this.capacity;
      this.atUs[slot] = capture.atUs[i]!;
      this.connectionId[slot] = capture.connectionId[i]!;
      this.bytes[slot] = capture.bytes[i]!;
      this.endpoint[slot] = capture.endpoint[i]!;
      this.direction[slot] = capture.direction[i]!;
      const length = Math.min(capture.previewLength[i]!, this.previewBytes);
      this.previewLength[slot] = length;
      const from = i * capture.previewBytes;
      this.previews.set(capture.previews.subarray(from, from + length), slot * this.previewBytes);
      this.written += 1;
    }
  }

  get dropped(): number {
    return Math.max(0, this.written - this.capacity) + this.lostInEngine;
  }

  /** Oldest first. */
  entries(endpointIds: readonly string[]): CaptureEntry[] {
    const count = Math.min(this.written, this.capacity);
    const entries: CaptureEntry[] = [];
    for (let n = 0; n < count; n++) {
      const slot = (this.written - count + n) % this.capacity;
      const previewStart = slot * this.previewBytes;
      entries.push({
        atUs: this.atUs[slot]!,
        endpoint: endpointIds[this.endpoint[slot]!] ?? String(this.endpoint[slot]),
        connection: this.connectionId[slot]!,
        direction: this.direction[slot] === 1 ? 'write' : 'read',
        bytes: this.bytes[slot]!,
        previewHex: this.previews.subarray(previewStart, previewStart + this.previewLength[slot]!).toString('hex'),
      });
    }
    return entries;
  }
}
