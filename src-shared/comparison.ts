import type { ChatClientFigures, ChatServerFigures } from './chat-figures.js';
import type { ProxyCounters } from './proxy-faults.js';
import type { EndpointResult, RunResult } from './result.js';
import { modelDescription } from './model-summary.js';
import { formatMbitPerSecond, formatMicrosAsMillisShort } from './units.js';

/**
 * Results side by side, as data: per endpoint id a row per figure and a cell per result, each cell
 * after the first with its change against the first result. The terminal table
 * (src-main/cli/compare-text.ts), the HTML page (src-main/engine/report/html.ts) and the
 * renderer's Compare view all draw this one model.
 */

/** One result to compare, under the name its column is headed with (usually the file name). */
export interface NamedResult {
  name: string;
  result: RunResult;
}

/** Which way is better for a figure: more, less, or neither (a setting such as threads). */
export type Better = 'higher' | 'lower' | 'neutral';

/** How a change reads for the figure: better, worse, or neither (no change, or a neutral figure). */
export type Verdict = 'better' | 'worse' | 'neutral';

export interface Change {
  /** "+35% ↑", "-12% ↓", "=", "new ↑". */
  text: string;
  direction: -1 | 0 | 1;
}

export interface ComparisonCell {
  /** null: the endpoint is missing from this result ("-") or the figure does not apply ("n/a"). */
  value: number | null;
  text: string;
  change: Change | null;
  verdict: Verdict;
}

export interface ComparisonRow {
  label: string;
  cells: ComparisonCell[];
}

export interface EndpointComparison {
  id: string;
  /** "tcp client, epoll" for each distinct kind the results have for this id. */
  kinds: string[];
  rows: ComparisonRow[];
}

interface Metric<T = EndpointResult> {
  label: string;
  better: Better;
  value(subject: T): number | null;
  format(value: number): string;
}

const count = (value: number) => String(value);
const latency = (pick: (latency: NonNullable<EndpointResult['latencyUs']>) => number) => (endpoint: EndpointResult) =>
  endpoint.latencyUs === null || endpoint.latencyUs.count === 0 ? null : pick(endpoint.latencyUs);

const chatServer = (pick: (chat: ChatServerFigures) => number) => (endpoint: EndpointResult) => (endpoint.chat?.role === 'server' ? pick(endpoint.chat) : null);
const chatClient = (pick: (chat: ChatClientFigures) => number) => (endpoint: EndpointResult) => (endpoint.chat?.role === 'client' ? pick(endpoint.chat) : null);
const proxied = (pick: (proxy: ProxyCounters) => number) => (endpoint: EndpointResult) => (endpoint.proxy === undefined ? null : pick(endpoint.proxy));
const perBroadcast = (chat: ChatServerFigures) => (chat.broadcasts === 0 ? 0 : chat.bytesEncoded / chat.broadcasts);
const bytes = (value: number) => (Number.isInteger(value) ? String(value) : value.toFixed(1));

/** The rows of each endpoint's table, in order; rows that apply to no endpoint of the id are left out. */
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
  // The proactor models: what their pending operations pinned, and how often a read buffer pool ran empty.
  { label: 'peak bytes pinned', better: 'lower', value: (endpoint) => (endpoint.modelCounters?.backend ? endpoint.modelCounters.peakBytesPinned : null), format: count },
  { label: 'reads that found the read pool empty', better: 'lower', value: (endpoint) => endpoint.modelCounters?.readPool?.exhausted ?? null, format: count },
  // Chat servers: the one encoding per broadcast, and what slow members cost.
  { label: 'chat broadcasts', better: 'higher', value: chatServer((chat) => chat.broadcasts), format: count },
  { label: 'chat bytes encoded per broadcast', better: 'lower', value: chatServer(perBroadcast), format: bytes },
  { label: 'chat deliveries', better: 'higher', value: chatServer((chat) => chat.deliveries), format: count },
  { label: 'chat messages dropped', better: 'lower', value: chatServer((chat) => chat.messagesDropped), format: count },
  { label: 'chat members dropped', better: 'lower', value: chatServer((chat) => chat.membersDropped), format: count },
  { label: 'chat room job hand-offs', better: 'neutral', value: chatServer((chat) => chat.jobsHandedOff), format: count },
  { label: 'chat messages received', better: 'higher', value: chatClient((chat) => chat.messagesReceived), format: count },
  { label: 'chat messages missed', better: 'lower', value: chatClient((chat) => chat.messagesMissed), format: count },
  // Proxies: what went through, and what the faults did.
  { label: 'proxy connections', better: 'neutral', value: proxied((proxy) => proxy.connectionsProxied), format: count },
  { label: 'proxy bytes to server', better: 'neutral', value: proxied((proxy) => proxy.toServer.bytesForwarded), format: count },
  { label: 'proxy bytes to client', better: 'neutral', value: proxied((proxy) => proxy.toClient.bytesForwarded), format: count },
  { label: 'proxy resets injected', better: 'neutral', value: proxied((proxy) => proxy.toServer.resetsInjected + proxy.toClient.resetsInjected), format: count },
  { label: 'proxy bytes blackholed', better: 'neutral', value: proxied((proxy) => proxy.toServer.bytesBlackholed + proxy.toClient.bytesBlackholed), format: count },
  { label: 'proxy upstream connect failures', better: 'lower', value: proxied((proxy) => proxy.upstreamConnectFailures), format: count },
];

