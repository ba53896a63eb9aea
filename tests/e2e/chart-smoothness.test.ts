// Chart smoothness in Chromium: 16 series (4 charts of 4) with ten minutes of history at 10 samples/s
// (6000 points each), redrawn through the real adapter on every animation frame. Prints the
// per-frame redraw time and frame interval, and the JS heap before and after a simulated long run.
import { existsSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import vue from '@vitejs/plugin-vue';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, CDPSession, Page } from 'playwright-core';
import { launchChromium, screenshotPath, viewport } from './browser.js';

const outDir = join('test-artifacts', 'chart-bench');
let browser: Browser;
let page: Page;
let cdp: CDPSession;

interface Measurement {
  updateMs: number[];
  updateAndRasterMs: number[];
  perChartUpdateMs: number[];
  perChartUpdateAndRasterMs: number[];
  frameIntervalMs: number[];
}

interface BenchWindow {
  chartBench: {
    fill(): void;
    mountAdapter(): void;
    mountReference(): void;
    unmount(): void;
    measure(frames: number): Promise<Measurement>;
    measureLive(seconds: number): Promise<{ frameChartMs: number[]; batches: number; redraws: number }>;
    simulate(samples: number, redrawEvery: number): void;
    pointCounts(): number[];
    drawnCounts(): { plotWidthPx: number; points: number[] }[];
    seriesVisible(chart: number, index: number): boolean;
    historyPoints: number;
  };
}

function stats(values: number[]): { mean: number; p95: number; max: number } {
  const sorted = [...values].sort((a, b) => a - b);
  const mean = values.reduce((sum, value) => sum + value, 0) / Math.max(1, values.length);
  return { mean, p95: sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.95))] ?? 0, max: sorted[sorted.length - 1] ?? 0 };
}

function describeMs(values: number[]): string {
  const { mean, p95, max } = stats(values);
  return `mean ${mean.toFixed(2)} ms, p95 ${p95.toFixed(2)} ms, max ${max.toFixed(2)} ms`;
}

function report(name: string, measured: Measurement): string {
  return (
    `${name}, over ${measured.updateMs.length} frames:\n` +
    `  4 charts, update (JavaScript):        ${describeMs(measured.updateMs)}\n` +
    `  4 charts, update + raster:            ${describeMs(measured.updateAndRasterMs)}\n` +
    `  per chart, update (JavaScript):       ${describeMs(measured.perChartUpdateMs)}\n` +
    `  per chart, update + raster:           ${describeMs(measured.perChartUpdateAndRasterMs)}\n` +
    `  frame interval:                       ${describeMs(measured.frameIntervalMs)}`
  );
}

async function usedHeapBytes(): Promise<number> {
  await cdp.send('HeapProfiler.collectGarbage');
  await cdp.send('HeapProfiler.collectGarbage');
  const usage = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  return usage.usedSize;
}

beforeAll(async () => {
  await build({
    configFile: false,
    logLevel: 'warn',
    plugins: [vue()],
    define: { 'process.env.NODE_ENV': JSON.stringify('production') },
    build: {
      outDir,
      emptyOutDir: true,
      minify: false,
      lib: { entry: join('tests', 'e2e', 'bench', 'chart-bench.ts'), formats: ['iife'], name: 'ChartBench', fileName: () => 'chart-bench.js', cssFileName: 'chart-bench' },
    },
  });
  browser = await launchChromium();
  page = await browser.newPage({ viewport });
  cdp = await page.context().newCDPSession(page);
  await page.setContent('<!doctype html><html><head><style>body{margin:0;font-family:system-ui}.bench-grid{display:grid;grid-template-columns:1fr 1fr;gap:8px;padding:8px}</style></head><body><div id="app"></div></body></html>');
  const css = join(outDir, 'chart-bench.css');
  if (existsSync(css)) await page.addStyleTag({ path: css });
  await page.addScriptTag({ path: join(outDir, 'chart-bench.js') });
  await page.waitForFunction(() => (window as unknown as BenchWindow).chartBench !== undefined);
}, 120_000);

afterAll(async () => {
  await browser?.close();
});

