// sockscope compare: the side-by-side formatting, its command line, and report --html / run --report.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src-main/cli/args.js';
import { formatComparison, relativeChange } from '../../../src-main/cli/compare-text.js';
import { compareResults, wholeRunId } from '../../../src-shared/comparison.js';
import { main } from '../../../src-main/cli/main.js';
import type { EndpointResult, RunResult } from '../../../src-shared/result.js';
import { endpointResultOf, resultOf } from '../../helpers/results.js';
import { recordingIo } from '../../helpers/cli-io.js';

/** A result with a server and a ping-pong client whose throughput, p50 and errors are given. */
function resultWith(client: { bitsPerSecond: number; p50Us: number; errors: number; threads?: number }): RunResult {
  const latencyUs = { count: 1000, p50: client.p50Us, p90: client.p50Us * 2, p99: client.p50Us * 4, max: client.p50Us * 10, mean: client.p50Us * 1.2 };
  const throughput = { bytesIn: client.bitsPerSecond / 8, bytesOut: client.bitsPerSecond / 8, bitsPerSecondIn: client.bitsPerSecond, bitsPerSecondOut: client.bitsPerSecond };
  const base = endpointResultOf({ id: 'client', role: 'client', transport: 'tcp' });
  const clientResult: EndpointResult = {
    ...base,
    latencyUs,
    throughput,
    counters: { ...base.counters, errors: client.errors, messages: 500, threads: client.threads ?? 1, connectionsTotal: 1 },
  };
  return resultOf([endpointResultOf({ id: 'server', role: 'server', transport: 'tcp', throughput }), clientResult]);
}

const before = resultWith({ bitsPerSecond: 10e6, p50Us: 100, errors: 0 });
const after = resultWith({ bitsPerSecond: 13.5e6, p50Us: 150, errors: 2, threads: 4 });

describe('relativeChange', () => {
  it('gives the signed percentage and an arrow', () => {
    expect(relativeChange(100, 135)).toEqual({ text: '+35% ↑', direction: 1 });
    expect(relativeChange(200, 150)).toEqual({ text: '-25% ↓', direction: -1 });
    expect(relativeChange(100, 100.2)).toEqual({ text: '=', direction: 0 });
    expect(relativeChange(1, 40)).toEqual({ text: '+39x ↑', direction: 1 });
    expect(relativeChange(0, 3)).toEqual({ text: 'new ↑', direction: 1 });
    expect(relativeChange(null, 3)).toBeNull();
  });
});

describe('compareResults', () => {
  it('puts the whole run\'s CPU, threads and memory first when the results have them', () => {
    const engine = (peakThreads: number, peakResidentBytes: number) => ({
      peakResidentBytes,
      peakThreads,
      samplerPasses: 10,
      samplerPassUs: { mean: 1, max: 2 },
      samplerPassCpuUs: { mean: 1, max: 2 },
      samplerCpuUsPerConnection: 0.5,
      peakConnectionsVisited: 2,
      descriptors: { needed: 10, softBefore: 1024, soft: 1024, hard: 4096 },
    });
    const cheap: RunResult = { ...before, cpuTime: { userMs: 300, systemMs: 100 }, engine: engine(4, 50e6) };
    const costly: RunResult = { ...after, cpuTime: { userMs: 600, systemMs: 400 }, engine: engine(6, 40e6) };
    const [whole, ...endpoints] = compareResults([
      { name: 'cheap.json', result: cheap },
      { name: 'costly.json', result: costly },
    ]);
    expect(whole?.id).toBe(wholeRunId);
    expect(endpoints.map((endpoint) => endpoint.id)).toEqual(['server', 'client']);
    const cell = (label: string) => whole?.rows.find((row) => row.label === label)?.cells[1];
    expect(cell('CPU s (engine process)')).toMatchObject({ text: '1.00', change: { text: '+150% ↑' }, verdict: 'worse' });
    // 1.0 s of CPU for 3.375 MB sent by the two endpoints.
    expect(cell('CPU s per GB moved')?.value).toBeCloseTo(1000 / (2 * 13.5e6 / 8 / 1e9), 3);
    expect(cell('peak threads')).toMatchObject({ text: '6', verdict: 'neutral' });
    expect(cell('peak memory MB')).toMatchObject({ text: '40.0', verdict: 'better' });
    // Results without these figures (older files) get no whole-run table.
    expect(compareResults([{ name: 'a', result: before }, { name: 'b', result: after }])[0]?.id).toBe('server');
  });
});

