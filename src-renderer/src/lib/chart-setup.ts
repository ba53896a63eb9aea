import { Chart, Legend, LinearScale, LineController, LineElement, PointElement, Tooltip } from 'chart.js';

let registered = false;

/**
 * Registers only what the line charts use, once. No Decimation plugin: TimeSeriesChart hands
 * Chart.js points already reduced to the plot's width (column-decimation.ts).
 */
export function registerChartParts(): void {
  if (registered) return;
  Chart.register(LineController, LineElement, PointElement, LinearScale, Legend, Tooltip);
  registered = true;
}

export { Chart };
