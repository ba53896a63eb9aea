import type { CaptureEntry } from '../../src-shared/result.js';
import { captureDirection, CaptureRing } from '../../src-shared/capture-ring.js';
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
    this.ring.push(capture);
  }

  get dropped(): number {
    return this.ring.overwritten + this.lostInEngine;
  }

  /** Oldest first. */
  entries(endpointIds: readonly string[]): CaptureEntry[] {
    const ring = this.ring;
    const previews = Buffer.from(ring.previews.buffer, ring.previews.byteOffset, ring.previews.byteLength);
    const entries: CaptureEntry[] = [];
    for (let n = 0; n < ring.count; n++) {
      const slot = ring.slotOf(n);
      const previewStart = slot * ring.previewBytes;
      entries.push({
        atUs: ring.atUs[slot]!,
        endpoint: endpointIds[ring.endpoint[slot]!] ?? String(ring.endpoint[slot]),
        connection: ring.connectionId[slot]!,
        direction: ring.direction[slot] === captureDirection.write ? 'write' : 'read',
        bytes: ring.bytes[slot]!,
        previewHex: previews.subarray(previewStart, previewStart + ring.previewLength[slot]!).toString('hex'),
      });
    }
    return entries;
  }
}
