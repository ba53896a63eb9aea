// A browser page for the chart measurement: the real TimeSeriesChart adapter and PointHistory,
// four charts of four series each, filled with ten minutes at 10 samples/s. Built with Vite by
// chart-smoothness.test.ts and driven from there through `window.chartBench`. The same histories
// can be drawn by reference charts (reference-charts.ts: the adapter as it was before) for a
// before/after comparison in one run.
import { createApp, h, ref, type App } from 'vue';
import { Chart } from 'chart.js';
import TimeSeriesChart from '../../../src-renderer/src/components/TimeSeriesChart.vue';
import { PointHistory } from '../../../src-renderer/src/lib/series.js';
import { colorAt } from '../../../src-renderer/src/lib/palette.js';
import { referenceChart, registerReferenceParts, unregisterReferenceLegend, type ReferenceChart, type ReferenceSeries } from './reference-charts.js';

const chartCount = 4;
const seriesPerChart = 4;
const samplesPerSecond = 10;
const historyPoints = 10 * 60 * samplesPerSecond;
const chartHeightPx = 300;

const histories = Array.from({ length: chartCount * seriesPerChart }, () => new PointHistory(historyPoints));
let sampleIndex = 0;

function pushSample(): void {
  sampleIndex += 1;
  const x = sampleIndex / samplesPerSecond;
  histories.forEach((history, series) => history.push(x, 50 + 40 * Math.sin(x / 7 + series) + 10 * Math.random()));
}

function seriesOf(chart: number): ReferenceSeries[] {
  return histories.slice(chart * seriesPerChart, (chart + 1) * seriesPerChart).map((history, index) => ({
    label: `series ${chart * seriesPerChart + index + 1}`,
    color: colorAt(index),
    points: history.points,
  }));
}

interface DrawnChart {
  redraw(): void;
  canvas(): HTMLCanvasElement;
}

let charts: DrawnChart[] = [];
/** Counts every chart's draws, to tell whether the charts kept up with the batches. */
let chartDraws = 0;
Chart.register({ id: 'bench-draw-counter', afterDraw: () => void (chartDraws += 1) });
/** Moved at each simulated batch in measureLive, as the samples store's version is. */
const version = ref(0);
let app: App | null = null;
let references: ReferenceChart[] = [];
const root = document.getElementById('app')!;

function mountAdapter(): void {
  const adapters: { redraw(): void; $el: HTMLElement }[] = [];
  app = createApp({
    setup() {
      return () =>
        h(
          'div',
          { class: 'bench-grid' },
          Array.from({ length: chartCount }, (_, chart) =>
            h(TimeSeriesChart, {
              ref: (instance: unknown) => {
                if (instance) adapters[chart] = instance as { redraw(): void; $el: HTMLElement };
              },
              title: `chart ${chart + 1}`,
              yLabel: 'value',
              version: version.value,
              height: chartHeightPx,
              source: () => seriesOf(chart),
            }),
          ),
        );
    },
  });
  app.mount(root);
  charts = adapters.map((adapter) => ({ redraw: () => adapter.redraw(), canvas: () => adapter.$el.querySelector('canvas')! }));
}

/** Reference charts in the same grid and sizes as the adapter's, built without Vue. */
function mountReference(): void {
  registerReferenceParts();
  const grid = document.createElement('div');
  grid.className = 'bench-grid';
  root.append(grid);
  references = Array.from({ length: chartCount }, (_, chart) => {
    const box = document.createElement('div');
    box.style.cssText = `position:relative;height:${chartHeightPx}px;padding:8px 10px`;
    const canvas = document.createElement('canvas');
    box.append(canvas);
    grid.append(box);
    return referenceChart(canvas, () => seriesOf(chart));
  });
  charts = references.map((reference) => ({ redraw: () => reference.redraw(), canvas: () => reference.canvas }));
}

function unmount(): void {
  for (const reference of references) reference.destroy();
  if (references.length > 0) unregisterReferenceLegend();
  references = [];
  app?.unmount();
  app = null;
  root.replaceChildren();
  charts = [];
}

interface Measurement {
  /** Per frame: the JavaScript of all charts' redraws (Chart.js update and its canvas calls). */
  updateMs: number[];
  /** Per frame: the same plus rasterising the canvases, forced by reading back one pixel of each. */
  updateAndRasterMs: number[];
  /** Per chart and frame: the JavaScript of that chart's redraw. */
  perChartUpdateMs: number[];
  /** Per chart and frame: that chart's redraw and raster. */
  perChartUpdateAndRasterMs: number[];
  frameIntervalMs: number[];
}

