// The capture ring shared by the run's capture, the libuv engine's batches and the Stream view:
// newest records kept, oldest first, the overwritten ones counted, previews cut to size.
import { describe, expect, it } from 'vitest';
import { captureDirection, CaptureRing } from '../../../src-shared/capture-ring.js';
import { CaptureStore } from '../../../src-main/engine/capture-store.js';

const bytesOf = (text: string) => new TextEncoder().encode(text);

describe('the capture ring', () => {
  it('keeps the newest records oldest first, counts the overwritten ones and cuts previews to size', () => {
    const ring = new CaptureRing(3, 4);
    for (let n = 0; n < 5; n++) ring.record(n * 10, 100 + n, n % 2, n % 2 === 0 ? captureDirection.read : captureDirection.write, 1000 + n, bytesOf(`abcdef${n}`), 1, n);
    const columns = ring.drain();
    expect(columns.count).toBe(3);
    expect(columns.dropped).toBe(2);
    expect([...columns.atUs]).toEqual([20, 30, 40]);
    expect([...columns.connectionId]).toEqual([102, 103, 104]);
    expect([...columns.endpoint]).toEqual([0, 1, 0]);
    expect([...columns.direction]).toEqual([captureDirection.read, captureDirection.write, captureDirection.read]);
    expect([...columns.bytes]).toEqual([1002, 1003, 1004]);
    // Record n previews n bytes from offset 1, at most previewBytes of them.
    expect([...columns.previewLength]).toEqual([2, 3, 4]);
    expect(new TextDecoder().decode(columns.previews)).toBe('bc\0\0bcd\0bcde');
    // Drained: the next batch starts empty.
    expect(ring.drain()).toMatchObject({ count: 0, dropped: 0 });
  });

  it('keeps and counts nothing when capture is off', () => {
    const ring = new CaptureRing(0, 16);
    ring.record(1, 1, 0, captureDirection.read, 10, bytesOf('x'));
    expect(ring.drain()).toMatchObject({ count: 0, dropped: 0, previewBytes: 16 });
  });
});

describe('the run capture store', () => {
  it('keeps the newest of a batch larger than itself and adds what the engine lost to the dropped count', () => {
    const source = new CaptureRing(8, 2);
    for (let n = 0; n < 6; n++) source.record(n, n, 1, captureDirection.write, n, Uint8Array.of(n, n + 1));
    const store = new CaptureStore(4, 1);
    store.add({ ...source.drain(), dropped: 7 });
    expect(store.dropped).toBe(2 + 7);
    expect(store.entries(['server', 'client'])).toEqual(
      [2, 3, 4, 5].map((n) => ({ atUs: n, endpoint: 'client', connection: n, direction: 'write', bytes: n, previewHex: n.toString(16).padStart(2, '0') })),
    );
  });
});
