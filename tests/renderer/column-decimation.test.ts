// The chart adapter's reduction of a history to a few points per pixel column: spikes survive, the
// ends are exact, the buckets kept between redraws match a fresh reduction, and memory is bounded.
import { describe, expect, it } from 'vitest';
import { MinMaxColumns } from '../../src-renderer/src/lib/column-decimation.js';
import { PointHistory, type Point } from '../../src-renderer/src/lib/series.js';

function spanOf(points: readonly Point[]): number {
  return points[points.length - 1]!.x - points[0]!.x;
}

function copy(points: readonly Point[]): Point[] {
  return points.map(({ x, y }) => ({ x, y }));
}

describe('MinMaxColumns', () => {
  it('keeps a one-sample spike and a one-sample dip at their full size', () => {
    const history = new PointHistory(6000);
    for (let i = 0; i < 6000; i++) history.push(i / 10, i === 3210 ? 1000 : i === 4001 ? -500 : 50 + 10 * Math.sin(i / 30));
    const drawn = new MinMaxColumns().view(history.points, spanOf(history.points), 300);
    expect(drawn.length).toBeLessThanOrEqual(2 * 300 + 4);
    expect(drawn).toContainEqual({ x: 321, y: 1000 });
    expect(drawn).toContainEqual({ x: 400.1, y: -500 });
    expect(Math.max(...drawn.map((point) => point.y))).toBe(1000);
    expect(Math.min(...drawn.map((point) => point.y))).toBe(-500);
  });

  it('draws the first and the latest point exactly, in ascending x', () => {
    const history = new PointHistory(6000);
    const columns = new MinMaxColumns();
    for (let i = 0; i < 9000; i++) {
      history.push(i / 10, (i * 7919) % 101);
      if (i % 37 !== 0) continue;
      const drawn = columns.view(history.points, spanOf(history.points), 250);
      expect(drawn[0]).toEqual(history.points[0]);
      expect(drawn[drawn.length - 1]).toEqual(history.last);
      const descending = drawn.findIndex((point, k) => k > 0 && point.x <= drawn[k - 1]!.x);
      expect(descending).toBe(-1);
    }
  });

  it('gives, redraw after redraw, what a fresh reduction of the same history gives', () => {
    // The history drops its oldest points in steps while new ones arrive: the kept buckets must
    // forget the dropped points, including inside the bucket the history now starts in.
    const history = new PointHistory(2000);
    const kept = new MinMaxColumns();
    for (let i = 0; i < 8000; i++) {
      history.push(i / 10 + (i % 3) / 100, i % 500 === 7 ? 900 - i / 100 : (i * 31) % 17);
      if (i % 23 !== 0) continue;
      const span = spanOf(history.points);
      const incremental = copy(kept.view(history.points, span, 180));
      expect(incremental).toEqual(copy(new MinMaxColumns().view(history.points, span, 180)));
    }
  });

  it('stays within its ring and output whatever the run length', () => {
    const history = new PointHistory(6000);
    const columns = new MinMaxColumns();
    let longestView = 0;
    let mostBuckets = 0;
    for (let i = 0; i < 100_000; i++) {
      history.push(i / 10, Math.random());
      if (i % 10 !== 0) continue;
      longestView = Math.max(longestView, columns.view(history.points, spanOf(history.points), 400).length);
      mostBuckets = Math.max(mostBuckets, columns.bucketCount);
    }
    expect(longestView).toBeLessThanOrEqual(2 * 400 + 4);
    expect(mostBuckets).toBeLessThanOrEqual(400 + 3);
    expect(mostBuckets).toBeGreaterThan(400 / 2);
  });

  it('passes a short history through unchanged and starts over when handed another one', () => {
    const columns = new MinMaxColumns();
    const short = [
      { x: 1, y: 5 },
      { x: 2, y: 7 },
      { x: 3, y: 6 },
    ];
    expect(copy(columns.view(short, 2, 300))).toEqual(short);
    const long = Array.from({ length: 5000 }, (_, i) => ({ x: i, y: i % 2 }));
    expect(columns.view(long, 4999, 100).length).toBeLessThanOrEqual(204);
    const other = Array.from({ length: 5000 }, (_, i) => ({ x: i, y: 3 }));
    expect(copy(columns.view(other, 4999, 100)).every((point) => point.y === 3)).toBe(true);
  });
});
