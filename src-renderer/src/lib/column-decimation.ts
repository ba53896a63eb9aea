import type { Point } from './series';

/**
 * Bucket widths step through quarter powers of two (1, 1.19, 1.41, 1.68, 2, ...) so that a growing
 * time span changes the width, and so rebuilds the buckets, only once per 19 % of growth, and the
 * bucket edges (multiples of the width) stay put while the window slides.
 */
function bucketWidthFor(spanX: number, columns: number): number {
  return 2 ** (Math.ceil(4 * Math.log2(spanX / columns)) / 4);
}

/**
 * One series reduced for drawing: its history cut into buckets of x no wider than one pixel
 * column of the plot, each bucket kept as its lowest and its highest point (in time order), so a
 * one-sample spike is still drawn at its full height, which an average or LTTB can lose. The first
 * and the latest point of the history are drawn exactly.
 *
 * The buckets are kept between redraws: new points are folded into the last bucket or open a new
 * one, buckets that left the history are dropped from the front, and only a change of the bucket
 * width (the span grew or the plot was resized) reads the whole history again. Memory is a fixed
 * ring of `columns + 3` buckets (for the widest plot seen) and one output array of at most `2 * columns + 4` points, reused.
 *
 * The history must be in ascending x; it may drop points from its front and append at its end,
 * which is what PointHistory does. Each of its points is a distinct object: the last one read
 * marks where the next read starts.
 */
export class MinMaxColumns {
  private source: readonly Point[] | null = null;
  private lastRead: Point | null = null;
  private bucketWidth = 0;
  private capacity = 0;
  private start = 0;
  private count = 0;
  private bucketIndex = new Float64Array(0);
  private earliestX = new Float64Array(0);
  private minX = new Float64Array(0);
  private minY = new Float64Array(0);
  private maxX = new Float64Array(0);
  private maxY = new Float64Array(0);
  /** What the chart reads; its points come from `pool`, so a shorter view allocates nothing next time. */
  private readonly out: Point[] = [];
  private readonly pool: Point[] = [];
  private outLength = 0;

  /**
   * The points to draw for `points` on a plot `columns` pixels wide whose x axis spans `spanX`.
   * The returned array and its points are reused by the next call: hand it to the chart, do not keep it.
   */
  view(points: readonly Point[], spanX: number, columns: number): Point[] {
    this.outLength = 0;
    const wholeColumns = Math.max(1, Math.floor(columns));
    if (points.length <= 2 * wholeColumns + 4 || !(spanX > 0)) {
      this.forget();
      for (const point of points) this.emit(point.x, point.y);
      return this.finish();
    }
    const width = bucketWidthFor(spanX, wholeColumns);
    // The plot width moves by a pixel when the axis labels change: only a wider plot needs a larger ring.
    if (width !== this.bucketWidth || points !== this.source || wholeColumns + 3 > this.capacity || !this.readNew(points)) {
      this.rebuild(points, width, Math.max(this.capacity, wholeColumns + 3));
    }
    this.dropLeftBuckets(points);

    const first = points[0]!;
    const latest = points[points.length - 1]!;
    this.emit(first.x, first.y);
    for (let i = 0; i < this.count; i++) {
      const slot = (this.start + i) % this.capacity;
      const lowFirst = this.minX[slot]! <= this.maxX[slot]!;
      if (lowFirst) {
        this.emit(this.minX[slot]!, this.minY[slot]!);
        this.emit(this.maxX[slot]!, this.maxY[slot]!);
      } else {
        this.emit(this.maxX[slot]!, this.maxY[slot]!);
        this.emit(this.minX[slot]!, this.minY[slot]!);
      }
    }
    this.emit(latest.x, latest.y);
    return this.finish();
  }

  /** Buckets held now; bounded by the plot width, whatever the history's length. */
  get bucketCount(): number {
    return this.count;
  }

  private forget(): void {
    this.source = null;
    this.lastRead = null;
    this.count = 0;
  }

