import { Chart, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

let registered = false;

/**
 * Registers only what the line charts use, once. No Decimation plugin: TimeSeriesChart hands
 * Chart.js points already reduced to the plot's width (column-decimation.ts). No Legend plugin:
 * the legend is HTML, which does not re-measure its text on every redraw.
 */
export function registerChartParts(): void {
  if (registered) return;
  Chart.register(LineController, LineElement, PointElement, LinearScale, Tooltip);
  registered = true;
}

export { Chart };