/** Changes smaller than this share of the first value are shown as "=" and never judged. */
const unchangedBelow = 0.005;

/**
 * The change of `value` against `base`: "+35% ↑", "-12% ↓", "=" when within half a percent,
 * "+39x ↑" from ten times on, or "new ↑" when the base is zero. Null when either is missing.
 */
export function relativeChange(base: number | null, value: number | null): Change | null {
  if (base === null || value === null) return null;
  if (base === value) return { text: '=', direction: 0 };
  if (base === 0) return { text: value > 0 ? 'new ↑' : 'new ↓', direction: value > 0 ? 1 : -1 };
  const change = (value - base) / Math.abs(base);
  if (Math.abs(change) < unchangedBelow) return { text: '=', direction: 0 };
  const amount = Math.abs(change) >= 10 ? `${Math.round(change)}x` : `${Math.round(change * 100)}%`;
  return { text: `${change > 0 ? '+' : ''}${amount} ${change > 0 ? '↑' : '↓'}`, direction: change > 0 ? 1 : -1 };
}

/** The entry of figures that belong to the whole run rather than to one endpoint. */
export const wholeRunId = '(whole run)';

const secondsOfMs = (ms: number) => (ms / 1000).toFixed(2);
const cpuMsOf = (result: RunResult) => (result.cpuTime === undefined ? null : result.cpuTime.userMs + result.cpuTime.systemMs);

/** The rows of the whole run's table: what the engine's process cost. */
const runMetrics: readonly Metric<RunResult>[] = [
  { label: 'CPU s (engine process)', better: 'lower', value: cpuMsOf, format: secondsOfMs },
  {
    label: 'CPU s per GB moved',
    better: 'lower',
    value: (result) => {
      const cpuMs = cpuMsOf(result);
      const bytes = result.endpoints.reduce((sum, endpoint) => sum + endpoint.throughput.bytesOut, 0);
      return cpuMs === null || bytes === 0 ? null : cpuMs / (bytes / 1e9);
    },
    format: secondsOfMs,
  },
  { label: 'peak threads', better: 'neutral', value: (result) => result.engine?.peakThreads ?? null, format: count },
  { label: 'peak memory MB', better: 'lower', value: (result) => (result.engine === undefined ? null : result.engine.peakResidentBytes / 1e6), format: (mb) => mb.toFixed(1) },
];

/**
 * The comparison of results: first the whole run's figures (CPU, threads, memory) when any result
 * has them, then one entry per endpoint id in the order the ids first appear. A figure no result
 * has for an endpoint (a server's latency) is left out.
 */
export function compareResults(results: readonly NamedResult[]): EndpointComparison[] {
  const ids = [...new Set(results.flatMap(({ result }) => result.endpoints.map((endpoint) => endpoint.id)))];
  const wholeRun: EndpointComparison = { id: wholeRunId, kinds: ['the engine\'s process'], rows: rowsOf(runMetrics, results.map(({ result }) => result)) };
  const perEndpoint = ids.map((id): EndpointComparison => {
    const endpoints = results.map(({ result }) => result.endpoints.find((endpoint) => endpoint.id === id) ?? null);
    const kinds = [...new Set(endpoints.flatMap((endpoint) => (endpoint === null ? [] : [`${endpoint.transport} ${endpoint.role}, ${modelDescription(endpoint)}`])))];
    return { id, kinds, rows: rowsOf(metrics, endpoints) };
  });
  return wholeRun.rows.length > 0 ? [wholeRun, ...perEndpoint] : perEndpoint;
}

/** A row per metric, a cell per subject (null: missing from that result); rows no subject has are left out. */
function rowsOf<T>(rowMetrics: readonly Metric<T>[], subjects: readonly (T | null)[]): ComparisonRow[] {
  const rows = rowMetrics.map((metric): ComparisonRow => {
    const values = subjects.map((subject) => (subject === null ? null : metric.value(subject)));
    const base = values[0] ?? null;
    const cells = values.map((value, column): ComparisonCell => {
      if (value === null) return { value, text: subjects[column] === null ? '-' : 'n/a', change: null, verdict: 'neutral' };
      const change = column === 0 ? null : relativeChange(base, value);
      return { value, text: metric.format(value), change, verdict: verdictOf(metric.better, change) };
    });
    return { label: metric.label, cells };
  });
  return rows.filter((row) => row.cells.some((cell) => cell.value !== null));
}

function verdictOf(better: Better, change: Change | null): Verdict {
  if (change === null || change.direction === 0 || better === 'neutral') return 'neutral';
  return (change.direction > 0) === (better === 'higher') ? 'better' : 'worse';
}
