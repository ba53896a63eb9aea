import { chatSummaryLine } from '../../../src-shared/chat-summary.js';
import { type Finding, findingsOf } from '../../../src-shared/findings.js';
import type { EndpointSpec } from '../../../src-shared/profile.js';
import {
  type CaptureEntry,
  type ConnectionResult,
  type ConnectionSample,
  type EndpointResult,
  type RunResult,
  type TcpState,
  endpointCountersSchema,
} from '../../../src-shared/result.js';
import { socketOptionDescriptors } from '../../../src-shared/socket-options.js';
import { formatBytes, formatMbitPerSecond, formatMicrosAsMillisShort } from '../../../src-shared/units.js';
import { type EndpointComparison, type NamedResult, compareResults, wholeRunId } from '../../../src-shared/comparison.js';

/**
 * A run as one self-contained HTML page: no scripts, no external resources (a strict CSP says so),
 * charts drawn here as inline SVG, so it opens offline in any browser and prints. Every value that
 * comes from the result is escaped: a profile's name and description are whatever its author wrote.
 */

export interface HtmlReportOptions {
  /** Capture entries shown in the stream table, the earliest first. */
  streamEntries?: number;
  /** Connections drawn per endpoint in the timelines. */
  timelineConnections?: number;
  /** Bytes of each entry's preview shown as hex and text. */
  previewBytes?: number;
}

export const defaultHtmlReportOptions: Required<HtmlReportOptions> = { streamEntries: 200, timelineConnections: 16, previewBytes: 16 };

/** The Content-Security-Policy of the page: nothing may load; inline styles and data: images only. */
export const reportContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:";

/** The report page of a run. */
export function toHtmlReport(result: RunResult, options: HtmlReportOptions = {}): string {
  const settings = { ...defaultHtmlReportOptions, ...options };
  const findings = findingsOf(result);
  const sections: [id: string, title: string, body: string][] = [
    ['summary', 'Summary', summarySection(result)],
    ['findings', `Findings (${findings.length})`, findingsSection(findings)],
    ['profile', 'Profile', profileSection(result)],
    ['environment', 'Environment', environmentSection(result)],
    ['charts', 'Throughput, queues and round trips', chartsSection(result)],
    ['latency', 'Latency', latencySection(result)],
    ['counters', 'Counters', countersSection(result)],
    ['timelines', 'Connection timelines', timelinesSection(result, settings.timelineConnections)],
    ['stream', 'Stream', streamSection(result, settings.streamEntries, settings.previewBytes)],
  ];
  const ending = result.completed ? 'completed' : `stopped early (${result.stopReason})`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportContentSecurityPolicy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sockscope">
<title>sockscope report: ${escapeHtml(result.profile.name)}</title>
<style>${styles}</style>
</head>
<body>
<header>
<p class="kicker">sockscope report</p>
<h1>${escapeHtml(result.profile.name)}</h1>
<p class="meta">${escapeHtml(formatStartedAt(result.startedAt))} &middot; ${escapeHtml(ending)} after ${escapeHtml(formatMs(result.elapsedMs))} &middot; ${result.endpoints.length} endpoints &middot; ${escapeHtml(result.environment.kernel)}</p>
<nav><ol>${sections.map(([id, title]) => `<li><a href="#${id}">${escapeHtml(title)}</a></li>`).join('')}</ol></nav>
</header>
<main>
${sections.map(([id, title, body]) => `<section id="${id}">\n<h2>${escapeHtml(title)}</h2>\n${body}\n</section>`).join('\n')}
</main>
<footer>Written by sockscope from a ${escapeHtml(result.schema)} result. The page runs no scripts and loads nothing.</footer>
</body>
</html>
`;
}

/**
 * The comparison page of several results (`sockscope compare --html`): what each run was, then a
 * table per endpoint id with a column per result and each change against the first marked, green
 * for better and red for worse. Self-contained like the report.
 */
export function toHtmlComparison(results: readonly NamedResult[]): string {
  const runs = table(
    ['', 'file', 'profile', 'started', 'elapsed', 'kernel'],
    results.map(({ name, result }, index) => [
      text(index === 0 ? 'base' : `#${index}`),
      code(name),
      text(result.profile.name),
      text(formatStartedAt(result.startedAt)),
      number(`${formatMs(result.elapsedMs)}${result.completed ? '' : ` (${result.stopReason})`}`),
      text(result.environment.kernel),
    ]),
    [4],
  );
  const comparison = compareResults(results);
  // The whole run's cost goes with the runs; the endpoints section holds endpoints only.
  const wholeRun = comparison.filter((entry) => entry.id === wholeRunId);
  const endpoints = comparison
    .filter((entry) => entry.id !== wholeRunId)
    .map((endpoint) => `<h3><code>${escapeHtml(endpoint.id)}</code> <span class="muted">${escapeHtml(endpoint.kinds.join(' | '))}</span></h3>\n${comparisonTable(endpoint, results)}`);
  const runCost = wholeRun.map((entry) => `<h3>Cost of each run <span class="muted">${escapeHtml(entry.kinds.join(' | '))}</span></h3>\n${comparisonTable(entry, results)}`);
  const title = `sockscope comparison: ${results.map(({ name }) => name).join(', ')}`;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportContentSecurityPolicy)}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="sockscope">