/**
 * Redraws every chart on every animation frame for `frames` frames while samples arrive at
 * 10 per second of wall time. A canvas draws lazily: its pixels are made when the page paints,
 * outside any script, so a 1-pixel read-back after each chart's redraw charges that work to it.
 */
function measure(frames: number): Promise<Measurement> {
  return new Promise((resolve) => {
    const result: Measurement = { updateMs: [], updateAndRasterMs: [], perChartUpdateMs: [], perChartUpdateAndRasterMs: [], frameIntervalMs: [] };
    let last: number | null = null;
    let nextSampleAt = performance.now();
    const step = (now: number) => {
      if (last !== null) result.frameIntervalMs.push(now - last);
      last = now;
      while (performance.now() >= nextSampleAt) {
        pushSample();
        nextSampleAt += 1000 / samplesPerSecond;
      }
      let update = 0;
      let total = 0;
      for (const chart of charts) {
        const start = performance.now();
        chart.redraw();
        const updated = performance.now();
        chart.canvas().getContext('2d')!.getImageData(0, 0, 1, 1);
        const rasterised = performance.now();
        result.perChartUpdateMs.push(updated - start);
        result.perChartUpdateAndRasterMs.push(rasterised - start);
        update += updated - start;
        total += rasterised - start;
      }
      result.updateMs.push(update);
      result.updateAndRasterMs.push(total);
      if (result.updateMs.length < frames) requestAnimationFrame(step);
      else resolve(result);
    };
    requestAnimationFrame(step);
  });
}

interface LiveMeasurement {
  /** Per animation frame that redrew any chart: the time spent in that frame's chart callbacks. */
  frameChartMs: number[];
  batches: number;
  /** Chart redraws during the measurement, over all charts. */
  redraws: number;
}

/**
 * The Live page's rhythm: a batch of samples every 100 ms moves every chart's version, and the
 * adapter schedules its own redraws (through chart-frames.ts). Animation frame callbacks are timed
 * by wrapping requestAnimationFrame, and summed per frame.
 */
function measureLive(seconds: number): Promise<LiveMeasurement> {
  const requestFrame = window.requestAnimationFrame;
  const perFrame = new Map<number, number>();
  const drawsBefore = chartDraws;
  let batches = 0;
  window.requestAnimationFrame = (callback) =>
    requestFrame((time) => {
      const start = performance.now();
      callback(time);
      perFrame.set(time, (perFrame.get(time) ?? 0) + performance.now() - start);
    });
  const batchTimer = setInterval(() => {
    pushSample();
    version.value += 1;
    batches += 1;
  }, 1000 / samplesPerSecond);
  return new Promise((resolve) => {
    setTimeout(() => {
      clearInterval(batchTimer);
      // Let the last batch's redraws finish before unwrapping.
      setTimeout(() => {
        window.requestAnimationFrame = requestFrame;
        resolve({ frameChartMs: [...perFrame.values()], batches, redraws: chartDraws - drawsBefore });
      }, 200);
    }, seconds * 1000);
  });
}

function redrawAll(): void {
  for (const chart of charts) chart.redraw();
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

/** What Chart.js holds per series of each chart, against the plot width in pixels. */
function drawnCounts(): { plotWidthPx: number; points: number[] }[] {
  return charts.map((chart) => {
    const instance = Chart.getChart(chart.canvas())!;
    return { plotWidthPx: instance.chartArea.width, points: instance.data.datasets.map((_, index) => instance.getDatasetMeta(index).data.length) };
  });
}

/** Whether Chart.js draws series `index` of chart `chart`, for the legend check. */
function seriesVisible(chart: number, index: number): boolean {
  return Chart.getChart(charts[chart]!.canvas())!.isDatasetVisible(index);
}

declare global {
  interface Window {
    chartBench: {
      fill(): void;
      mountAdapter(): void;
      mountReference(): void;
      unmount(): void;
      measure: typeof measure;
      measureLive: typeof measureLive;
      simulate: typeof simulate;
      pointCounts: typeof pointCounts;
      drawnCounts: typeof drawnCounts;
      seriesVisible: typeof seriesVisible;
      historyPoints: number;
    };
  }
}

window.chartBench = {
  fill: () => {
    while (sampleIndex < historyPoints) pushSample();
  },
  mountAdapter,
  mountReference,
  unmount,
  measure,
  measureLive,
  simulate,
  pointCounts,
  drawnCounts,
  seriesVisible,
  historyPoints,
};
