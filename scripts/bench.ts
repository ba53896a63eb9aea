// The loopback benchmark: every I/O model against iperf3 (bulk throughput) and sockperf (ping-pong
// latency) measured in the same run, plus a many-connection echo rate and CPU per gigabyte.
// Run from the compiled output: node out/node/scripts/bench.js [--quick] [--models a,b]
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import { dirname, join, relative } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { loadNativeAddon } from '../src-main/engine/native-engine.js';
import { runProfile } from '../src-main/engine/run.js';
import { measureScale, scaleConnectionsByModel, scaleConnectionsDefault, scaleMessagesPerSecondPerConnection, scaleMethod, type ScaleResult } from './bench-scale.js';
import { ioModels, type EndpointInput, type IoModel, type ProfileInput } from '../src-shared/profile.js';
import type { EndpointResult, RunResult } from '../src-shared/result.js';

const usage = 'Usage: node out/node/scripts/bench.js [--quick] [--models a,b]   (npm run bench)';
const loopback = '127.0.0.1';
const pingPongMessageBytes = 64;
const bytesPerGigabyte = 1e9;

// ---- child processes: every one is tracked, and killed however the script ends ----

const children = new Set<ChildProcess>();

interface Started {
  process: ChildProcess;
  output: () => { stdout: string; stderr: string };
  exited: Promise<number | null>;
}

function startProcess(command: string, args: string[]): Started {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (text: string) => (stdout += text));
  child.stderr.setEncoding('utf8').on('data', (text: string) => (stderr += text));
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', (error) => {
      children.delete(child);
      reject(error);
    });
    child.once('close', (code) => {
      children.delete(child);
      resolve(code);
    });
  });
  // A failed spawn is reported by whoever awaits `exited`; this keeps it from being unhandled meanwhile.
  exited.catch(() => undefined);
  return { process: child, output: () => ({ stdout, stderr }), exited };
}

/** SIGTERM, then SIGKILL if the process is still there after two seconds. */
async function stopProcess(started: Started): Promise<void> {
  const child = started.process;
  if (child.exitCode !== null || child.signalCode !== null || !children.has(child)) return;
  child.kill('SIGTERM');
  const settled = started.exited.then(() => true, () => true);
  if (await Promise.race([settled, delay(2000).then(() => false)])) return;
  child.kill('SIGKILL');
  await settled;
}

function killAllChildren(): void {
  for (const child of children) child.kill('SIGKILL');
}