<title>${escapeHtml(title)}</title>
<style>${styles}</style>
</head>
<body>
<header>
<p class="kicker">sockscope comparison</p>
<h1>${escapeHtml(results.map(({ result }) => result.profile.name).filter((name, index, names) => names.indexOf(name) === index).join(' / '))}</h1>
<p class="meta">${results.length} results; changes are against the first (base). Green: better, red: worse; threads and connections are settings, not judged.</p>
</header>
<main>
<section id="runs">
<h2>Runs</h2>
${runs}
${runCost.join('\n')}
</section>
<section id="endpoints">
<h2>Endpoints</h2>
${endpoints.join('\n')}
</section>
</main>
<footer>Written by sockscope. The page runs no scripts and loads nothing.</footer>
</body>
</html>
`;
}

/** One entry of a comparison as a table: a row per figure, a column per result, changes marked. */
function comparisonTable(entry: EndpointComparison, results: readonly NamedResult[]): string {
  const rows = entry.rows.map((row) => [
    text(row.label),
    ...row.cells.map((cell) => {
      const change = cell.change === null ? '' : ` <span class="change ${cell.verdict}">${escapeHtml(cell.change.text)}</span>`;
      return `<td class="num${cell.value === null ? ' muted' : ''}">${escapeHtml(cell.text)}${change}</td>`;
    }),
  ]);
  return table(['', ...results.map(({ name }) => name)], rows, results.map((_, index) => index + 1));
}

/** Text for HTML content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => htmlEntities[character] ?? character);
}

const htmlEntities: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

// ---------------------------------------------------------------------------------------------
// Sections

function summarySection(result: RunResult): string {
  const rows = result.endpoints.map((endpoint) => [
    code(endpoint.id),
    text(`${endpoint.transport} ${endpoint.role}`),
    text(endpoint.model),
    number(formatBytes(endpoint.throughput.bytesIn)),
    number(formatBytes(endpoint.throughput.bytesOut)),
    number(formatMbitPerSecond(endpoint.throughput.bitsPerSecondIn)),
    number(formatMbitPerSecond(endpoint.throughput.bitsPerSecondOut)),
    number(endpoint.latencyUs ? formatMicrosAsMillisShort(endpoint.latencyUs.p50) : '–'),
    number(endpoint.latencyUs ? formatMicrosAsMillisShort(endpoint.latencyUs.p99) : '–'),
    number(String(endpoint.counters.connectionsTotal)),
    errorCell(endpoint.counters.errors),
  ]);
  const headers = ['endpoint', 'kind', 'model', 'bytes in', 'bytes out', 'Mbit/s in', 'Mbit/s out', 'p50 ms', 'p99 ms', 'connections', 'errors'];
  const limits = result.limitsHit.length === 0 ? '' : `<div class="note warning"><strong>Limits reached:</strong><ul>${result.limitsHit.map((limit) => `<li>${escapeHtml(limit)}</li>`).join('')}</ul></div>`;
  return table(headers, rows, [3, 4, 5, 6, 7, 8, 9, 10]) + limits;
}

function findingsSection(findings: readonly Finding[]): string {
  if (findings.length === 0) return '<p class="empty">No findings: nothing in this run needs a closer look.</p>';
  return findings
    .map((finding) => {
      const figures = Object.entries(finding.figures)
        .map(([name, value]) => `<span class="figure"><span class="figure-name">${escapeHtml(name)}</span> ${escapeHtml(String(value))}</span>`)
        .join(' ');
      const where = finding.connection === undefined ? finding.endpoint : `${finding.endpoint}, connection ${finding.connection}`;
      return `<article class="finding ${finding.severity}">
<p class="finding-head"><span class="badge ${finding.severity}">${escapeHtml(finding.severity)}</span> <span class="where">${escapeHtml(where)}</span> <span class="kind">${escapeHtml(finding.kind)}</span></p>
<h3>${escapeHtml(finding.title)}</h3>
<p>${escapeHtml(finding.detail)}</p>
${figures === '' ? '' : `<p class="figures">${figures}</p>`}
</article>`;
    })
    .join('\n');
}

function profileSection(result: RunResult): string {
  const profile = result.profile;
  const paragraphs = profile.description
    .split(/\n\s*\n/)
    .filter((paragraph) => paragraph.trim() !== '')
    .map((paragraph) => `<p>${escapeHtml(paragraph.trim())}</p>`)
    .join('\n');
  const settings = definitionList([
    ['name', escapeHtml(profile.name)],
    ['duration', escapeHtml(formatMs(profile.durationMs))],
    ['sampled every', escapeHtml(`${profile.sampleEveryMs} ms`)],
    ['capture', escapeHtml(profile.capture.enabled ? `${profile.capture.maxEntries} entries, first ${profile.capture.previewBytes} bytes each` : 'off')],
    ['limits', escapeHtml(`series for the first ${profile.limits.seriesConnections} connections of each endpoint, ${profile.limits.maxSamplesPerConnection} samples and ${profile.limits.maxEventsPerConnection} events each`)],
  ]);
  const endpointRows = profile.endpoints.map((spec) => [
    code(spec.id),
    text(spec.role),
    text(spec.transport),
    text(spec.model),
    text(addressText(spec)),
    number(String(spec.role === 'client' ? spec.connections : '')),
    number(spec.threads === undefined ? '1' : String(spec.threads)),
    text(workloadText(spec)),
  ]);
  const endpoints = table(['id', 'role', 'transport', 'model', 'address', 'connections', 'threads', 'workload'], endpointRows, [5, 6]);
  const actions =
    profile.actions.length === 0
      ? ''
      : `<h3>Actions</h3>\n${table(
          ['at', 'endpoint', 'connection', 'action'],
          profile.actions.map((action) => {
            const { atMs, endpoint, connection, ...body } = action;
            return [number(formatMs(atMs)), code(endpoint), number(connection === undefined ? 'all' : String(connection)), text(compactJson(body))];
          }),
          [0, 2],
        )}`;
  return `${paragraphs === '' ? '<p class="empty">No description.</p>' : `<div class="description">${paragraphs}</div>`}