describe('compareResults with chat and proxy endpoints', () => {
  const chatServer = (broadcasts: number, bytesEncoded: number, messagesDropped: number) =>
    endpointResultOf({
      id: 'room',
      role: 'server',
      transport: 'tcp',
      chat: {
        role: 'server', members: 100, joins: 100, broadcasts, bytesEncoded, deliveries: broadcasts * 100, presenceNotices: 200,
        membersDropped: 0, messagesDropped, peakMemberQueueBytes: 4096, roomBacklogPauses: 0, jobsQueued: broadcasts + 200, jobsExecuted: broadcasts + 200, jobsHandedOff: 0,
      },
    });
  const drawn = { latency: 0, bandwidth: 0, slicer: 0, reset: 0, blackhole: 0, slowClose: 0 };
  const direction = { bytesForwarded: 1000, queuePeakBytes: 0, queueFull: 0, piecesWritten: 0, bytesBlackholed: 0, resetsInjected: 0, slowCloses: 0, drawn };
  const proxy = (resetsInjected: number) =>
    endpointResultOf({
      id: 'proxy',
      role: 'proxy',
      transport: 'tcp',
      proxy: { connectionsProxied: 10, upstreamConnectFailures: 0, toServer: direction, toClient: { ...direction, resetsInjected } },
    });

  it('compares the bytes encoded per broadcast, slow members and what a proxy did, and gives other endpoints none of these rows', () => {
    const [room, through, client] = compareResults([
      { name: 'a', result: resultOf([chatServer(2000, 112_000, 0), proxy(0), endpointResultOf({ id: 'client', role: 'client', transport: 'tcp' })]) },
      { name: 'b', result: resultOf([chatServer(4000, 224_000, 30), proxy(3), endpointResultOf({ id: 'client', role: 'client', transport: 'tcp' })]) },
    ]);
    const cell = (comparison: typeof room, label: string) => comparison?.rows.find((row) => row.label === label)?.cells[1];
    // Twice the broadcasts at the same 56 bytes each: the one encoding per broadcast holds.
    expect(cell(room, 'chat bytes encoded per broadcast')).toMatchObject({ text: '56', change: { text: '=' } });
    expect(cell(room, 'chat broadcasts')).toMatchObject({ text: '4000', verdict: 'better' });
    expect(cell(room, 'chat messages dropped')).toMatchObject({ text: '30', change: { text: 'new ↑' }, verdict: 'worse' });
    expect(cell(through, 'proxy resets injected')).toMatchObject({ text: '3', verdict: 'neutral' });
    expect(cell(through, 'proxy bytes to server')).toMatchObject({ text: '1000' });
    expect(client?.rows.some((row) => row.label.startsWith('chat') || row.label.startsWith('proxy'))).toBe(false);
    expect(room?.rows.some((row) => row.label.startsWith('proxy'))).toBe(false);
  });
});