describe('chart smoothness', () => {
  it('redraws 16 series of 6000 points per frame, and the heap stays flat over a long run', async () => {
    await page.evaluate(() => (window as unknown as BenchWindow).chartBench.fill());
    const counts = await page.evaluate(() => (window as unknown as BenchWindow).chartBench.pointCounts());
    expect(counts).toHaveLength(16);
    for (const count of counts) expect(count).toBeGreaterThanOrEqual(6000);

    // Before: the whole history handed to Chart.js and its LTTB decimation, as the adapter once did.
    await page.evaluate(() => (window as unknown as BenchWindow).chartBench.mountReference());
    const before = await page.evaluate(() => (window as unknown as BenchWindow).chartBench.measure(30));
    await page.evaluate(() => (window as unknown as BenchWindow).chartBench.unmount());

    await page.evaluate(() => (window as unknown as BenchWindow).chartBench.mountAdapter());
    const after = await page.evaluate(() => (window as unknown as BenchWindow).chartBench.measure(60));
    console.log(
      `chart redraw per frame, 4 charts of 4 series x ${counts[0]} points (10 min at 10 samples/s), 1280x800, load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} CPUs\n` +
        `${report('before: whole history to Chart.js, its LTTB decimation', before)}\n` +
        `${report('after: TimeSeriesChart min/max per pixel column', after)}`,
    );
    const live = await page.evaluate(() => (window as unknown as BenchWindow).chartBench.measureLive(5));
    console.log(
      `live rhythm, a batch every 100 ms and the adapter scheduling its own redraws (chart-frames.ts), over ${live.batches} batches:\n` +
        `  chart work per animation frame:       ${describeMs(live.frameChartMs)} over ${live.frameChartMs.length} frames\n` +
        `  redraws per chart and batch:          ${(live.redraws / 4 / Math.max(1, live.batches)).toFixed(2)}`,
    );
    await page.screenshot({ path: screenshotPath('chart-bench') });
    // A sanity bound only: a redraw that takes longer than a quarter second is broken, not slow.
    expect(stats(after.updateMs).mean).toBeLessThan(250);

    // Chart.js is handed at most two points per pixel column of the plot (and the two ends), never the history.
    const drawn = await page.evaluate(() => (window as unknown as BenchWindow).chartBench.drawnCounts());
    expect(drawn).toHaveLength(4);
    for (const chart of drawn) {
      expect(chart.points).toHaveLength(4);
      for (const points of chart.points) {
        expect(points).toBeGreaterThan(chart.plotWidthPx / 2);
        expect(points).toBeLessThanOrEqual(2 * Math.ceil(chart.plotWidthPx) + 4);
      }
    }

    // The legend is HTML: a click hides the series in the chart, another shows it again.
    const legendItem = page.locator('.chart__legend button', { hasText: /^series 2$/ });
    await legendItem.click();
    expect(await legendItem.getAttribute('aria-pressed')).toBe('false');
    expect(await page.evaluate(() => (window as unknown as BenchWindow).chartBench.seriesVisible(0, 1))).toBe(false);
    await legendItem.click();
    expect(await page.evaluate(() => (window as unknown as BenchWindow).chartBench.seriesVisible(0, 1))).toBe(true);

    const heapBefore = await usedHeapBytes();
    // One simulated hour: 36,000 samples per series, redrawn once per simulated minute (the redraws
    // are what the first part measured; here what matters is what stays allocated).
    await page.evaluate(() => (window as unknown as BenchWindow).chartBench.simulate(36_000, 600));
    const heapAfter = await usedHeapBytes();
    const countsAfter = await page.evaluate(() => (window as unknown as BenchWindow).chartBench.pointCounts());
    const drawnAfter = await page.evaluate(() => (window as unknown as BenchWindow).chartBench.drawnCounts());
    console.log(
      `JS heap after GC: ${(heapBefore / 1e6).toFixed(2)} MB with the history full, ${(heapAfter / 1e6).toFixed(2)} MB after a simulated hour more (${((heapAfter - heapBefore) / 1e6).toFixed(2)} MB change); points per series ${Math.max(...countsAfter)} kept, ${Math.max(...drawnAfter.flatMap((chart) => chart.points))} drawn`,
    );
    for (const count of countsAfter) expect(count).toBeLessThanOrEqual(6000 + 6000 / 16);
    for (const chart of drawnAfter) for (const points of chart.points) expect(points).toBeLessThanOrEqual(2 * Math.ceil(chart.plotWidthPx) + 4);
    // Flat: bounded histories mean the hour adds nothing that survives a collection.
    expect(heapAfter).toBeLessThan(heapBefore * 1.25 + 2e6);
  }, 300_000);
});