${settings}
<h3>Endpoints</h3>
${endpoints}
<h3>Socket options: requested and applied</h3>
<p class="caption">Each cell is what getsockopt read back from the endpoint's first socket; "asked" is what the profile requested (none: the kernel's default). A highlighted cell is one the kernel changed.</p>
${optionsTable(result)}
${actions}`;
}

function optionsTable(result: RunResult): string {
  const head = socketOptionDescriptors
    .map((descriptor) => `<th><code>${escapeHtml(descriptor.name)}</code><br><span class="muted small">${escapeHtml(descriptor.kernel.split(',')[0] ?? '')}</span></th>`)
    .join('');
  const rows = result.endpoints.map((endpoint) => {
    const cells = socketOptionDescriptors.map((descriptor) => {
      const requested = endpoint.requestedOptions[descriptor.name];
      const applied = endpoint.appliedOptions === null ? undefined : endpoint.appliedOptions[descriptor.name];
      const changed = requested !== undefined && applied !== undefined && JSON.stringify(requested) !== JSON.stringify(applied);
      const shown = endpoint.appliedOptions === null ? 'not read' : optionValue(applied, descriptor.unit);
      const asked = requested === undefined ? '' : `<br><span class="asked">asked ${escapeHtml(optionValue(requested, descriptor.unit))}</span>`;
      return `<td${changed ? ' class="changed"' : ''}>${escapeHtml(shown)}${asked}</td>`;
    });
    return `<tr><td><code>${escapeHtml(endpoint.id)}</code></td>${cells.join('')}</tr>`;
  });
  return `<div class="scroll"><table class="options"><thead><tr><th>endpoint</th>${head}</tr></thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function environmentSection(result: RunResult): string {
  const environment = result.environment;
  const facts = definitionList([
    ['OS', escapeHtml(environment.os)],
    ['kernel', escapeHtml(environment.kernel)],
    ['architecture', escapeHtml(environment.arch)],
    ['Node.js', escapeHtml(environment.node)],
    ['CPUs', escapeHtml(String(environment.cpus))],
    ['started', escapeHtml(formatStartedAt(result.startedAt))],
    ['elapsed', escapeHtml(formatMs(result.elapsedMs))],
    ['ended', escapeHtml(result.completed ? 'completed' : `stopped early: ${result.stopReason}`)],
  ]);
  // The buffer sysctls first: they explain most of what the queues and windows show.
  const first = ['net.ipv4.tcp_rmem', 'net.ipv4.tcp_wmem', 'net.core.rmem_max', 'net.core.wmem_max'];
  const sysctls = Object.entries(environment.sysctls).sort(([a], [b]) => rank(first, a) - rank(first, b));
  const sysctlTable =
    sysctls.length === 0
      ? '<p class="empty">No sysctls were read.</p>'
      : table(['sysctl', 'value'], sysctls.map(([name, value]) => [code(name), `<td class="mono">${escapeHtml(value)}</td>`]));
  return `${facts}\n<h3>Kernel settings</h3>\n${sysctlTable}`;
}

function chartsSection(result: RunResult): string {
  const sampleEveryMs = result.profile.sampleEveryMs;
  const xMaxMs = Math.max(result.elapsedMs, 1);
  return result.endpoints
    .map((endpoint) => {
      const series = endpointSeries(endpoint, sampleEveryMs);
      const sampled = endpoint.connections.filter((connection) => connection.samples.length > 0).length;
      const note =
        endpoint.connectionsWithoutSeries > 0 ? ` ${endpoint.connectionsWithoutSeries} further connections are counted but not sampled one by one.` : '';
      if (series.timesMs.length === 0) {
        return `<h3><code>${escapeHtml(endpoint.id)}</code></h3>\n<p class="empty">No samples: no connection of this endpoint lived through a sampling tick (every ${sampleEveryMs} ms).${escapeHtml(note)}</p>`;
      }
      const throughput = lineChart({
        title: 'Throughput',
        scale: rateScale(Math.max(...series.bitsIn, ...series.bitsOut)),
        xMaxMs,
        series: [
          { label: 'in', color: palette.in, points: zip(series.timesMs, series.bitsIn) },
          { label: 'out', color: palette.out, dashed: true, points: zip(series.timesMs, series.bitsOut) },
        ],
      });
      const queues = lineChart({
        title: 'Kernel queues',
        scale: byteScale(Math.max(0, ...nonNull(series.sendQueueBytes), ...nonNull(series.recvQueueBytes))),
        xMaxMs,
        series: [
          { label: 'send queue (SIOCOUTQ)', color: palette.sendQueue, points: zip(series.timesMs, series.sendQueueBytes) },
          { label: 'receive queue (SIOCINQ)', color: palette.recvQueue, points: zip(series.timesMs, series.recvQueueBytes) },
        ],
      });
      const rtt = lineChart({
        title: 'Smoothed RTT (TCP_INFO)',
        scale: { label: 'ms', divisor: 1000, max: Math.max(0, ...nonNull(series.rttUs)) },
        xMaxMs,
        series: [{ label: 'mean over connections', color: palette.rtt, points: zip(series.timesMs, series.rttUs) }],
      });
      return `<h3><code>${escapeHtml(endpoint.id)}</code> <span class="muted">${escapeHtml(`${endpoint.transport} ${endpoint.role}, ${endpoint.model}`)}</span></h3>
<p class="caption">Summed over the ${sampled} sampled connection${sampled === 1 ? '' : 's'}, one point every ${sampleEveryMs} ms.${escapeHtml(note)}</p>
<div class="charts">${throughput}${queues}${endpoint.transport === 'tcp' ? rtt : ''}</div>`;
    })
    .join('\n');
}

function latencySection(result: RunResult): string {
  const measured = result.endpoints.filter((endpoint) => endpoint.latencyUs !== null);
  if (measured.length === 0) return '<p class="empty">No round trips were measured (only ping-pong clients measure them).</p>';
  const rows = measured.map((endpoint) => {
    const latency = endpoint.latencyUs;
    if (latency === null) return [];
    return [
      code(endpoint.id),
      number(String(latency.count)),
      number(formatMicrosAsMillisShort(latency.p50)),
      number(formatMicrosAsMillisShort(latency.p90)),
      number(formatMicrosAsMillisShort(latency.p99)),
      number(formatMicrosAsMillisShort(latency.max)),
      number(formatMicrosAsMillisShort(latency.mean)),
    ];
  });
  return `<p class="caption">Round-trip times in milliseconds, from the engine's histogram (about 2% resolution).</p>\n${table(['endpoint', 'round trips', 'p50', 'p90', 'p99', 'max', 'mean'], rows, [1, 2, 3, 4, 5, 6])}`;
}