/** Runs a command to its end (killed after timeoutMs) and returns its output; throws on failure. */
async function runCommand(command: string, args: string[], timeoutMs: number): Promise<string> {
  const started = startProcess(command, args);
  const timer = setTimeout(() => void stopProcess(started), timeoutMs);
  try {
    const code = await started.exited;
    const { stdout, stderr } = started.output();
    if (code !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${code ?? 'a signal'}: ${(stderr || stdout).trim().slice(-500)}`);
    return stdout + stderr;
  } finally {
    clearTimeout(timer);
  }
}

/** A port that was free a moment ago on loopback (the peer tools need a number, not port 0). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => server.once('error', reject).listen(0, loopback, resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** True when some socket listens on the port: read from /proc, so the one-off iperf3 server never sees a probe connection. */
async function listening(port: number): Promise<boolean> {
  const portHex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    const text = await readFile(table, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (local?.endsWith(portHex) && state === '0A') return true;
    }
  }
  return false;
}

/** Starts a server process and waits until it listens on the port. */
async function startServer(command: string, args: string[], port: number): Promise<Started> {
  const started = startProcess(command, args);
  const failed = started.exited.then(
    (code) => new Error(`${command} exited with ${code ?? 'a signal'} before listening: ${started.output().stderr.trim().slice(-500)}`),
    (error: Error) => error,
  );
  const deadline = Date.now() + 5000;
  while (Date.now() < deadline) {
    const early = await Promise.race([failed, delay(20).then(() => null)]);
    if (early) throw early;
    if (await listening(port)) return started;
  }
  await stopProcess(started);
  throw new Error(`${command} did not listen on ${loopback}:${port} within 5 s`);
}

// ---- the peers ----

interface IperfResult {
  bitsPerSecond: number;
  bytes: number;
  seconds: number;
  hostCpuPercent: number;
  remoteCpuPercent: number;
  cpuSecondsPerGigabyte: number;
}

interface IperfJson {
  error?: string;
  end?: {
    sum_received?: { bytes: number; seconds: number; bits_per_second: number };
    cpu_utilization_percent?: { host_total: number; remote_total: number };
  };
}

async function measureIperf(seconds: number): Promise<IperfResult> {
  const port = await freePort();
  const server = await startServer('iperf3', ['-s', '-1', '-B', loopback, '-p', String(port)], port);
  try {
    const json = JSON.parse(await runCommand('iperf3', ['-c', loopback, '-p', String(port), '-t', String(seconds), '-J'], (seconds + 30) * 1000)) as IperfJson;
    const received = json.end?.sum_received;
    const cpu = json.end?.cpu_utilization_percent;
    if (!received || !cpu) throw new Error(`iperf3 gave no end.sum_received or cpu_utilization_percent${json.error ? `: ${json.error}` : ''}`);
    // Each percentage is one process's (user + system) CPU time over the test's wall time.
    const cpuSeconds = ((cpu.host_total + cpu.remote_total) / 100) * received.seconds;
    return {
      bitsPerSecond: received.bits_per_second,
      bytes: received.bytes,
      seconds: received.seconds,
      hostCpuPercent: cpu.host_total,
      remoteCpuPercent: cpu.remote_total,
      cpuSecondsPerGigabyte: cpuSeconds / (received.bytes / bytesPerGigabyte),
    };
  } finally {
    await stopProcess(server);
  }
}

interface SockperfResult {
  /** sockperf's own figures: half the round trip. */
  halfRoundTripP50Us: number;
  halfRoundTripP99Us: number;
  /** Doubled, to compare with a measured round trip. */
  roundTripP50Us: number;
  roundTripP99Us: number;
  observations: number;
}

async function measureSockperf(seconds: number): Promise<SockperfResult> {
  const port = await freePort();
  const server = await startServer('sockperf', ['sr', '--tcp', '-i', loopback, '-p', String(port)], port);
  try {
    const output = await runCommand(
      'sockperf',
      ['pp', '--tcp', '-i', loopback, '-p', String(port), '-m', String(pingPongMessageBytes), '-t', String(seconds)],
      (seconds + 30) * 1000,
    );
    const figure = (pattern: RegExp, what: string) => {
      const match = pattern.exec(output);
      if (!match?.[1]) throw new Error(`no ${what} in sockperf's output:\n${output.slice(-1000)}`);
      return Number(match[1]);
    };
    const p50 = figure(/percentile 50\.000 =\s*([\d.]+)/, 'percentile 50');
    const p99 = figure(/percentile 99\.000 =\s*([\d.]+)/, 'percentile 99');
    return {
      halfRoundTripP50Us: p50,
      halfRoundTripP99Us: p99,
      roundTripP50Us: 2 * p50,
      roundTripP99Us: 2 * p99,
      observations: figure(/Total (\d+) observations/, 'observation count'),
    };
  } finally {
    await stopProcess(server);
  }
}

/** The commit measured, and whether the engine's sources differed from it (others may be editing them). */
async function sourceState(root: string): Promise<{ commit: string | null; nativeSourcesModified: boolean | null }> {
  try {
    const commit = (await runCommand('git', ['-C', root, 'rev-parse', 'HEAD'], 5000)).trim();
    const changes = (await runCommand('git', ['-C', root, 'status', '--porcelain', '--', 'src-main/native/src'], 5000)).trim();
    return { commit, nativeSourcesModified: changes.length > 0 };
  } catch {
    return { commit: null, nativeSourcesModified: null };
  }
}

async function toolVersion(command: string): Promise<string | null> {
  try {
    const output = await runCommand(command, ['--version'], 5000);
    return output.split('\n').map((line) => line.trim()).find((line) => line.length > 0) ?? null;
  } catch {
    return null;
  }
}

// ---- the engine ----

