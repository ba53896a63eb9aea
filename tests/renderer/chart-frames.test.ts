// Chart redraws share animation frames within a time budget, so one batch never makes one long frame.
import { describe, expect, it } from 'vitest';
import { createFrameQueue } from '../../src-renderer/src/lib/chart-frames.js';

/** Frames run by hand, and a clock that each redraw advances by its cost. */
function harness(budgetMs: number) {
  const frames: (() => void)[] = [];
  let now = 0;
  const queue = createFrameQueue(budgetMs, (run) => frames.push(run), () => now);
  const ran: string[] = [];
  const redraw = (name: string, costMs: number) => () => {
    now += costMs;
    ran.push(name);
  };
  const runFrame = () => {
    const frame = frames.shift();
    frame?.();
    return ran.splice(0);
  };
  return { queue, redraw, runFrame, pendingFrames: () => frames.length };
}

describe('chart frame queue', () => {
  it('runs redraws until the budget is spent and the rest on the next frames, in request order', () => {
    const { queue, redraw, runFrame, pendingFrames } = harness(4);
    const charts = ['a', 'b', 'c', 'd', 'e'].map((name) => redraw(name, 3));
    for (const chart of charts) queue.request(chart);
    expect(pendingFrames()).toBe(1);
    expect(runFrame()).toEqual(['a', 'b']);
    expect(runFrame()).toEqual(['c', 'd']);
    expect(runFrame()).toEqual(['e']);
    expect(pendingFrames()).toBe(0);
  });

  it('always runs one redraw per frame, even one over the budget', () => {
    const { queue, redraw, runFrame } = harness(4);
    queue.request(redraw('slow', 20));
    queue.request(redraw('next', 1));
    expect(runFrame()).toEqual(['slow']);
    expect(runFrame()).toEqual(['next']);
  });

  it('runs a redraw asked for twice once, and not at all once cancelled', () => {
    const { queue, redraw, runFrame, pendingFrames } = harness(4);
    const a = redraw('a', 1);
    const b = redraw('b', 1);
    queue.request(a);
    queue.request(b);
    queue.request(a);
    queue.cancel(b);
    expect(pendingFrames()).toBe(1);
    expect(runFrame()).toEqual(['a']);
    expect(pendingFrames()).toBe(0);
  });
});
