// The "before" of the chart measurement: plain Chart.js charts configured as TimeSeriesChart was
// before it reduced the points itself (the whole history handed to Chart.js, its own LTTB
// decimation plugin). Measured in the same page and run as the adapter, so that the comparison
// holds on a loaded machine, where figures taken minutes apart do not.
import { Chart, Decimation, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';
import type { Point } from '../../../src-renderer/src/lib/series.js';

export interface ReferenceSeries {
  label: string;
  color: string;
  points: Point[];
}

export interface ReferenceChart {
  canvas: HTMLCanvasElement;
  redraw(): void;
  destroy(): void;
}

/**
 * The adapter draws its legend in HTML: Chart.js's Legend is registered (it needs its defaults)
 * only while reference charts exist, so it never reaches the adapter's charts on the same page.
 */
export function registerReferenceParts(): void {
  Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);
}

export function unregisterReferenceLegend(): void {
  Chart.unregister(Legend);
}

export function referenceChart(canvas: HTMLCanvasElement, source: () => ReferenceSeries[]): ReferenceChart {
  const chart = new Chart<'line', Point[]>(canvas, {
    type: 'line',
    data: { datasets: [] },
    // Inline, so that the adapter's charts on the same page never see this plugin.
    plugins: [Decimation],
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      responsive: true,
      maintainAspectRatio: false,
      interaction: { mode: 'nearest', axis: 'x', intersect: false },
      scales: {
        x: { type: 'linear', ticks: { maxTicksLimit: 8, callback: (value) => `${Number(value)} s` } },
        y: { type: 'linear', beginAtZero: true, title: { display: true, text: 'value' }, ticks: { maxTicksLimit: 6 } },
      },
      plugins: {
        decimation: { enabled: true, algorithm: 'lttb' },
        legend: { position: 'bottom', labels: { boxWidth: 10, boxHeight: 10, font: { size: 11 } } },
        tooltip: { enabled: true },
      },
    },
  });
  return {
    canvas,
    redraw() {
      const series = source();
      series.forEach((item, index) => {
        const existing = chart.data.datasets[index];
        if (existing) existing.data = item.points;
        else
          chart.data.datasets[index] = {
            label: item.label,
            data: item.points,
            borderColor: item.color,
            backgroundColor: item.color,
            borderWidth: 1.5,
            pointRadius: 0,
            pointHitRadius: 4,
            spanGaps: true,
            indexAxis: 'x',
          };
      });
      const axis = chart.options.scales!.x as { min?: number; max?: number };
      axis.min = Math.min(...series.map((item) => item.points[0]?.x ?? Infinity));
      axis.max = Math.max(...series.map((item) => item.points[item.points.length - 1]?.x ?? -Infinity));
      chart.update('none');
    },
    destroy() {
      chart.destroy();
    },
  };
}
