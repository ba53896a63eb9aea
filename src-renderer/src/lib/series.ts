/** One chart point; Chart.js reads `x` and `y` directly with parsing off. */
export interface Point {
  x: number;
  y: number;
}

/**
 * A bounded history of points, oldest first. Plain arrays outside Vue reactivity: Chart.js reads
 * them as they are. Past the capacity the oldest points are dropped in one splice per
 * `slack` points, so a push costs O(1) amortised and the array never exceeds capacity + slack.
 */
export class PointHistory {
  readonly points: Point[] = [];
  private readonly slack: number;

  constructor(readonly capacity: number) {
    this.slack = Math.max(1, Math.floor(capacity / 16));
  }

  push(x: number, y: number): void {
    this.points.push({ x, y });
    if (this.points.length >= this.capacity + this.slack) this.points.splice(0, this.points.length - this.capacity);
  }

  get last(): Point | undefined {
    return this.points[this.points.length - 1];
  }

  clear(): void {
    this.points.length = 0;
  }
}

/** A fixed-size ring of numbers in a Float64Array: the newest `capacity` values, oldest first on read. */
export class NumberRing {
  private readonly values: Float64Array;
  private start = 0;
  length = 0;
  dropped = 0;

  constructor(readonly capacity: number) {
    this.values = new Float64Array(capacity);
  }

  push(value: number): void {
    if (this.length < this.capacity) {
      this.values[(this.start + this.length) % this.capacity] = value;
      this.length += 1;
      return;
    }
    this.values[this.start] = value;
    this.start = (this.start + 1) % this.capacity;
    this.dropped += 1;
  }

  /** The i-th oldest value. */
  at(index: number): number {
    return this.values[(this.start + index) % this.capacity] ?? Number.NaN;
  }

  toArray(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.length; i++) out.push(this.at(i));
    return out;
  }
}

/** One chart line: a label, a colour and the history it draws (read, never copied, per redraw). */
export interface ChartSeries {
  label: string;
  color: string;
  points: Point[];
}
