// A browser page for the chart measurement: the real TimeSeriesChart adapter and PointHistory,
// four charts of four series each, filled with ten minutes at 10 samples/s. Built with Vite by
// chart-smoothness.test.ts and driven from there through `window.chartBench`.
import { createApp, h } from 'vue';
import TimeSeriesChart from '../../../src-renderer/src/components/TimeSeriesChart.vue';
import { PointHistory } from '../../../src-renderer/src/lib/series.js';
import { colorAt } from '../../../src-renderer/src/lib/palette.js';

const chartCount = 4;
const seriesPerChart = 4;
const samplesPerSecond = 10;
const historyPoints = 10 * 60 * samplesPerSecond;

const histories = Array.from({ length: chartCount * seriesPerChart }, () => new PointHistory(historyPoints));
let sampleIndex = 0;

function pushSample(): void {
  sampleIndex += 1;
  const x = sampleIndex / samplesPerSecond;
  histories.forEach((history, series) => history.push(x, 50 + 40 * Math.sin(x / 7 + series) + 10 * Math.random()));
}

const charts: { redraw(): void }[] = [];

createApp({
  setup() {
    return () =>
      h(
        'div',
        { class: 'bench-grid' },
        Array.from({ length: chartCount }, (_, chart) =>
          h(TimeSeriesChart, {
            ref: (instance: unknown) => {
              if (instance) charts[chart] = instance as { redraw(): void };
            },
            title: `chart ${chart + 1}`,
            yLabel: 'value',
            version: 0,
            height: 300,
            source: () =>
              histories.slice(chart * seriesPerChart, (chart + 1) * seriesPerChart).map((history, index) => ({
                label: `series ${chart * seriesPerChart + index + 1}`,
                color: colorAt(index),
                points: history.points,
              })),
          }),
        ),
      );
  },
}).mount('#app');

function redrawAll(): number {
  const start = performance.now();
  for (const chart of charts) chart.redraw();
  return performance.now() - start;
}

interface Measurement {
  redrawMs: number[];
  frameIntervalMs: number[];
}

/**
 * Redraws all charts on every animation frame for `frames` frames while samples arrive at
 * 10 per second of wall time; records the adapter's redraw time and the interval between frames.
 */
function measure(frames: number): Promise<Measurement> {
  return new Promise((resolve) => {
    const redrawMs: number[] = [];
    const frameIntervalMs: number[] = [];
    let last: number | null = null;
    let nextSampleAt = performance.now();
    const step = (now: number) => {
      if (last !== null) frameIntervalMs.push(now - last);
      last = now;
      while (performance.now() >= nextSampleAt) {
        pushSample();
        nextSampleAt += 1000 / samplesPerSecond;
      }
      redrawMs.push(redrawAll());
      if (redrawMs.length < frames) requestAnimationFrame(step);
      else resolve({ redrawMs, frameIntervalMs });
    };
    requestAnimationFrame(step);
  });
}

/** Pushes `samples` samples per series, redrawing once per `redrawEvery` samples, as a long run would. */
function simulate(samples: number, redrawEvery: number): void {
  for (let i = 0; i < samples; i++) {
    pushSample();
    if (i % redrawEvery === 0) redrawAll();
  }
  redrawAll();
}

function pointCounts(): number[] {
  return histories.map((history) => history.points.length);
}

declare global {
  interface Window {
    chartBench: { fill(): void; measure: typeof measure; simulate: typeof simulate; pointCounts: typeof pointCounts; historyPoints: number; ready(): boolean };
  }
}

window.chartBench = {
  fill: () => {
    while (sampleIndex < historyPoints) pushSample();
    redrawAll();
  },
  measure,
  simulate,
  pointCounts,
  historyPoints,
  ready: () => charts.length === chartCount,
};