function profileOf(name: string, durationMs: number, endpoints: EndpointInput[]): ProfileInput {
  return { schema: 'sockscope.profile/1', name, durationMs, endpoints };
}

function endpointOf(result: RunResult, id: string): EndpointResult {
  const endpoint = result.endpoints.find((candidate) => candidate.id === id);
  if (!endpoint) throw new Error(`no endpoint ${id} in the result`);
  return endpoint;
}

/** Throws when an endpoint reports errors or corrupted bytes: a figure from a broken run means nothing. */
function checkClean(result: RunResult, ...ids: string[]): void {
  for (const id of ids) {
    const endpoint = endpointOf(result, id);
    const problems = [...endpoint.errors.map((error) => `${error.code}${error.count ? ` ×${error.count}` : ''}: ${error.message}`)];
    if (endpoint.counters.verifyErrors > 0) problems.push(`${endpoint.counters.verifyErrors} bytes failed verification`);
    if (problems.length > 0) throw new Error(`${result.profile.name}, ${id}: ${problems.join('; ')}`);
  }
}

interface BulkResult {
  bitsPerSecond: number;
  bytes: number;
  seconds: number;
  cpuSeconds: number;
  cpuSecondsPerGigabyte: number;
  /** Proactor models: the backend that ran (auto picks io_uring where the kernel allows it), and why it fell back. */
  backend: string | null;
  backendNote: string | null;
}

async function measureBulk(model: IoModel, durationMs: number): Promise<BulkResult> {
  const profile = profileOf(`bench bulk ${model}`, durationMs, [
    { id: 'server', role: 'server', transport: 'tcp', model, listen: { host: loopback, port: 0 }, workload: { kind: 'sink' } },
    { id: 'client', role: 'client', transport: 'tcp', model, connect: { endpoint: 'server' }, workload: { kind: 'bulk' } },
  ]);
  const before = process.cpuUsage();
  const result = await runProfile(profile);
  const cpu = process.cpuUsage(before);
  checkClean(result, 'server', 'client');
  const bytes = endpointOf(result, 'server').counters.bytesIn;
  const seconds = result.elapsedMs / 1000;
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  const modelCounters = endpointOf(result, 'server').modelCounters;
  return {
    bitsPerSecond: (bytes * 8) / seconds,
    bytes,
    seconds,
    cpuSeconds,
    cpuSecondsPerGigabyte: cpuSeconds / (bytes / bytesPerGigabyte),
    backend: modelCounters?.backend ?? null,
    backendNote: modelCounters?.backendNote ?? null,
  };
}

interface PingPongResult {
  roundTripP50Us: number;
  roundTripP99Us: number;
  roundTrips: number;
}

async function measurePingPong(model: IoModel, durationMs: number): Promise<PingPongResult> {
  const profile = profileOf(`bench ping-pong ${model}`, durationMs, [
    { id: 'server', role: 'server', transport: 'tcp', model, listen: { host: loopback, port: 0 }, options: { noDelay: true }, workload: { kind: 'echo' } },
    {
      id: 'client',
      role: 'client',
      transport: 'tcp',
      model,
      connect: { endpoint: 'server' },
      options: { noDelay: true },
      workload: { kind: 'ping-pong', messageBytes: pingPongMessageBytes },
    },
  ]);
  const result = await runProfile(profile);
  checkClean(result, 'server', 'client');
  const latency = endpointOf(result, 'client').latencyUs;
  if (!latency || latency.count === 0) throw new Error(`${profile.name}: no round trips measured`);
  return { roundTripP50Us: latency.p50, roundTripP99Us: latency.p99, roundTrips: latency.count };
}

// ---- the run ----

type Outcome<T> = { ok: true; value: T } | { ok: false; error: string };

async function attempt<T>(what: string, measure: () => Promise<T>): Promise<Outcome<T>> {
  process.stderr.write(`  ${what} ...`);
  const startedAt = performance.now();
  try {
    const value = await measure();
    process.stderr.write(` ${((performance.now() - startedAt) / 1000).toFixed(1)} s\n`);
    return { ok: true, value };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(` failed: ${message}\n`);
    return { ok: false, error: message };
  }
}

