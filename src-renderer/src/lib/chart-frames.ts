/**
 * Chart redraws share animation frames. A frame runs queued redraws, oldest request first, until
 * `budgetMs` is spent (always at least one), and leaves the rest to the next frame: when a batch
 * of samples moves six charts at once, the page pays for one or two per frame instead of one long
 * frame for all six. At 10 batches a second there are six frames per batch to spread them over.
 */
export interface FrameQueue {
  /** Runs `redraw` on a coming frame; asking again before it ran keeps its place and runs it once. */
  request(redraw: () => void): void;
  cancel(redraw: () => void): void;
}

export function createFrameQueue(budgetMs: number, requestFrame: (run: () => void) => void, nowMs: () => number): FrameQueue {
  // A Set keeps insertion order, and deleting while iterating is allowed.
  const queued = new Set<() => void>();
  let frameRequested = false;

  function runFrame(): void {
    frameRequested = false;
    const start = nowMs();
    for (const redraw of queued) {
      queued.delete(redraw);
      redraw();
      if (nowMs() - start >= budgetMs) break;
    }
    if (queued.size > 0) requestNextFrame();
  }

  function requestNextFrame(): void {
    if (frameRequested) return;
    frameRequested = true;
    requestFrame(runFrame);
  }

  return {
    request(redraw) {
      queued.add(redraw);
      requestNextFrame();
    },
    cancel(redraw) {
      queued.delete(redraw);
    },
  };
}

/** About a quarter of a 60 Hz frame for charts; measured at one or two charts of 16 series on an idle machine. */
export const chartFrameBudgetMs = 4;

let shared: FrameQueue | null = null;

/** The queue every TimeSeriesChart on the page shares. */
export function chartFrames(): FrameQueue {
  shared ??= createFrameQueue(chartFrameBudgetMs, (run) => requestAnimationFrame(run), () => performance.now());
  return shared;
}
