import { markRaw, ref, shallowRef } from 'vue';
import { defineStore } from 'pinia';
import { captureDirection, CaptureRing as ColumnRing } from '../../../src-shared/capture-ring.js';
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
 * The run's capture records in the shared column ring (memory capacity x (21 + previewBytes)
 * bytes whatever the run's length), read back by run-wide sequence number.
 */
export class CaptureRing extends ColumnRing {
  /** Records kept. */
  get length(): number {
    return this.count;
  }

  /** Records ever pushed; the oldest kept is `total - length`. */
  get total(): number {
    return this.written;
  }

  get dropped(): number {
    return this.overwritten;
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
      direction: this.direction[slot] === captureDirection.write ? 'write' : 'read',
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