  private rebuild(points: readonly Point[], width: number, capacity: number): void {
    this.source = points;
    this.bucketWidth = width;
    if (capacity !== this.capacity) {
      this.capacity = capacity;
      this.bucketIndex = new Float64Array(capacity);
      this.earliestX = new Float64Array(capacity);
      this.minX = new Float64Array(capacity);
      this.minY = new Float64Array(capacity);
      this.maxX = new Float64Array(capacity);
      this.maxY = new Float64Array(capacity);
    }
    this.start = 0;
    this.count = 0;
    for (const point of points) this.add(point);
    this.lastRead = points[points.length - 1] ?? null;
  }

  /** Folds in the points after the last one read; false when that point is gone (read everything again). */
  private readNew(points: readonly Point[]): boolean {
    if (this.lastRead === null) return false;
    let from = points.length;
    while (from > 0 && points[from - 1] !== this.lastRead) from -= 1;
    if (from === 0) return false;
    for (let i = from; i < points.length; i++) this.add(points[i]!);
    this.lastRead = points[points.length - 1]!;
    return true;
  }

  private add(point: Point): void {
    const index = Math.floor(point.x / this.bucketWidth);
    const lastSlot = (this.start + this.count - 1) % this.capacity;
    if (this.count > 0 && index <= this.bucketIndex[lastSlot]!) {
      this.widen(lastSlot, point);
      return;
    }
    if (this.count === this.capacity) {
      // Cannot happen while the width fits the span; kept so that memory stays fixed regardless.
      this.start = (this.start + 1) % this.capacity;
      this.count -= 1;
    }
    const slot = (this.start + this.count) % this.capacity;
    this.count += 1;
    this.bucketIndex[slot] = index;
    this.earliestX[slot] = point.x;
    this.minX[slot] = point.x;
    this.minY[slot] = point.y;
    this.maxX[slot] = point.x;
    this.maxY[slot] = point.y;
  }

  private widen(slot: number, point: Point): void {
    // NaN (a gap) never wins a comparison, so it never becomes an extreme.
    if (point.y < this.minY[slot]! || Number.isNaN(this.minY[slot]!)) {
      this.minX[slot] = point.x;
      this.minY[slot] = point.y;
    }
    if (point.y > this.maxY[slot]! || Number.isNaN(this.maxY[slot]!)) {
      this.maxX[slot] = point.x;
      this.maxY[slot] = point.y;
    }
  }

  /**
   * Drops buckets wholly left of the history's first point, and reads the first remaining bucket
   * again from the history when it still holds extremes of points the history no longer has.
   */
  private dropLeftBuckets(points: readonly Point[]): void {
    const firstX = points[0]!.x;
    while (this.count > 0 && (this.bucketIndex[this.start]! + 1) * this.bucketWidth <= firstX) {
      this.start = (this.start + 1) % this.capacity;
      this.count -= 1;
    }
    if (this.count === 0 || this.earliestX[this.start]! >= firstX) return;
    const slot = this.start;
    const index = this.bucketIndex[slot]!;
    this.earliestX[slot] = firstX;
    this.minX[slot] = firstX;
    this.minY[slot] = points[0]!.y;
    this.maxX[slot] = firstX;
    this.maxY[slot] = points[0]!.y;
    for (let i = 1; i < points.length && Math.floor(points[i]!.x / this.bucketWidth) <= index; i++) this.widen(slot, points[i]!);
  }

  private emit(x: number, y: number): void {
    if (this.outLength > 0) {
      const previous = this.out[this.outLength - 1]!;
      if (previous.x === x && (previous.y === y || (Number.isNaN(previous.y) && Number.isNaN(y)))) return;
    }
    let point = this.pool[this.outLength];
    if (point) {
      point.x = x;
      point.y = y;
    } else {
      point = { x, y };
      this.pool.push(point);
    }
    this.out[this.outLength] = point;
    this.outLength += 1;
  }

  private finish(): Point[] {
    this.out.length = this.outLength;
    return this.out;
  }
}
