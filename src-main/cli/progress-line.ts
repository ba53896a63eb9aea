import type { RunProgress } from '../engine/run.js';
import type { OutputStream } from './cli-io.js';
import { formatBytes, formatMicrosAsMillisShort } from '../../src-shared/units.js';

/**
 * One line of run progress, short enough for an 80-column terminal:
 * "1.2/3.0 s  in 4.48 kB  out 4.48 kB  conn 2/2  p50/p99 43.5/44.5 ms  errors 0"
 * (elapsed/duration, bytes, connections open/total, latency so far, errors).
 */
export function formatProgress(progress: RunProgress): string {
  const seconds = (ms: number): string => (ms / 1000).toFixed(1);
  const parts = [
    `${seconds(progress.elapsedMs)}/${seconds(progress.durationMs)} s`,
    `in ${formatBytes(progress.bytesIn)}`,
    `out ${formatBytes(progress.bytesOut)}`,
    `conn ${progress.connectionsOpen}/${progress.connectionsTotal}`,
  ];
  if (progress.latencyUs && progress.latencyUs.count > 0) {
    const { p50, p99 } = progress.latencyUs;
    parts.push(`p50/p99 ${formatMicrosAsMillisShort(p50)}/${formatMicrosAsMillisShort(p99)} ms`);
  }
  parts.push(`errors ${progress.errors}`);
  return parts.join('  ');
}

/** Cuts a line to the terminal width, so that "\r" can rewrite it: a wrapped line cannot be. */
export function fitToWidth(line: string, columns: number): string {
  const width = Math.max(columns - 1, 10);
  return line.length <= width ? line : `${line.slice(0, width - 1)}…`;
}

/** Escape sequence: erase from the cursor to the end of the line. */
const eraseToEndOfLine = '\x1b[K';

/**
 * The live progress line on a terminal: every update rewrites the same line, at most every
 * `minIntervalMs`; clear() leaves the line empty for what is printed next.
 */
export class ProgressLine {
  private shown = false;
  private lastDrawMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly stream: OutputStream,
    private readonly minIntervalMs = 100,
    private readonly now: () => number = () => performance.now(),
  ) {}

  update(progress: RunProgress): void {
    const nowMs = this.now();
    if (nowMs - this.lastDrawMs < this.minIntervalMs) return;
    this.lastDrawMs = nowMs;
    // A pseudo-terminal without a size reports 0 columns.
    const line = fitToWidth(formatProgress(progress), this.stream.columns || 80);
    this.stream.write(`\r${line}${eraseToEndOfLine}`);
    this.shown = true;
  }

  /** Prints a line of its own above the progress line, which the next update draws again. */
  note(text: string): void {
    this.clear();
    this.stream.write(`${text}\n`);
    this.lastDrawMs = Number.NEGATIVE_INFINITY;
  }

  clear(): void {
    if (!this.shown) return;
    this.stream.write(`\r${eraseToEndOfLine}`);
    this.shown = false;
  }
}
