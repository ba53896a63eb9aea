// The HTML report of a real run, opened in Chromium with the network cut off: it renders offline,
// runs nothing, loads nothing, and shows the profile's hostile text as text.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { endpointSeries, escapeHtml, reportContentSecurityPolicy, toHtmlComparison, toHtmlReport } from '../../src-main/engine/report/html.js';
import { runProfile } from '../../src-main/engine/run.js';
import { findingsOf } from '../../src-shared/findings.js';
import type { RunResult } from '../../src-shared/result.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';
import { connectionOf, endpointResultOf, resultOf } from '../helpers/results.js';

const hostileName = '<script>alert("name")</script> & \'quoted\' <b>bold</b>';
const hostileDescription = 'First paragraph <img src=x onerror=alert(1)>.\n\n<script>document.title = "pwned"</script> Second paragraph.';

const chromiumArgs = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

let result: RunResult;
let html: string;
let scratch: string;

beforeAll(async () => {
  // An echo server, a paced ping-pong client and a client that sends a paced stream then half-closes.
  result = await runProfile(
    profileOf(
      [
        { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
        {
          id: 'pinger',
          role: 'client',
          transport: 'tcp',
          model: 'epoll',
          connect: { endpoint: 'server' },
          options: { noDelay: true },
          workload: { kind: 'ping-pong', messageBytes: 48, messagesPerSecond: 200 },
        },
        {
          id: 'uploader',
          role: 'client',
          transport: 'tcp',
          model: 'epoll',
          connect: { endpoint: 'server' },
          options: { rcvBufBytes: 16384 },
          workload: { kind: 'bulk', writeBytes: 16384, bytesPerSecond: 1_000_000, totalBytes: 600_000, thenShutdownWrite: true },
        },
      ],
      { name: hostileName, description: hostileDescription, durationMs: 1000, sampleEveryMs: 50 },
    ),
  );
  html = toHtmlReport(result);
  scratch = await mkdtemp(join(tmpdir(), 'sockscope-html-'));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('toHtmlReport', () => {
  it('escapes the profile text and loads nothing', () => {
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<img');
    expect(html).not.toContain('<b>bold');
    expect(html).toContain(escapeHtml(hostileName));
    expect(html).toContain(`<meta http-equiv="Content-Security-Policy" content="${escapeHtml(reportContentSecurityPolicy)}">`);
    // No attribute points outside the page: only fragment links.
    expect(html.match(/\b(?:src|href|xlink:href)="(?!#)[^"]*"/g)).toBeNull();
    expect(html).not.toMatch(/url\(/);
  });

  it('draws throughput from the samples', () => {
    const uploader = endpointOf(result, 'uploader');
    const series = endpointSeries(uploader, result.profile.sampleEveryMs);
    expect(series.timesMs.length).toBeGreaterThan(3);
    // The rates, times their intervals, add up to the bytes of the last sample.
    let previousMs = 0;
    let bytes = 0;
    series.timesMs.forEach((atMs, index) => {
      bytes += ((series.bitsOut[index] ?? 0) / 8) * ((atMs - previousMs) / 1000);
      previousMs = atMs;
    });
    const samples = uploader.connections.flatMap((connection) => connection.samples);
    expect(bytes).toBeCloseTo(samples.at(-1)?.bytesOut ?? -1, 0);
    // Paced at 1 MB/s: some tick saw megabits per second.
    expect(Math.max(...series.bitsOut)).toBeGreaterThan(1e6);
  });

  it('turns hand-made samples into rates between ticks, keeping a closed connection\'s last counts', () => {
    const sample = (atMs: number, bytesOut: number) => ({
      atMs, bytesIn: 0, bytesOut, kernelSendQueueBytes: 10, kernelUnsentBytes: 0, kernelRecvQueueBytes: 0, appSendQueueBytes: 0, tcp: null,
    });
    const endpoint = endpointResultOf({
      id: 'client',
      role: 'client',
      transport: 'tcp',
      connections: [
        connectionOf({ id: 1, samples: [sample(100, 1000), sample(200, 3000)] }),
        connectionOf({ id: 2, samples: [sample(101, 500)] }),
      ],
    });
    const series = endpointSeries(endpoint, 100);
    expect(series.timesMs).toEqual([100, 200]);
    // 1500 bytes in the first 100 ms, 2000 in the second: connection 2 closed and kept its 500.
    expect(series.bitsOut).toEqual([120_000, 160_000]);
    expect(series.sendQueueBytes).toEqual([20, 10]);
    expect(series.rttUs).toEqual([null, null]);
  });

  it('renders a result without samples, findings or capture', () => {
    const page = toHtmlReport(resultOf([endpointResultOf({ id: 'server', role: 'server', transport: 'tcp' })]));
    expect(page).toContain('No findings');
    expect(page).toContain('Nothing was captured');
    expect(page).toContain('No samples');
  });
});

describe('the HTML report in Chromium, offline', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: chromiumArgs });
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('renders every section with charts, runs no script and requests nothing', async () => {
    const path = join(scratch, 'report.html');
    await writeFile(path, html);
    const context = await browser.newContext({ viewport: { width: 1200, height: 900 } });
    await context.setOffline(true);
    const page = await context.newPage();
    const problems: string[] = [];
    const requests: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed request: ${request.url()}`));
    page.on('request', (request) => requests.push(request.url()));
    await page.route('**', (route) => (route.request().url().startsWith('file:') ? route.continue() : route.abort()));

    const url = pathToFileURL(path).href;
    await page.goto(url, { waitUntil: 'load' });

    expect(await page.title()).toBe(`sockscope report: ${hostileName}`);
    expect(await page.locator('h1').textContent()).toBe(hostileName);
    expect(await page.locator('script, img').count()).toBe(0);
    expect(await page.locator('.description p').allTextContents()).toEqual([
      'First paragraph <img src=x onerror=alert(1)>.',
      '<script>document.title = "pwned"</script> Second paragraph.',
    ]);

    for (const id of ['summary', 'findings', 'profile', 'environment', 'charts', 'latency', 'counters', 'timelines', 'stream']) {
      await expect.poll(() => page.locator(`section#${id} h2`).isVisible()).toBe(true);
    }
    expect(await page.locator('#findings .finding').count()).toBe(findingsOf(result).length);
    expect(await page.locator('#environment').textContent()).toContain('net.ipv4.tcp_rmem');
    // The kernel doubles the receive buffer asked for: the cell is marked and says what was asked.
    const changed = page.locator('table.options td.changed');
    expect(await changed.count()).toBeGreaterThanOrEqual(1);
    expect(await changed.first().textContent()).toBe('32,768asked 16,384');

    // Charts: lines with several points, drawn at a real size.
    const chartPaths = page.locator('figure.chart svg path');
    expect(await chartPaths.count()).toBeGreaterThanOrEqual(4);
    const longest = Math.max(...(await chartPaths.evaluateAll((paths) => paths.map((path) => (path.getAttribute('d') ?? '').split('L').length))));
    expect(longest).toBeGreaterThan(5);
    const box = await page.locator('figure.chart > svg').first().boundingBox();
    expect(box?.width).toBeGreaterThan(250);
    expect(box?.height).toBeGreaterThan(120);
    // Legend keys stay small, on the legend's line.
    const key = await page.locator('figure.chart svg.key').first().boundingBox();
    expect(key?.height).toBeLessThanOrEqual(12);

    // Timelines: a state band per connection at least, ESTABLISHED among them.
    expect(await page.locator('svg.timeline rect').count()).toBeGreaterThanOrEqual(3);
    expect(await page.locator('svg.timeline rect title').allTextContents()).toEqual(expect.arrayContaining([expect.stringMatching(/^ESTABLISHED: /)]));

    // The stream table: the ping-pong's first write, with its size.
    expect(await page.locator('table.stream tbody tr').count()).toBe(Math.min(200, result.capture.entries.length));
    expect(await page.locator('table.stream tbody').textContent()).toContain('→ write');

    // Nothing overflows the page sideways at this width.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);

    expect(requests.every((request) => request === url)).toBe(true);
    expect(problems).toEqual([]);

    const artifacts = resolve('test-artifacts');
    await mkdir(artifacts, { recursive: true });
    await page.screenshot({ path: join(artifacts, 'report.png'), fullPage: true });
    await writeFile(join(artifacts, 'report.html'), html);
    await context.close();
  });

  it('renders the comparison page offline without errors', async () => {
    const path = join(scratch, 'compare.html');
    const slower: RunResult = {
      ...result,
      endpoints: result.endpoints.map((endpoint) => ({ ...endpoint, throughput: { ...endpoint.throughput, bitsPerSecondOut: endpoint.throughput.bitsPerSecondOut / 2 } })),
    };
    await writeFile(path, toHtmlComparison([{ name: 'fast.json', result }, { name: 'slow.json', result: slower }]));
    const context = await browser.newContext({ viewport: { width: 1000, height: 800 } });
    await context.setOffline(true);
    const page = await context.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('requestfailed', (request) => problems.push(`failed request: ${request.url()}`));
    await page.goto(pathToFileURL(path).href, { waitUntil: 'load' });
    expect(await page.title()).toBe('sockscope comparison: fast.json, slow.json');
    expect(await page.locator('h1').textContent()).toBe(hostileName);
    expect(await page.locator('#endpoints h3').count()).toBe(result.endpoints.length);
    // A real run carries the engine's CPU time: the cost table sits with the runs.
    expect(await page.locator('#runs h3').textContent()).toMatch(/^Cost of each run/);
    expect(await page.locator('.change.worse').first().textContent()).toBe('-50% ↓');
    expect(problems).toEqual([]);
    await page.screenshot({ path: join(resolve('test-artifacts'), 'compare.png'), fullPage: true });
    await context.close();
  });
});