function countersSection(result: RunResult): string {
  const names = Object.keys(endpointCountersSchema.shape) as (keyof EndpointResult['counters'])[];
  const headers = ['counter', ...result.endpoints.map((endpoint) => endpoint.id)];
  const columns = result.endpoints.map((_, index) => index + 1);
  const rows = names.map((name) => [
    code(name),
    ...result.endpoints.map((endpoint) => {
      // Counters added after a result was written are absent from it: zero.
      const value = endpoint.counters[name] ?? 0;
      const notable =
        value > 0 &&
        (name === 'errors' || name === 'verifyErrors' || name === 'connectionsRefused' || name === 'messagesLost' || name === 'datagramsMissing' || name === 'protocolViolations');
      return `<td class="num${notable ? ' bad' : ''}">${escapeHtml(formatCount(value))}</td>`;
    }),
  ]);
  const errors = result.endpoints.flatMap((endpoint) =>
    endpoint.errors.map((error) => [code(endpoint.id), code(error.code), number(String(error.count ?? 1)), text(error.message)]),
  );
  const errorTable = errors.length === 0 ? '' : `<h3>Errors</h3>\n${table(['endpoint', 'code', 'count', 'message'], errors, [2])}`;
  const chats = result.endpoints.flatMap((endpoint) => (endpoint.chat ? [[code(endpoint.id), text(endpoint.chat.role), text(chatSummaryLine(endpoint.chat))]] : []));
  const chatTable = chats.length === 0 ? '' : `<h3>Chat</h3>\n${table(['endpoint', 'role', 'figures'], chats, [])}`;
  return `${table(headers, rows, columns)}\n${chatTable}${errorTable}`;
}

function timelinesSection(result: RunResult, perEndpoint: number): string {
  const used = new Set<TcpState | 'opening'>();
  const parts = result.endpoints.map((endpoint) => {
    const drawn = endpoint.connections.slice(0, perEndpoint);
    const more = endpoint.connections.length - drawn.length + endpoint.connectionsWithoutSeries;
    const heading = `<h3><code>${escapeHtml(endpoint.id)}</code> <span class="muted">${escapeHtml(`${endpoint.transport} ${endpoint.role}`)}</span></h3>`;
    if (drawn.length === 0) return `${heading}\n<p class="empty">No connections were recorded.</p>`;
    const svg = timelineSvg(drawn, Math.max(result.elapsedMs, 1), used);
    const note = more > 0 ? `<p class="caption">${more} more connection${more === 1 ? '' : 's'} not drawn.</p>` : '';
    const details = drawn.map((connection) => eventsDetails(connection)).join('\n');
    return `${heading}\n${svg}\n${note}\n${details}`;
  });
  const legend = [...stateOrder.filter((state) => used.has(state))]
    .map((state) => `<span class="swatch" style="background:${stateColors[state]}"></span>${escapeHtml(state === 'opening' ? 'before the first state' : state)}`)
    .join(' ');
  const markers = Object.entries(eventColors)
    .map(([type, color]) => `<span class="marker" style="background:${color}"></span>${escapeHtml(type)}`)
    .join(' ');
  return `<p class="caption">One row per connection, time from the start of the run. Bands are the TCP states observed; marks are events (hover one for its detail, or open the event list below a chart).</p>
<p class="legend">${legend}</p>
<p class="legend">${markers}</p>
${parts.join('\n')}`;
}

function streamSection(result: RunResult, limit: number, previewBytes: number): string {
  const entries = [...result.capture.entries].sort((a, b) => a.atUs - b.atUs);
  if (entries.length === 0) return '<p class="empty">Nothing was captured.</p>';
  const shown = entries.slice(0, limit);
  const rows = shown.map((entry) => streamRow(entry, previewBytes));
  const dropped = result.capture.dropped > 0 ? ` The ring dropped ${result.capture.dropped} older entries.` : '';
  return `<p class="caption">The first ${shown.length} of ${entries.length} captured reads and writes.${escapeHtml(dropped)} Bytes shown: up to ${previewBytes} of each preview; "·" is a byte that is not printable ASCII.</p>
<div class="scroll"><table class="stream"><thead><tr><th class="num">ms</th><th>endpoint</th><th class="num">conn</th><th>direction</th><th class="num">bytes</th><th>hex</th><th>text</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table></div>`;
}

function streamRow(entry: CaptureEntry, previewBytes: number): string {
  const bytes = Buffer.from(entry.previewHex, 'hex');
  const preview = bytes.subarray(0, previewBytes);
  const cut = bytes.length > preview.length || entry.bytes > preview.length;
  const hex = [...preview].map((byte) => byte.toString(16).padStart(2, '0')).join(' ');
  const decoded = [...preview].map((byte) => (byte >= 0x20 && byte < 0x7f ? String.fromCharCode(byte) : '·')).join('');
  return `<tr class="${entry.direction}"><td class="num">${escapeHtml((entry.atUs / 1000).toFixed(3))}</td><td><code>${escapeHtml(entry.endpoint)}</code></td><td class="num">${entry.connection}</td><td>${entry.direction === 'write' ? '→ write' : '← read'}</td><td class="num">${escapeHtml(formatCount(entry.bytes))}</td><td class="mono hex">${escapeHtml(hex)}${cut ? ' …' : ''}</td><td class="mono text">${escapeHtml(decoded)}${cut ? '…' : ''}</td></tr>`;
}

// ---------------------------------------------------------------------------------------------
// Series from samples

interface EndpointSeries {
  timesMs: number[];
  bitsIn: number[];
  bitsOut: number[];
  sendQueueBytes: (number | null)[];
  recvQueueBytes: (number | null)[];
  rttUs: (number | null)[];
}

/**
 * An endpoint's series on the sampling grid: samples are placed in the tick they were taken in,
 * throughput is the change of the summed byte counts between ticks (a connection that has closed
 * keeps its last counts), queues are summed and the RTT averaged over the connections sampled.
 */
