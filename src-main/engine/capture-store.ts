import type { CaptureEntry } from '../../src-shared/result.js';
import { captureDirection, CaptureRing } from './capture-columns.js';
import type { NativeCapture } from './native-engine.js';

/**
 * The run's capture, a ring of fixed size: a long run at full speed keeps the newest `capacity`
 * reads and writes and counts the rest as dropped.
 */
export class CaptureStore {
  private readonly ring: CaptureRing;
  /** Records lost before they reached the host (the engine's ring lapped between batches). */
  private lostInEngine = 0;

  constructor(
    readonly capacity: number,
    readonly previewBytes: number,
  ) {
    this.ring = new CaptureRing(capacity, previewBytes);
  }

  add(capture: NativeCapture): void {
    this.lostInEngine += capture.dropped;
    // Only the newest `capacity` records of a batch can survive; skip the rest at once.
    const first = Math.max(0, capture.count - this.capacity);
    this.ring.skip(first);
    for (let i = first; i < capture.count; i++) {
      this.ring.push(
        capture.atUs[i]!,
        capture.connectionId[i]!,
        capture.endpoint[i]!,
        capture.direction[i]!,
        capture.bytes[i]!,
        capture.previews,
        i * capture.previewBytes,
        capture.previewLength[i]!,
      );
    }
  }

  get dropped(): number {
    return this.ring.overwritten + this.lostInEngine;
  }

  /** Oldest first. */
  entries(endpointIds: readonly string[]): CaptureEntry[] {
    const columns = this.ring.columns();
    const previews = Buffer.from(columns.previews.buffer, columns.previews.byteOffset, columns.previews.byteLength);
    const entries: CaptureEntry[] = [];
    for (let n = 0; n < columns.count; n++) {
      const previewStart = n * columns.previewBytes;
      entries.push({
        atUs: columns.atUs[n]!,
        endpoint: endpointIds[columns.endpoint[n]!] ?? String(columns.endpoint[n]),
        connection: columns.connectionId[n]!,
        direction: columns.direction[n] === captureDirection.write ? 'write' : 'read',
        bytes: columns.bytes[n]!,
        previewHex: previews.subarray(previewStart, previewStart + columns.previewLength[n]!).toString('hex'),
      });
    }
    return entries;
  }
}