const valueOf = <T>(outcome: Outcome<T>): T | null => (outcome.ok ? outcome.value : null);
const ratio = (a: number | undefined, b: number | undefined) => (a !== undefined && b !== undefined && b > 0 ? a / b : null);

const methods = {
  throughput:
    'One TCP connection on 127.0.0.1, default socket buffers: an engine bulk client (65536-byte writes) into an engine sink server, both in this process; ' +
    'bytes the sink received × 8 / run time; otherwise profile defaults (capture on, sampled every 100 ms). iperf3: `iperf3 -s -1 -B 127.0.0.1` and `iperf3 -c 127.0.0.1 -t SECONDS -J`, end.sum_received.bits_per_second.',
  latency:
    '64-byte ping-pong on one TCP connection with TCP_NODELAY on both sides, unpaced (the next message leaves when the echo is in): the engine client\'s round-trip ' +
    'histogram (log-linear, about 3 % resolution). sockperf `pp --tcp -m 64` against `sockperf sr --tcp` reports half the round trip (latency = RTT/2) ' +
    'after a 400 ms warm-up; its percentiles are doubled here to compare round trip with round trip.',
  connectionScale: scaleMethod,
  cpuPerGigabyte:
    'Engine: process.cpuUsage() (user + system, every thread of this process: client, server, sampler and the JS thread) around the bulk run, / gigabytes (1e9 bytes) received. ' +
    'iperf3: (cpu_utilization_percent.host_total + remote_total) / 100 × end.sum_received.seconds, / gigabytes received: an estimate from its two processes\' shares of one CPU.',
};

function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    directory = parent;
  }
  return directory;
}

function parseOptions(argv: string[]): { quick: boolean; models: IoModel[] } {
  const { values } = parseArgs({ args: argv, options: { quick: { type: 'boolean' }, models: { type: 'string' }, help: { type: 'boolean' } }, strict: true });
  if (values.help) throw new Error('help');
  let models: IoModel[] = [...ioModels];
  if (values.models !== undefined) {
    const names = values.models.split(',').map((name) => name.trim()).filter((name) => name.length > 0);
    const unknown = names.filter((name) => !(ioModels as readonly string[]).includes(name));
    if (unknown.length > 0 || names.length === 0) throw new Error(`--models takes a comma-separated list of ${ioModels.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`);
    models = names as IoModel[];
  }
  return { quick: values.quick ?? false, models };
}

interface ModelRow {
  model: IoModel;
  /** The 1-minute load average when this model's measurements began: how much else wanted the CPUs. */
  loadAverage1m: number;
  bulk: BulkResult | null;
  /** The iperf3 run just before this model's bulk run, and the sockperf run just before its ping-pong. */
  iperf3: IperfResult | null;
  sockperf: SockperfResult | null;
  pingPong: PingPongResult | null;
  scale: ScaleResult | null;
  throughputRatioToIperf3: number | null;
  p50RatioToSockperf: number | null;
  p99RatioToSockperf: number | null;
  errors: string[];
}