describe('formatComparison', () => {
  const text = formatComparison(
    [
      { name: 'before.json', result: before },
      { name: 'after.json', result: after },
    ],
    { color: false },
  );
  const lines = text.split('\n');
  const row = (label: string, after = 0) => lines.slice(after).find((line) => line.trimStart().startsWith(label)) ?? '';
  const clientAt = lines.findIndex((line) => line.startsWith('client'));

  it('names each proactor run\'s read-buffer strategy and compares what it pinned and how often its pool ran empty', () => {
    const proactor = (readBuffers: 'per-operation' | 'pool', peakBytesPinned: number): RunResult => {
      const server: EndpointResult = {
        ...endpointResultOf({ id: 'server', role: 'server', transport: 'tcp' }),
        model: 'completion-port',
        modelCounters: {
          backend: 'io_uring',
          backendNote: null,
          operationsPosted: 20_000,
          completions: 20_000,
          peakOperationsInFlight: 10_000,
          peakBytesPinned,
          peakCompletionQueueDepth: 10,
          buffersPerWrite: 1,
          workers: [],
          readBuffers,
          ...(readBuffers === 'pool' && { readPool: { buffers: 256, bufferBytes: 16384, bytes: 4 * 2 ** 20, peakBuffersInUse: 256, exhausted: 35 } }),
        },
      };
      return resultOf([server]);
    };
    const [server] = compareResults([
      { name: 'per-operation.json', result: proactor('per-operation', 163_840_000) },
      { name: 'pool.json', result: proactor('pool', 4 * 2 ** 20) },
    ]);
    expect(server?.kinds).toEqual(['tcp server, completion-port (io_uring, a buffer per read)', 'tcp server, completion-port (io_uring, read buffer pool)']);
    const row = (label: string) => server?.rows.find((candidate) => candidate.label === label);
    expect(row('peak bytes pinned')?.cells.map((cell) => cell.verdict)).toEqual(['neutral', 'better']);
    expect(row('reads that found the read pool empty')?.cells.map((cell) => cell.text)).toEqual(['n/a', '35']);
    // A readiness model has no pinned bytes to compare.
    expect(compareResults([{ name: 'a', result: before }, { name: 'b', result: after }]).flatMap((table) => table.rows.map((r) => r.label))).not.toContain('peak bytes pinned');
  });

  it('has a table per endpoint with a column per result', () => {
    expect(lines[0]).toMatch(/^base {2}before\.json: test, completed after 1\.0 s$/);
    expect(lines.some((line) => line.startsWith('server'))).toBe(true);
    expect(clientAt).toBeGreaterThan(0);
    expect(row('', clientAt + 1)).toMatch(/before\.json +after\.json$/);
  });

  it('marks changes against the first result', () => {
    expect(row('Mbit/s in', clientAt)).toMatch(/^ {2}Mbit\/s in +10\.00 +13\.50 {2}\+35% ↑$/);
    expect(row('latency p50 ms', clientAt)).toMatch(/0\.100 +0\.150 {2}\+50% ↑$/);
    expect(row('latency p99 ms', clientAt)).toMatch(/0\.400 +0\.600 {2}\+50% ↑$/);
    expect(row('errors', clientAt)).toMatch(/0 +2 {2}new ↑$/);
    expect(row('threads', clientAt)).toMatch(/1 +4 {2}\+300% ↑$/);
    expect(row('messages', clientAt)).toMatch(/500 +500 {2}=$/);
  });

  it('leaves out figures no result has, such as a server\'s latency', () => {
    const serverAt = lines.findIndex((line) => line.startsWith('server'));
    const serverRows = lines.slice(serverAt, clientAt);
    expect(serverRows.some((line) => line.includes('latency'))).toBe(false);
    expect(serverRows.some((line) => line.includes('Mbit/s out'))).toBe(true);
  });

  it('has no escape codes without color, and colours better green and worse red with it', () => {
    expect(text).not.toContain('\u001b[');
    const colored = formatComparison([{ name: 'a', result: before }, { name: 'b', result: after }], { color: true });
    const coloredLines = colored.split('\n');
    const throughput = coloredLines.find((line) => line.includes('Mbit/s in') && line.includes('+35%')) ?? '';
    const latency = coloredLines.find((line) => line.includes('latency p50') && line.includes('+50%')) ?? '';
    const threads = coloredLines.find((line) => line.includes('threads')) ?? '';
    expect(throughput).toContain('\u001b[32m');
    expect(latency).toContain('\u001b[31m');
    expect(threads).not.toContain('\u001b[32m');
    expect(threads).not.toContain('\u001b[31m');
  });

  it('shows "-" for an endpoint one result does not have', () => {
    const serverOnly = resultOf([endpointResultOf({ id: 'server', role: 'server', transport: 'tcp' })]);
    const lonely = formatComparison([{ name: 'a', result: serverOnly }, { name: 'b', result: after }], { color: false }).split('\n');
    const at = lonely.findIndex((line) => line.startsWith('client'));
    expect(lonely.slice(at).find((line) => line.includes('Mbit/s in'))).toMatch(/^ {2}Mbit\/s in +- +13\.50$/);
  });
});