export function endpointSeries(endpoint: EndpointResult, sampleEveryMs: number): EndpointSeries {
  const perConnection = endpoint.connections.map((connection) => {
    const byTick = new Map<number, ConnectionSample>();
    for (const sample of connection.samples) byTick.set(Math.round(sample.atMs / sampleEveryMs), sample);
    return byTick;
  });
  const ticks = [...new Set(perConnection.flatMap((byTick) => [...byTick.keys()]))].sort((a, b) => a - b);
  const series: EndpointSeries = { timesMs: [], bitsIn: [], bitsOut: [], sendQueueBytes: [], recvQueueBytes: [], rttUs: [] };
  const lastIn = perConnection.map(() => 0);
  const lastOut = perConnection.map(() => 0);
  let previousTick = 0;
  let previousIn = 0;
  let previousOut = 0;
  for (const tick of ticks) {
    let sendQueue: number | null = null;
    let recvQueue: number | null = null;
    let rttSum = 0;
    let rttCount = 0;
    perConnection.forEach((byTick, index) => {
      const sample = byTick.get(tick);
      if (sample === undefined) return;
      lastIn[index] = sample.bytesIn;
      lastOut[index] = sample.bytesOut;
      if (sample.kernelSendQueueBytes !== null) sendQueue = (sendQueue ?? 0) + sample.kernelSendQueueBytes;
      if (sample.kernelRecvQueueBytes !== null) recvQueue = (recvQueue ?? 0) + sample.kernelRecvQueueBytes;
      if (sample.tcp !== null && sample.tcp.rttUs > 0) {
        rttSum += sample.tcp.rttUs;
        rttCount += 1;
      }
    });
    const totalIn = sum(lastIn);
    const totalOut = sum(lastOut);
    const seconds = (Math.max(tick - previousTick, 1) * sampleEveryMs) / 1000;
    series.timesMs.push(tick * sampleEveryMs);
    series.bitsIn.push(Math.max(0, ((totalIn - previousIn) * 8) / seconds));
    series.bitsOut.push(Math.max(0, ((totalOut - previousOut) * 8) / seconds));
    series.sendQueueBytes.push(sendQueue);
    series.recvQueueBytes.push(recvQueue);
    series.rttUs.push(rttCount === 0 ? null : rttSum / rttCount);
    previousTick = tick;
    previousIn = totalIn;
    previousOut = totalOut;
  }
  return series;
}

// ---------------------------------------------------------------------------------------------
// Charts

const palette = { in: '#2563eb', out: '#ea580c', sendQueue: '#7c3aed', recvQueue: '#0d9488', rtt: '#db2777' } as const;

interface Scale {
  /** The unit of the axis, after dividing by divisor. */
  label: string;
  divisor: number;
  /** The largest raw value to show. */
  max: number;
}

interface ChartSeries {
  label: string;
  color: string;
  /** Dashed, so that a line lying on top of another stays visible (out over an echo's equal in). */
  dashed?: boolean;
  points: [x: number, y: number | null][];
}

const chart = { width: 360, height: 200, left: 46, right: 10, top: 22, bottom: 26 } as const;
/** Points beyond this per series are thinned (every k-th kept), to bound the page's size. */
const maxPointsPerSeries = 1500;

function lineChart(options: { title: string; scale: Scale; xMaxMs: number; series: ChartSeries[] }): string {
  const { scale, xMaxMs } = options;
  const plotWidth = chart.width - chart.left - chart.right;
  const plotHeight = chart.height - chart.top - chart.bottom;
  const yStep = niceStep(scale.max / scale.divisor, 4);
  const yMax = Math.max(yStep, Math.ceil(scale.max / scale.divisor / yStep) * yStep);
  const xStepS = niceStep(xMaxMs / 1000, 5);
  const x = (ms: number) => chart.left + (ms / xMaxMs) * plotWidth;
  const y = (value: number) => chart.top + plotHeight - (value / scale.divisor / yMax) * plotHeight;
  const parts: string[] = [];
  for (let tick = 0; tick <= yMax + yStep / 1000; tick += yStep) {
    const ty = y(tick * scale.divisor);
    parts.push(`<line class="grid" x1="${chart.left}" x2="${chart.width - chart.right}" y1="${fixed(ty)}" y2="${fixed(ty)}"/>`);
    parts.push(`<text class="tick" x="${chart.left - 4}" y="${fixed(ty + 3)}" text-anchor="end">${escapeHtml(formatTick(tick))}</text>`);
  }
  for (let tick = 0; tick * 1000 <= xMaxMs + 1e-9; tick += xStepS) {
    const tx = x(tick * 1000);
    parts.push(`<line class="axis" x1="${fixed(tx)}" x2="${fixed(tx)}" y1="${chart.top + plotHeight}" y2="${chart.top + plotHeight + 4}"/>`);
    parts.push(`<text class="tick" x="${fixed(tx)}" y="${chart.top + plotHeight + 15}" text-anchor="middle">${escapeHtml(formatTick(tick))}</text>`);
  }
  parts.push(`<line class="axis" x1="${chart.left}" x2="${chart.width - chart.right}" y1="${chart.top + plotHeight}" y2="${chart.top + plotHeight}"/>`);
  parts.push(`<text class="unit" x="${chart.width - chart.right}" y="${chart.height - 2}" text-anchor="end">s</text>`);
  parts.push(`<text class="unit" x="${chart.left}" y="${chart.top - 10}" text-anchor="middle">${escapeHtml(scale.label)}</text>`);
  for (const series of options.series) {
    const path = pathOf(thin(series.points), x, y);
    if (path !== '') parts.push(`<path d="${path}" fill="none" stroke="${series.color}" stroke-width="1.6" stroke-linejoin="round"${series.dashed ? ' stroke-dasharray="5 3"' : ''}><title>${escapeHtml(series.label)}</title></path>`);
  }
  const legend = options.series
    .map(
      (series) =>
        `<svg class="key" width="22" height="10" viewBox="0 0 22 10" aria-hidden="true"><line x1="1" x2="21" y1="5" y2="5" stroke="${series.color}" stroke-width="2.5"${series.dashed ? ' stroke-dasharray="5 3"' : ''}/></svg>${escapeHtml(series.label)}`,
    )
    .join(' ');
  return `<figure class="chart">
<figcaption>${escapeHtml(options.title)}</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${chart.width} ${chart.height}" role="img" aria-label="${escapeHtml(options.title)}"><title>${escapeHtml(options.title)}</title>${parts.join('')}</svg>
<p class="legend">${legend}</p>
</figure>`;
}