function formatNumber(value: number | null | undefined, digits: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '-';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function renderTable(rows: string[][]): string {
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows.map((row) => row.map((cell, column) => (column === 0 ? cell.padEnd(widths[column]!) : cell.padStart(widths[column]!))).join('  ').trimEnd()).join('\n');
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** The range of a peer's figure over the runs next to each model, for the notes under the table. */
function rangeOf(values: number[], digits: number, unit: string): string {
  if (values.length === 0) return 'no run';
  return `${formatNumber(Math.min(...values), digits)}-${formatNumber(Math.max(...values), digits)} ${unit}`;
}

function tableOf(rows: ModelRow[]): string {
  const header = ['model', 'Gbit/s', '×iperf3', 'p50 µs', 'p99 µs', '×sockperf p50', 'conns', 'conn-scale msg/s', 'CPU s/GB'];
  const body = rows.map((row) => [
    row.bulk?.backend ? `${row.model} (${row.bulk.backend})` : row.model,
    formatNumber(row.bulk && row.bulk.bitsPerSecond / 1e9, 2),
    formatNumber(row.throughputRatioToIperf3, 2),
    formatNumber(row.pingPong?.roundTripP50Us, 1),
    formatNumber(row.pingPong?.roundTripP99Us, 1),
    formatNumber(row.p50RatioToSockperf, 2),
    String(row.scale?.connections ?? scaleConnectionsByModel[row.model] ?? scaleConnectionsDefault),
    formatNumber(row.scale?.messagesPerSecond, 0),
    formatNumber(row.bulk?.cpuSecondsPerGigabyte, 3),
  ]);
  const iperfRuns = rows.flatMap((row) => (row.iperf3 ? [row.iperf3] : []));
  const sockperfRuns = rows.flatMap((row) => (row.sockperf ? [row.sockperf] : []));
  const peers = [
    ['iperf3', formatNumber(median(iperfRuns.map((run) => run.bitsPerSecond / 1e9)), 2), '1.00', '-', '-', '-', '-', '-', formatNumber(median(iperfRuns.map((run) => run.cpuSecondsPerGigabyte)), 3)],
    [
      'sockperf ×2',
      '-',
      '-',
      formatNumber(median(sockperfRuns.map((run) => run.roundTripP50Us)), 1),
      formatNumber(median(sockperfRuns.map((run) => run.roundTripP99Us)), 1),
      '1.00',
      '-',
      '-',
      '-',
    ],
  ];
  return renderTable([header, ...body, ...peers]);
}

const loadAverage = () => Number(os.loadavg()[0]!.toFixed(2));

async function main(argv: string[]): Promise<number> {
  let options: { quick: boolean; models: IoModel[] };
  try {
    options = parseOptions(argv);
  } catch (error) {
    const message = (error as Error).message;
    console.error(message === 'help' ? usage : `bench: ${message}\n${usage}`);
    return message === 'help' ? 0 : 2;
  }
  try {
    loadNativeAddon();
  } catch (error) {
    console.error(`bench: ${(error as Error).message}`);
    return 1;
  }
  const seconds = options.quick ? 1 : 5;
  const durationMs = seconds * 1000;
  const startedAt = new Date();
  const root = repositoryRoot();
  const source = await sourceState(root);
  const machine = {
    kernel: os.release(),
    os: `${os.type()} ${os.arch()}`,
    cpus: os.availableParallelism(),
    cpuModel: os.cpus()[0]?.model.trim() ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    iperf3: await toolVersion('iperf3'),
    sockperf: await toolVersion('sockperf'),
    loadAverage1mAtStart: loadAverage(),
    loadAverage1mAtEnd: 0,
  };
  process.stderr.write(
    `sockscope bench: ${options.models.join(', ')}; ${seconds} s per measurement; ${machine.cpus} CPUs, Linux ${machine.kernel}, load ${machine.loadAverage1mAtStart}\n`,
  );

  const rows: ModelRow[] = [];
  for (const model of options.models) {
    process.stderr.write(`${model}\n`);
    const loadAverage1m = loadAverage();
    // Each peer runs right before the figure it is compared with, so both see the same machine.
    const iperf3 = await attempt(`iperf3 bulk, ${seconds} s`, () => measureIperf(seconds));
    const bulk = await attempt('bulk', () => measureBulk(model, durationMs));
    const sockperf = await attempt(`sockperf ping-pong, ${seconds} s`, () => measureSockperf(seconds));
    const pingPong = await attempt('ping-pong', () => measurePingPong(model, durationMs));
    const scale = await attempt('connection scale', () => measureScale(model, durationMs));
    const row: ModelRow = {
      model,
      loadAverage1m,
      bulk: valueOf(bulk),
      iperf3: valueOf(iperf3),
      sockperf: valueOf(sockperf),
      pingPong: valueOf(pingPong),
      scale: valueOf(scale),
      throughputRatioToIperf3: null,
      p50RatioToSockperf: null,
      p99RatioToSockperf: null,
      errors: [
        ...(iperf3.ok ? [] : [`iperf3: ${iperf3.error}`]),
        ...(sockperf.ok ? [] : [`sockperf: ${sockperf.error}`]),
        ...[bulk, pingPong, scale].flatMap((outcome) => (outcome.ok ? [] : [outcome.error])),
      ],
    };
    row.throughputRatioToIperf3 = ratio(row.bulk?.bitsPerSecond, row.iperf3?.bitsPerSecond);
    row.p50RatioToSockperf = ratio(row.pingPong?.roundTripP50Us, row.sockperf?.roundTripP50Us);
    row.p99RatioToSockperf = ratio(row.pingPong?.roundTripP99Us, row.sockperf?.roundTripP99Us);
    rows.push(row);
  }
  machine.loadAverage1mAtEnd = loadAverage();

  const table = tableOf(rows);
  const iperfRuns = rows.flatMap((row) => (row.iperf3 ? [row.iperf3] : []));
  const sockperfRuns = rows.flatMap((row) => (row.sockperf ? [row.sockperf] : []));
  const notes = [
    'Loopback (127.0.0.1). Each peer ran just before the model figure it is compared with; the peer rows give the median of those runs.',
    `Peer ranges: iperf3 ${rangeOf(iperfRuns.map((run) => run.bitsPerSecond / 1e9), 2, 'Gbit/s')}, ${rangeOf(iperfRuns.map((run) => run.cpuSecondsPerGigabyte), 3, 'CPU s/GB')}; ` +
      `sockperf ×2 p50 ${rangeOf(sockperfRuns.map((run) => run.roundTripP50Us), 1, 'µs')}, p99 ${rangeOf(sockperfRuns.map((run) => run.roundTripP99Us), 1, 'µs')}.`,
    '×iperf3: higher is better; ×sockperf p50: lower is better.',
    ...(rows.some((row) => row.model === 'libuv')
      ? ['libuv: Node\'s own net module in this process, JavaScript on the data path: its client and server share the one JavaScript thread, so each figure carries both ends\' work.']
      : []),
    'p50/p99 are round trips. sockperf reports half the round trip (latency = RTT/2): its percentiles are doubled here (sockperf ×2).',
    `conn-scale: ${scaleMessagesPerSecondPerConnection} msg/s offered per connection, server in a second engine host; msg/s = round trips completed / window, ` +
      'the window starting once every connection has echoed (set-up time is in the JSON as setUpMs, with both processes\' memory and threads).',
    'CPU s/GB: engine = process.cpuUsage() delta around the bulk run (client and server in this one process) / GB (1e9 bytes) received; ' +
      'iperf3 = (host_total + remote_total) / 100 × duration / GB, from its JSON cpu_utilization_percent.',
  ];
  for (const row of rows) {
    if (row.bulk?.backendNote) notes.push(`${row.model}: ${row.bulk.backendNote}`);
  }
  const busy = Math.max(machine.loadAverage1mAtStart, machine.loadAverage1mAtEnd, ...rows.map((row) => row.loadAverage1m));
  if (busy > machine.cpus) {
    notes.push(
      `warning: the 1-minute load average reached ${busy} on ${machine.cpus} CPUs: other processes competed for the CPUs, so figures are noisy; ` +
        'rates then follow the CPU share each program got, and CPU s/GB is the steadier comparison.',
    );
  }
  console.log(`\n${table}\n\n${notes.join('\n')}`);
  const failures = rows.flatMap((row) => row.errors.map((error) => `${row.model}: ${error}`));
  if (failures.length > 0) console.log(`\nfailed measurements:\n${failures.map((failure) => `  ${failure}`).join('\n')}`);

  // A smoke check must not overwrite the committed measurement.
  const outPath = join(root, 'bench', 'results', options.quick ? 'quick.json' : 'latest.json');
  const report = {
    schema: 'sockscope.bench/1',
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    quick: options.quick,
    secondsPerMeasurement: seconds,
    machine,
    source,
    methods,
    models: rows,
    table,
    notes,
  };
  await mkdir(dirname(outPath), { recursive: true });
  await writeFile(outPath, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`\nwrote ${relative(process.cwd(), outPath) || outPath}`);
  return failures.length > 0 ? 1 : 0;
}

process.once('exit', killAllChildren);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killAllChildren();
    process.exit(signal === 'SIGINT' ? 130 : 143);
  });
}
process.exitCode = await main(process.argv.slice(2));