describe('sockscope compare, report --html', () => {
  let scratch: string;
  let beforePath: string;
  let afterPath: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sockscope-compare-'));
    beforePath = join(scratch, 'before.json');
    afterPath = join(scratch, 'after.json');
    await writeFile(beforePath, JSON.stringify(before));
    await writeFile(afterPath, JSON.stringify(after));
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('parses two or more results and refuses fewer', () => {
    expect(parseCommandLine(['compare', 'a.json', 'b.json', 'c.json'])).toEqual({ command: 'compare', args: { resultPaths: ['a.json', 'b.json', 'c.json'] } });
    expect(parseCommandLine(['compare', 'a.json', 'b.json', '--html', 'c.html'])).toEqual({ command: 'compare', args: { resultPaths: ['a.json', 'b.json'], htmlPath: 'c.html' } });
    expect(parseCommandLine(['compare', '--help'])).toEqual({ command: 'help', topic: 'compare' });
    expect(() => parseCommandLine(['compare', 'a.json'])).toThrow(/two or more results, got 1/);
  });

  it('prints the comparison, in colour only on a terminal', async () => {
    const io = recordingIo();
    expect(await main(['compare', beforePath, afterPath], io)).toBe(0);
    expect(io.out.join('')).toContain('+35% ↑');
    expect(io.out.join('')).not.toContain('\u001b[');
    const tty = recordingIo(true);
    expect(await main(['compare', beforePath, afterPath], tty)).toBe(0);
    expect(tty.out.join('')).toContain('\u001b[32m');
  });

  it('writes the comparison page with --html, escaped and marked', async () => {
    const io = recordingIo();
    const htmlPath = join(scratch, 'compare.html');
    expect(await main(['compare', beforePath, afterPath, '--html', htmlPath], io)).toBe(0);
    expect(io.err.join('')).toContain(`HTML comparison written to ${htmlPath}`);
    const html = await readFile(htmlPath, 'utf8');
    expect(html).toContain('<title>sockscope comparison: before.json, after.json</title>');
    expect(html).toContain('<span class="change better">+35% ↑</span>');
    expect(html).toContain('<span class="change worse">+50% ↑</span>');
    expect(html).not.toContain('<script');
  });

  it('names a result it cannot read and exits 2', async () => {
    const io = recordingIo();
    expect(await main(['compare', beforePath, join(scratch, 'missing.json')], io)).toBe(2);
    expect(io.err.join('')).toMatch(/cannot read the result .*missing\.json.*ENOENT/);
  });

  it('writes the HTML report with report --html', async () => {
    const io = recordingIo();
    const htmlPath = join(scratch, 'report.html');
    expect(await main(['report', beforePath, '--html', htmlPath], io)).toBe(0);
    expect(io.err.join('')).toContain(`HTML report written to ${htmlPath}`);
    const html = await readFile(htmlPath, 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('<title>sockscope report: test</title>');
  });

  it('refuses --html naming a directory before reading the result', async () => {
    const io = recordingIo();
    expect(await main(['report', join(scratch, 'missing.json'), '--html', scratch], io)).toBe(2);
    expect(io.err.join('')).toContain(`--html ${scratch} is a directory`);
  });

  it('parses run --report', () => {
    const line = parseCommandLine(['run', 'p.json', '--report', 'r.html']);
    expect(line).toMatchObject({ command: 'run', args: { profilePath: 'p.json', reportPath: 'r.html' } });
    expect(() => parseCommandLine(['run', 'p.json', '--report='])).toThrow(/--report needs a file name/);
  });
});