/** An SVG path through the points; a null value breaks the line. A lone point is drawn as a short dash. */
function pathOf(points: [number, number | null][], x: (ms: number) => number, y: (value: number) => number): string {
  const segments: string[] = [];
  let current: string[] = [];
  const flush = () => {
    if (current.length === 1) current.push(`h1`);
    if (current.length > 0) segments.push(current.join(''));
    current = [];
  };
  for (const [ms, value] of points) {
    if (value === null) {
      flush();
      continue;
    }
    current.push(`${current.length === 0 ? 'M' : 'L'}${fixed(x(ms))} ${fixed(y(value))}`);
  }
  flush();
  return segments.join('');
}

function thin<T>(points: T[]): T[] {
  if (points.length <= maxPointsPerSeries) return points;
  const stride = Math.ceil(points.length / maxPointsPerSeries);
  return points.filter((_, index) => index % stride === 0 || index === points.length - 1);
}

function rateScale(maxBitsPerSecond: number): Scale {
  const units: [number, string][] = [[1e9, 'Gbit/s'], [1e6, 'Mbit/s'], [1e3, 'kbit/s']];
  const [divisor, label] = units.find(([threshold]) => maxBitsPerSecond >= threshold) ?? [1, 'bit/s'];
  return { label, divisor, max: maxBitsPerSecond };
}

