import { chatSummaryLine } from '../../src-shared/chat-summary.js';
import { describeProxy } from '../../src-shared/proxy-summary.js';
import type { RunResult } from '../../src-shared/result.js';
import { formatBytes, formatMbitPerSecond, formatMicrosAsMillis, formatSeconds } from '../../src-shared/units.js';

interface Column {
  header: string;
  alignRight: boolean;
}

const columns: readonly Column[] = [
  { header: 'endpoint', alignRight: false },
  { header: 'role', alignRight: false },
  { header: 'model', alignRight: false },
  { header: 'transport', alignRight: false },
  { header: 'bytes in', alignRight: true },
  { header: 'bytes out', alignRight: true },
  { header: 'Mbit/s in', alignRight: true },
  { header: 'Mbit/s out', alignRight: true },
  { header: 'p50 ms', alignRight: true },
  { header: 'p99 ms', alignRight: true },
  { header: 'errors', alignRight: true },
];

/**
 * The text printed when a run has no --out: a line on how the run ended, a table with one row per
 * endpoint, the aggregate of endpoints with more connections than kept a series, chat rooms and
 * members, the engine's own cost, what each proxy did, then the errors by code and the limits that
 * were hit, if any.
 */
export function formatSummary(result: RunResult): string {
  const ending = result.completed ? 'completed' : `stopped early (${result.stopReason})`;
  const lines = [`${result.profile.name}: ${ending} after ${formatSeconds(result.elapsedMs)}`, ''];
  const rows = result.endpoints.map((endpoint) => [
    endpoint.id,
    endpoint.role,
    endpoint.model,
    endpoint.transport,
    formatBytes(endpoint.throughput.bytesIn),
    formatBytes(endpoint.throughput.bytesOut),
    formatMbitPerSecond(endpoint.throughput.bitsPerSecondIn),
    formatMbitPerSecond(endpoint.throughput.bitsPerSecondOut),
    endpoint.latencyUs ? formatMicrosAsMillis(endpoint.latencyUs.p50) : '-',
    endpoint.latencyUs ? formatMicrosAsMillis(endpoint.latencyUs.p99) : '-',
    String(endpoint.counters.errors),
  ]);
  lines.push(...formatTable(columns, rows));

  const aggregates = result.endpoints.flatMap((endpoint) => {
    const aggregate = endpoint.aggregate;
    if (!aggregate || endpoint.connectionsWithoutSeries === 0) return [];
    const states = Object.entries(aggregate.tcpStates).map(([state, count]) => `${state} ${count}`);
    return [
      `  ${endpoint.id}: ${aggregate.connectionsPeak} connections at most; at ${formatSeconds(aggregate.atMs)} ${aggregate.connections} open, ` +
        `${aggregate.connectionsExchanged} had read and written, ${aggregate.seriesConnections} with a series` +
        (states.length > 0 ? `; ${states.join(', ')} (of ${aggregate.kernelFigures} read from the kernel)` : ''),
    ];
  });
  if (aggregates.length > 0) lines.push('', 'all connections:', ...aggregates);
  const chats = result.endpoints.flatMap((endpoint) => (endpoint.chat ? [`  ${endpoint.id} (${endpoint.chat.role}): ${chatSummaryLine(endpoint.chat)}`] : []));
  if (chats.length > 0) lines.push('', 'chat:', ...chats);
  if (result.engine) {
    const engine = result.engine;
    lines.push(
      '',
      `engine: ${formatBytes(engine.peakResidentBytes)} resident and ${engine.peakThreads} threads at most; ` +
        `sampler ${engine.samplerCpuUsPerConnection.toFixed(2)} µs of CPU per connection and pass (up to ${engine.peakConnectionsVisited} connections); ` +
        `open-file limit ${engine.descriptors.soft} for about ${engine.descriptors.needed} needed`,
    );
  }

  const proxies = result.endpoints.flatMap((endpoint) => (endpoint.proxy ? describeProxy(endpoint.proxy).map((line) => `  ${endpoint.id} ${line}`) : []));
  if (proxies.length > 0) lines.push('', 'proxies:', ...proxies);

  const errors = result.endpoints.flatMap((endpoint) =>
    endpoint.errors.map((error) => `  ${endpoint.id}: ${error.code}${error.count && error.count > 1 ? ` x${error.count}` : ''}: ${error.message}`),
  );
  if (errors.length > 0) lines.push('', 'errors:', ...errors);
  if (result.limitsHit.length > 0) lines.push('', 'limits hit:', ...result.limitsHit.map((limit) => `  ${limit}`));
  return `${lines.join('\n')}\n`;
}

/** Rows of cells as lines of columns two spaces apart, without trailing spaces. */
export function formatTable(table: readonly Column[], rows: readonly (readonly string[])[]): string[] {
  const cells = [table.map((column) => column.header), ...rows];
  const widths = table.map((_, index) => Math.max(...cells.map((row) => (row[index] ?? '').length)));
  return cells.map((row) =>
    table
      .map((column, index) => {
        const cell = row[index] ?? '';
        const width = widths[index] ?? 0;
        return column.alignRight ? cell.padStart(width) : cell.padEnd(width);
      })
      .join('  ')
      .trimEnd(),
  );
}
