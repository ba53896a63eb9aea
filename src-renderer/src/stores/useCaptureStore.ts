import { markRaw, ref, shallowRef } from 'vue';
import { defineStore } from 'pinia';
import type { LiveCapture } from '../../../src-shared/engine-protocol.js';
import { useSettingsStore } from './useSettingsStore.js';

/** One capture record, copied out of the ring. `sequence` numbers records across the whole run. */
export interface CaptureRecord {
  sequence: number;
  atUs: number;
  connectionId: number;
  endpoint: number;
  direction: 'read' | 'write';
  bytes: number;
  preview: Uint8Array;
}

/**
 * A bounded ring of capture records as typed-array columns, previews in one byte array: memory is
 * capacity x (21 + previewBytes) bytes whatever the run's length.
 */
export class CaptureRing {
  readonly atUs: Float64Array;
  readonly connectionId: Uint32Array;
  readonly bytes: Uint32Array;
  readonly endpoint: Uint16Array;
  readonly direction: Uint8Array;
  readonly previewLength: Uint16Array;
  readonly previews: Uint8Array;
  private start = 0;
  length = 0;
  /** Records ever pushed; the oldest kept is `total - length`. */
  total = 0;

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

  get dropped(): number {
    return this.total - this.length;
  }

  /** Appends a batch's records; a batch larger than the ring keeps its newest records. */
  push(capture: LiveCapture): void {
    const skip = Math.max(0, capture.count - this.capacity);
    this.total += skip;
    for (let i = skip; i < capture.count; i++) {
      const slot = this.length < this.capacity ? (this.start + this.length) % this.capacity : this.start;
      if (this.length < this.capacity) this.length += 1;
      else this.start = (this.start + 1) % this.capacity;
      this.total += 1;
      this.atUs[slot] = capture.atUs[i] ?? 0;
      this.connectionId[slot] = capture.connectionId[i] ?? 0;
      this.bytes[slot] = capture.bytes[i] ?? 0;
      this.endpoint[slot] = capture.endpoint[i] ?? 0;
      this.direction[slot] = capture.direction[i] ?? 0;
      const keep = Math.min(capture.previewLength[i] ?? 0, this.previewBytes, capture.previewBytes);
      this.previewLength[slot] = keep;
      if (this.previewBytes > 0) {
        const from = i * capture.previewBytes;
        this.previews.set(capture.previews.subarray(from, from + keep), slot * this.previewBytes);
      }
    }
  }

  /** The slot of the i-th oldest record kept. */
  slotOf(index: number): number {
    return (this.start + index) % this.capacity;
  }

  /** A record by its run-wide sequence number, or null once the ring has dropped it. */
  recordAt(sequence: number): CaptureRecord | null {
    const index = sequence - (this.total - this.length);
    if (index < 0 || index >= this.length) return null;
    const slot = this.slotOf(index);
    const length = this.previewLength[slot] ?? 0;
    return {
      sequence,
      atUs: this.atUs[slot] ?? 0,
      connectionId: this.connectionId[slot] ?? 0,
      endpoint: this.endpoint[slot] ?? 0,
      direction: this.direction[slot] === 1 ? 'write' : 'read',
      bytes: this.bytes[slot] ?? 0,
      preview: this.previews.slice(slot * this.previewBytes, slot * this.previewBytes + length),
    };
  }

  /** Sequence numbers of the kept records of one connection, oldest first, at most `limit` newest. */
  sequencesOf(connectionId: number, limit = Number.POSITIVE_INFINITY): number[] {
    const out: number[] = [];
    const first = this.total - this.length;
    for (let index = this.length - 1; index >= 0 && out.length < limit; index--) {
      if (this.connectionId[this.slotOf(index)] === connectionId) out.push(first + index);
    }
    return out.reverse();
  }
}

/** The run's capture for the stream view: a bounded ring, the selected record, a redraw counter. */
export const useCaptureStore = defineStore('capture', () => {
  const settings = useSettingsStore();
  const version = ref(0);
  const ring = shallowRef(markRaw(new CaptureRing(settings.captureCapacity, 64)));
  const selected = shallowRef<CaptureRecord | null>(null);
  const engineDropped = ref(0);

  function reset(previewBytes: number): void {
    ring.value = markRaw(new CaptureRing(settings.captureCapacity, previewBytes));
    selected.value = null;
    engineDropped.value = 0;
    version.value += 1;
  }

  function ingest(capture: LiveCapture): void {
    if (capture.previewBytes !== ring.value.previewBytes && ring.value.total === 0) {
      ring.value = markRaw(new CaptureRing(settings.captureCapacity, capture.previewBytes));
    }
    engineDropped.value += capture.dropped;
    if (capture.count === 0) return;
    ring.value.push(capture);
    version.value += 1;
  }

  function select(sequence: number | null): void {
    selected.value = sequence === null ? null : ring.value.recordAt(sequence);
  }

  return { version, ring, selected, engineDropped, reset, ingest, select };
});