function byteScale(maxBytes: number): Scale {
  const units: [number, string][] = [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB']];
  const [divisor, label] = units.find(([threshold]) => maxBytes >= threshold) ?? [1, 'bytes'];
  return { label, divisor, max: maxBytes };
}

/** A round step (1, 2 or 5 times a power of ten) that splits range into about `ticks` parts. */
function niceStep(range: number, ticks: number): number {
  if (!(range > 0)) return 1;
  const raw = range / ticks;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const normalized = raw / magnitude;
  return (normalized <= 1 ? 1 : normalized <= 2 ? 2 : normalized <= 5 ? 5 : 10) * magnitude;
}

function formatTick(value: number): string {
  return String(Number(value.toPrecision(6)));
}

// ---------------------------------------------------------------------------------------------
// Timelines

const stateOrder: readonly (TcpState | 'opening')[] = [
  'opening', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT1', 'FIN_WAIT2', 'CLOSE_WAIT', 'CLOSING', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'LISTEN', 'NEW_SYN_RECV', 'UNKNOWN',
];

const stateColors: Record<TcpState | 'opening', string> = {
  opening: '#cbd5e1',
  UNKNOWN: '#e2e8f0',
  SYN_SENT: '#93c5fd',
  SYN_RECV: '#93c5fd',
  NEW_SYN_RECV: '#93c5fd',
  LISTEN: '#bfdbfe',
  ESTABLISHED: '#86efac',
  FIN_WAIT1: '#fde047',
  FIN_WAIT2: '#facc15',
  CLOSE_WAIT: '#fdba74',
  CLOSING: '#f9a8d4',
  LAST_ACK: '#f0abfc',
  TIME_WAIT: '#c4b5fd',
  CLOSE: '#94a3b8',
};

const eventColors: Record<string, string> = {
  open: '#16a34a',
  shutdown: '#2563eb',
  'peer-shutdown': '#0891b2',
  option: '#7c3aed',
  reset: '#dc2626',
  error: '#b91c1c',
  closed: '#111827',
};

const timeline = { width: 1000, labelWidth: 150, right: 12, top: 22, rowHeight: 26, band: 14 } as const;

function timelineSvg(connections: readonly ConnectionResult[], xMaxMs: number, used: Set<TcpState | 'opening'>): string {
  const plotWidth = timeline.width - timeline.labelWidth - timeline.right;
  const height = timeline.top + connections.length * timeline.rowHeight + 4;
  const x = (ms: number) => timeline.labelWidth + (Math.min(Math.max(ms, 0), xMaxMs) / xMaxMs) * plotWidth;
  const parts: string[] = [];
  const stepS = niceStep(xMaxMs / 1000, 8);
  for (let tick = 0; tick * 1000 <= xMaxMs + 1e-9; tick += stepS) {
    const tx = fixed(x(tick * 1000));
    parts.push(`<line class="grid" x1="${tx}" x2="${tx}" y1="${timeline.top - 4}" y2="${height}"/>`);
    parts.push(`<text class="tick" x="${tx}" y="${timeline.top - 8}" text-anchor="middle">${escapeHtml(`${formatTick(tick)} s`)}</text>`);
  }
  connections.forEach((connection, row) => {
    const top = timeline.top + row * timeline.rowHeight;
    const bandTop = top + (timeline.rowHeight - timeline.band) / 2;
    const label = `#${connection.id}` + (connection.local ? ` ${connection.local}` : '');
    parts.push(`<text class="row-label" x="4" y="${fixed(bandTop + timeline.band - 3)}">${escapeHtml(label)}<title>${escapeHtml(`connection ${connection.id} (index ${connection.index}): ${connection.local ?? '?'} → ${connection.remote ?? '?'}`)}</title></text>`);
    for (const band of stateBands(connection, xMaxMs)) {
      used.add(band.state);
      const bx = x(band.fromMs);
      const width = Math.max(x(band.toMs) - bx, 1);
      const tip = `${band.state === 'opening' ? 'before the first state' : band.state}: ${formatMs(band.fromMs)} to ${formatMs(band.toMs)}`;
      parts.push(`<rect x="${fixed(bx)}" y="${fixed(bandTop)}" width="${fixed(width)}" height="${timeline.band}" fill="${stateColors[band.state]}"><title>${escapeHtml(tip)}</title></rect>`);
    }
    for (const event of connection.events) {
      if (event.type === 'state') continue;
      const ex = fixed(x(event.atMs));
      const color = eventColors[event.type] ?? '#475569';
      parts.push(`<line x1="${ex}" x2="${ex}" y1="${fixed(bandTop - 3)}" y2="${fixed(bandTop + timeline.band + 3)}" stroke="${color}" stroke-width="2"><title>${escapeHtml(`${formatMs(event.atMs)}: ${eventText(event)}`)}</title></line>`);
    }
  });
  return `<div class="scroll"><svg class="timeline" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${timeline.width} ${height}" role="img" aria-label="connection timelines"><title>Connection timelines</title>${parts.join('')}</svg></div>`;
}

interface StateBand {
  state: TcpState | 'opening';
  fromMs: number;
  toMs: number;
}

/** The TCP states of a connection as time spans, from its first event to its close (or the end of the run). */
function stateBands(connection: ConnectionResult, endMs: number): StateBand[] {
  const events = [...connection.events].sort((a, b) => a.atMs - b.atMs);
  const first = events[0];
  if (first === undefined) return [];
  const closed = events.find((event) => event.type === 'closed');
  const lastMs = closed?.atMs ?? endMs;
  const bands: StateBand[] = [];
  let state: TcpState | 'opening' = 'opening';
  let fromMs = first.atMs;
  for (const event of events) {
    if (event.type !== 'state' || event.state === undefined || event.atMs > lastMs) continue;
    if (event.atMs > fromMs) bands.push({ state, fromMs, toMs: event.atMs });
    state = event.state;
    fromMs = event.atMs;
  }
  if (lastMs > fromMs || bands.length === 0) bands.push({ state, fromMs, toMs: Math.max(lastMs, fromMs) });
  return bands;
}

function eventsDetails(connection: ConnectionResult): string {
  const rows = connection.events.map((event) => [number(formatMs(event.atMs)), text(event.type), text(eventText(event))]);
  const dropped = connection.eventsDropped > 0 ? ` (${connection.eventsDropped} older dropped)` : '';
  return `<details><summary>Events of connection #${connection.id}: ${connection.events.length}${escapeHtml(dropped)}, ${escapeHtml(formatBytes(connection.bytesIn))} in, ${escapeHtml(formatBytes(connection.bytesOut))} out</summary>
${table(['at', 'event', 'detail'], rows, [0])}</details>`;
}

function eventText(event: ConnectionResult['events'][number]): string {
  const parts: string[] = [event.type];
  if (event.state !== undefined) parts.push(event.state);
  if (event.how !== undefined) parts.push(event.how);
  if (event.abortive !== undefined) parts.push(event.abortive ? 'abortive (linger 0)' : 'graceful');
  if (event.code !== undefined) parts.push(event.code);
  if (event.local !== undefined || event.remote !== undefined) parts.push(`${event.local ?? '?'} → ${event.remote ?? '?'}`);
  if (event.message !== undefined) parts.push(event.message);
  return parts.join(' ');
}

// ---------------------------------------------------------------------------------------------
// Small pieces

type Cell = string;

function table(headers: readonly string[], rows: readonly (readonly Cell[])[], numericColumns: readonly number[] = []): string {
  const head = headers.map((header, index) => `<th${numericColumns.includes(index) ? ' class="num"' : ''}>${escapeHtml(header)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.join('')}</tr>`).join('\n');
  return `<div class="scroll"><table><thead><tr>${head}</tr></thead>\n<tbody>${body}</tbody></table></div>`;
}

function text(value: string): Cell {
  return `<td>${escapeHtml(value)}</td>`;
}

function code(value: string): Cell {
  return `<td><code>${escapeHtml(value)}</code></td>`;
}

function number(value: string): Cell {
  return `<td class="num">${escapeHtml(value)}</td>`;
}

function errorCell(count: number): Cell {
  return `<td class="num${count > 0 ? ' bad' : ''}">${count}</td>`;
}

function definitionList(items: [term: string, htmlValue: string][]): string {
  return `<dl class="facts">${items.map(([term, value]) => `<dt>${escapeHtml(term)}</dt><dd>${value}</dd>`).join('')}</dl>`;
}

function optionValue(value: unknown, unit: string): string {
  if (value === undefined) return '';
  if (value === null) return unit === 'flag' ? 'n/a' : 'off';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') return formatCount(value);
  if (typeof value === 'object' && 'seconds' in value) return `${String(value.seconds)} s`;
  if (typeof value === 'object' && 'idleS' in value && 'intervalS' in value && 'count' in value) {
    return `idle ${String(value.idleS)} s, every ${String(value.intervalS)} s, ${String(value.count)} probes`;
  }
  return compactJson(value);
}

function workloadText(spec: EndpointSpec): string {
  const { kind, ...rest } = spec.workload;
  // A proxy's fault sets and a framed workload's format are objects: shown as compact JSON.
  const details = Object.entries(rest).map(([name, value]) => `${name} ${typeof value === 'object' && value !== null ? compactJson(value) : String(value)}`);
  return details.length === 0 ? kind : `${kind}: ${details.join(', ')}`;
}

function addressText(spec: EndpointSpec): string {
  const listen = `listen ${spec.listen ? hostPort(spec.listen.host, spec.listen.port) : '?'}`;
  if (spec.role === 'server') return listen;
  if (spec.role === 'proxy') return `${listen}, carry on to ${connectTarget(spec)}`;
  return `connect ${connectTarget(spec)}`;
}

function connectTarget(spec: EndpointSpec): string {
  const target = spec.connect;
  if (target === undefined) return '?';
  return 'endpoint' in target ? target.endpoint : hostPort(target.host, target.port);
}

function hostPort(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

function compactJson(value: unknown): string {
  return JSON.stringify(value).replace(/"([A-Za-z_$][\w$]*)":/g, '$1: ').replace(/,(?=\S)/g, ', ');
}

function formatMs(ms: number): string {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Number(ms.toFixed(ms < 10 ? 2 : 1))} ms`;
}

function formatStartedAt(startedAt: string): string {
  const date = new Date(startedAt);
  return Number.isNaN(date.getTime()) ? startedAt : `${date.toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} UTC`;
}

function formatCount(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toFixed(1);
}

function fixed(value: number): string {
  return String(Math.round(value * 10) / 10);
}

function rank(first: readonly string[], name: string): number {
  const index = first.indexOf(name);
  return index === -1 ? first.length : index;
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}

function nonNull(values: readonly (number | null)[]): number[] {
  return values.filter((value): value is number => value !== null);
}

function zip(times: readonly number[], values: readonly (number | null)[]): [number, number | null][] {
  return times.map((time, index) => [time, values[index] ?? null]);
}

const styles = `
:root { --ink: #1f2937; --muted: #6b7280; --line: #e5e7eb; --soft: #f8fafc; --accent: #1d4ed8;
  --problem: #b91c1c; --warning: #b45309; --info: #1d4ed8; }
* { box-sizing: border-box; }
html { -webkit-text-size-adjust: 100%; }
body { margin: 0 auto; max-width: 1120px; padding: 24px 28px 48px; color: var(--ink); background: #fff;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", "DejaVu Sans", sans-serif; }
header { border-bottom: 2px solid var(--ink); padding-bottom: 12px; margin-bottom: 8px; }
.kicker { margin: 0; text-transform: uppercase; letter-spacing: .08em; font-size: 12px; color: var(--muted); }
h1 { margin: 2px 0 4px; font-size: 28px; line-height: 1.2; overflow-wrap: anywhere; }
h2 { margin: 36px 0 10px; font-size: 20px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { margin: 22px 0 8px; font-size: 16px; }
.meta { margin: 0 0 8px; color: var(--muted); }
nav ol { margin: 0; padding: 0; list-style: none; display: flex; flex-wrap: wrap; gap: 4px 16px; font-size: 14px; }
nav a { color: var(--accent); text-decoration: none; }
nav a:hover { text-decoration: underline; }
code, .mono { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "DejaVu Sans Mono", monospace; font-size: 13px; }
.muted, .caption { color: var(--muted); }
.small { font-size: 11.5px; font-weight: normal; }
.asked { color: var(--muted); font-size: 12px; white-space: nowrap; }
table.options th, table.options td { padding: 4px 8px; }
.caption { font-size: 13px; margin: 4px 0 8px; }
.empty { color: var(--muted); font-style: italic; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; margin: 6px 0 12px; font-size: 13.5px; font-variant-numeric: tabular-nums; }
th, td { padding: 4px 10px; border-bottom: 1px solid var(--line); text-align: left; vertical-align: top; }
th { background: var(--soft); font-weight: 600; white-space: nowrap; }
td.num, th.num { text-align: right; white-space: nowrap; }
td.bad { color: var(--problem); font-weight: 600; }
td.changed { background: #fef3c7; font-weight: 600; }
td.muted { color: var(--muted); }
.change { font-size: 12px; padding: 0 4px; border-radius: 3px; white-space: nowrap; }
.change.better { color: #166534; background: #dcfce7; }
.change.worse { color: #991b1b; background: #fee2e2; }
.change.neutral { color: var(--muted); }
.description { max-width: 80ch; }
.description p { margin: 0 0 8px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 2px 16px; margin: 8px 0; font-size: 14px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
.note { padding: 8px 12px; border-left: 4px solid var(--warning); background: #fffbeb; margin: 8px 0; }
.note ul { margin: 4px 0 0; padding-left: 20px; }
.finding { border: 1px solid var(--line); border-left: 5px solid var(--info); border-radius: 4px; padding: 8px 14px; margin: 10px 0; break-inside: avoid; }
.finding.problem { border-left-color: var(--problem); }
.finding.warning { border-left-color: var(--warning); }
.finding h3 { margin: 2px 0 4px; font-size: 15.5px; }
.finding p { margin: 4px 0; max-width: 90ch; }
.finding-head { font-size: 13px; color: var(--muted); }
.kind { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 12px; }
.badge { display: inline-block; padding: 0 8px; border-radius: 9px; color: #fff; font-size: 12px; font-weight: 600; text-transform: uppercase; letter-spacing: .04em; }
.badge.problem { background: var(--problem); }
.badge.warning { background: var(--warning); }
.badge.info { background: var(--info); }
.figures { font-size: 13px; }
.figure { display: inline-block; background: var(--soft); border: 1px solid var(--line); border-radius: 3px; padding: 0 6px; margin: 2px 4px 2px 0; font-variant-numeric: tabular-nums; }
.figure-name { color: var(--muted); }
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(320px, 1fr)); gap: 12px 18px; }
figure.chart { margin: 0; break-inside: avoid; }
figure.chart figcaption { font-weight: 600; font-size: 14px; }
figure.chart > svg { width: 100%; height: auto; display: block; }
svg text { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; fill: #4b5563; }
svg .tick { font-size: 10px; }
svg .unit { font-size: 10px; font-weight: 600; }
svg .row-label { font-size: 11px; font-family: ui-monospace, Menlo, Consolas, "DejaVu Sans Mono", monospace; fill: var(--ink); }
svg .grid { stroke: #eef0f3; stroke-width: 1; }
svg .axis { stroke: #9ca3af; stroke-width: 1; }
svg.timeline { width: 100%; min-width: 640px; height: auto; display: block; break-inside: avoid; }
.legend { font-size: 12.5px; color: var(--muted); margin: 4px 0; }
.swatch, .marker { display: inline-block; width: 12px; height: 10px; border-radius: 2px; margin: 0 4px 0 8px; vertical-align: -1px; }
.marker { width: 3px; height: 12px; border-radius: 0; }
svg.key { display: inline-block; width: 22px; height: 10px; vertical-align: 0; margin: 0 4px 0 8px; }
details { margin: 2px 0 2px 4px; font-size: 13.5px; }
summary { cursor: pointer; color: var(--muted); }
table.stream td { padding: 2px 8px; }
table.stream td.hex { color: #374151; white-space: nowrap; }
table.stream td.text { white-space: pre; color: #065f46; }
table.stream tr.read td:nth-child(4) { color: #0369a1; }
table.stream tr.write td:nth-child(4) { color: #c2410c; }
footer { margin-top: 40px; padding-top: 8px; border-top: 1px solid var(--line); font-size: 12px; color: var(--muted); }
@media print {
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav { display: none; }
  h2 { break-after: avoid; }
  h3 { break-after: avoid; }
  .scroll { overflow: visible; }
  table { break-inside: auto; font-size: 8.5pt; }
  code, .mono { font-size: 8.5pt; }
  th, td { padding: 3px 5px; }
  table.options th, table.options td { padding: 3px 4px; }
  tr { break-inside: avoid; }
  a { color: inherit; }
}
@page { margin: 14mm; }
`;
