import type { EndpointResult, RunResult } from '../../src-shared/result.js';
import { formatMbitPerSecond, formatMicrosAsMillisShort } from '../../src-shared/units.js';

/** One result to compare, under the name its column is headed with (usually the file name). */
export interface NamedResult {
  name: string;
  result: RunResult;
}

/** Which way is better for a figure: more, less, or neither (a setting such as threads). */
type Better = 'higher' | 'lower' | 'neutral';

interface Metric {
  label: string;
  better: Better;
  value(endpoint: EndpointResult): number | null;
  format(value: number): string;
}

const count = (value: number) => String(value);
const latency = (pick: (latency: NonNullable<EndpointResult['latencyUs']>) => number) => (endpoint: EndpointResult) =>
  endpoint.latencyUs === null || endpoint.latencyUs.count === 0 ? null : pick(endpoint.latencyUs);

/** The rows of each endpoint's table, in order. A value of null is shown as "-" and not compared. */
const metrics: readonly Metric[] = [
  { label: 'Mbit/s in', better: 'higher', value: (endpoint) => endpoint.throughput.bitsPerSecondIn, format: formatMbitPerSecond },
  { label: 'Mbit/s out', better: 'higher', value: (endpoint) => endpoint.throughput.bitsPerSecondOut, format: formatMbitPerSecond },
  { label: 'latency p50 ms', better: 'lower', value: latency((value) => value.p50), format: formatMicrosAsMillisShort },
  { label: 'latency p90 ms', better: 'lower', value: latency((value) => value.p90), format: formatMicrosAsMillisShort },
  { label: 'latency p99 ms', better: 'lower', value: latency((value) => value.p99), format: formatMicrosAsMillisShort },
  { label: 'messages', better: 'higher', value: (endpoint) => endpoint.counters.messages, format: count },
  { label: 'threads', better: 'neutral', value: (endpoint) => endpoint.counters.threads, format: count },
  { label: 'connections', better: 'neutral', value: (endpoint) => endpoint.counters.connectionsTotal, format: count },
  { label: 'errors', better: 'lower', value: (endpoint) => endpoint.counters.errors, format: count },
];

/** Changes smaller than this share of the first value are shown as "=" and never coloured. */
const unchangedBelow = 0.005;

const ansi = { better: '\u001b[32m', worse: '\u001b[31m', dim: '\u001b[2m', bold: '\u001b[1m', reset: '\u001b[0m' } as const;

/**
 * The change of `value` against `base`: "+35% ↑", "-12% ↓", "=" when within half a percent, or
 * "new" when the base is zero. Null when either is missing.
 */
export function relativeChange(base: number | null, value: number | null): { text: string; direction: -1 | 0 | 1 } | null {
  if (base === null || value === null) return null;
  if (base === value) return { text: '=', direction: 0 };
  if (base === 0) return { text: 'new ↑', direction: value > 0 ? 1 : -1 };
  const change = (value - base) / Math.abs(base);
  if (Math.abs(change) < unchangedBelow) return { text: '=', direction: 0 };
  const percent = Math.abs(change) >= 10 ? `${Math.round(change)}x` : `${Math.round(change * 100)}%`;
  const sign = change > 0 ? '+' : '';
  return { text: `${sign}${percent} ${change > 0 ? '↑' : '↓'}`, direction: change > 0 ? 1 : -1 };
}

/**
 * Results side by side: one table per endpoint id (in the order the ids first appear), a row per
 * figure, a column per result. Each column after the first shows its change against the first
 * result; with `color`, a better change is green and a worse one red (for figures where more or
 * less is better). An endpoint missing from a result shows "-".
 */
export function formatComparison(results: readonly NamedResult[], options: { color: boolean }): string {
  const paint = (text: string, style: keyof typeof ansi) => (options.color ? `${ansi[style]}${text}${ansi.reset}` : text);
  const lines: string[] = [];
  results.forEach(({ name, result }, index) => {
    const ending = result.completed ? 'completed' : `stopped early (${result.stopReason})`;
    lines.push(`${index === 0 ? 'base' : `  #${index}`}  ${name}: ${result.profile.name}, ${ending} after ${(result.elapsedMs / 1000).toFixed(1)} s`);
  });

  const ids = [...new Set(results.flatMap(({ result }) => result.endpoints.map((endpoint) => endpoint.id)))];
  for (const id of ids) {
    const endpoints = results.map(({ result }) => result.endpoints.find((endpoint) => endpoint.id === id) ?? null);
    const kinds = [...new Set(endpoints.map((endpoint) => (endpoint === null ? null : `${endpoint.transport} ${endpoint.role}, ${endpoint.model}`)).filter((kind) => kind !== null))];
    lines.push('', paint(`${id}  (${kinds.join(' | ')})`, 'bold'));

    const header = ['', ...results.map(({ name }) => name)];
    const rows: Cell[][] = metrics.map((metric) => {
      const values = endpoints.map((endpoint) => (endpoint === null ? null : metric.value(endpoint)));
      const base = values[0] ?? null;
      return [
        { text: metric.label },
        ...values.map((value, column): Cell => {
          if (value === null) return { text: endpoints[column] === null ? '-' : 'n/a', style: 'dim' };
          const formatted = metric.format(value);
          if (column === 0) return { text: formatted };
          const change = relativeChange(base, value);
          if (change === null) return { text: formatted };
          return { text: `${formatted}  ${change.text}`, style: changeStyle(metric.better, change.direction) };
        }),
      ];
    });
    // A figure no result has for this endpoint (latency of a server) is left out.
    lines.push(...layout(header, rows.filter((row) => row.slice(1).some((cell) => cell.style !== 'dim')), paint));
  }
  return `${lines.join('\n')}\n`;
}

interface Cell {
  text: string;
  style?: keyof typeof ansi;
}

function changeStyle(better: Better, direction: -1 | 0 | 1): keyof typeof ansi | undefined {
  if (direction === 0 || better === 'neutral') return undefined;
  return (direction > 0) === (better === 'higher') ? 'better' : 'worse';
}

/** Columns two spaces apart, the first left-aligned, the rest right-aligned; colour does not count in the widths. */
function layout(header: readonly string[], rows: readonly Cell[][], paint: (text: string, style: keyof typeof ansi) => string): string[] {
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column]?.text.length ?? 0)));
  const line = (cells: readonly Cell[]) =>
    cells
      .map((cell, column) => {
        const width = widths[column] ?? 0;
        const padded = column === 0 ? cell.text.padEnd(width) : cell.text.padStart(width);
        return cell.style === undefined ? padded : paint(padded, cell.style);
      })
      .join('  ')
      .trimEnd();
  return [line(header.map((text) => ({ text }))), ...rows.map(line)].map((text) => `  ${text}`);
}
