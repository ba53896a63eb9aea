// The renderer in Chromium against a real agent and a real engine on loopback: a scenario built
// through the UI, live controls, the state timeline, the payload inspector and its layout panel,
// and the token check.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startAgent, type AgentHandle } from '../../src-main/agent/agent.js';
import { resultSchema } from '../../src-shared/result.js';
import { ensureEngineHostBuild, ensureRendererBuild, launchChromium, screenshotPath, viewport } from './browser.js';

let agent: AgentHandle;
let browser: Browser;
let page: Page;
let profilesDir: string;

beforeAll(async () => {
  ensureRendererBuild();
  ensureEngineHostBuild();
  profilesDir = await mkdtemp(join(tmpdir(), 'sockscope-e2e-'));
  agent = await startAgent({ host: '127.0.0.1', port: 0, profilesDir });
  browser = await launchChromium();
  page = await browser.newPage({ viewport });
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') console.log(`[page ${message.type()}] ${message.text()}`);
  });
  await page.goto(agent.url);
  await page.waitForSelector('[data-tab="workbench"]');
  expect(errors).toEqual([]);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  if (profilesDir) await rm(profilesDir, { recursive: true, force: true });
});

/** Milliseconds shown in a cell ("43.5", "0.052"); NaN for "—". */
async function millis(selector: string): Promise<number> {
  return Number.parseFloat((await page.locator(selector).first().textContent()) ?? '');
}

async function newScenario(durationMs: number): Promise<void> {
  await page.click('[data-tab="workbench"]');
  await page.getByRole('button', { name: 'New', exact: true }).click();
  await page.fill('input[aria-label="duration ms"]', String(durationMs));
}

async function startRun(): Promise<void> {
  await page.click('[data-action="start"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'running', null, { timeout: 15_000 });
}

async function stopRun(): Promise<void> {
  // The run may reach its duration at any moment, disabling Stop: click only an enabled button, atomically.
  await page.evaluate(() => document.querySelector<HTMLButtonElement>('[data-action="stop"]:not(:disabled)')?.click());
  await page.waitForFunction(() => ['finished', 'failed'].includes(document.querySelector('[data-testid="run-status"]')?.textContent?.trim() ?? ''), null, {
    timeout: 60_000,
  });
}

/** Selects the first connection of an endpoint in the live connection table. */
async function selectConnectionOf(endpointId: string): Promise<void> {
  await page.click('[data-tab="live"]');
  const row = page.locator(`tr[data-endpoint-name="${endpointId}"]`).first();
  await row.waitFor({ timeout: 10_000 });
  await row.click();
}

describe('renderer against a real agent and engine', () => {
  it('builds the Nagle scenario in the workbench, measures the stall, and removes it live with TCP_NODELAY', async () => {
    await newScenario(15_000);
    await page.fill('input[aria-label="scenario name"]', 'Nagle against delayed ACK, built by hand');
    await page.click('[data-action="add-server"]');
    const server = page.locator('[data-endpoint="server"]');
    await server.locator('[data-param="messageBytes"] input').fill('64');
    // A bad value is marked where it was typed, and Start explains instead of failing later.
    await server.locator('input[aria-label="port"]').fill('70000');
    await expect.poll(() => server.locator('[data-path="endpoints[0].listen"]').textContent()).toMatch(/65535/);
    await page.screenshot({ path: screenshotPath('workbench-invalid') });
    await server.locator('input[aria-label="port"]').fill('0');
    await page.click('[data-action="add-client"]');
    const client = page.locator('[data-endpoint="client"]');
    await client.locator('select[aria-label="workload kind"]').selectOption('ping-pong');
    await client.locator('[data-param="messageBytes"] input').fill('64');
    await client.locator('[data-param="writesPerMessage"] input').fill('2');
    // Paced, so that once Nagle is off the page charts a few hundred round trips a second rather
    // than tens of thousands: the measurement is the same, the browser stays responsive on 2 cores.
    await client.locator('[data-param="messagesPerSecond"] input').fill('500');
    await client.locator('[data-option="noDelay"] select').selectOption('off');
    await expect.poll(() => page.textContent('[data-testid="validity"]')).toBe('Ready to run.');
    await page.evaluate(() => document.querySelector('.workbench')?.scrollTo(0, 0));
    await page.screenshot({ path: screenshotPath('workbench') });
    await client.scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('workbench-client') });

    await startRun();
    await page.click('[data-tab="live"]');
    const p50 = 'tr[data-endpoint="client"] [data-metric="p50"]';
    // Nagle holds the second half of each request until the first is acknowledged; the server's
    // kernel delays that ACK (about 40 ms on Linux) because the server answers whole requests only.
    await expect.poll(() => millis(p50), { timeout: 15_000, interval: 250 }).toBeGreaterThan(20);
    await page.waitForTimeout(1500);
    const stalled = await millis(p50);
    console.log(`Nagle on: client p50 ${stalled} ms`);
    expect(stalled).toBeGreaterThan(20);
    expect(stalled).toBeLessThan(250);
    await page.screenshot({ path: screenshotPath('live-nagle-on'), fullPage: false });

    await selectConnectionOf('client');
    await expect.poll(() => page.textContent('[data-testid="nagle-state"]')).toBe('on');
    await page.click('[data-action="toggle-nagle"]');
    await expect.poll(() => page.textContent('[data-testid="nagle-state"]')).toBe('off (TCP_NODELAY)');
    // The interval mean reacts at once; the run's p50 follows once fast round trips outnumber slow ones.
    await expect.poll(() => millis('tr[data-endpoint="client"] [data-metric="interval-mean"]'), { timeout: 20_000, interval: 250 }).toBeLessThan(5);
    await expect.poll(() => millis(p50), { timeout: 25_000, interval: 250 }).toBeLessThan(5);
    const fast = await millis(p50);
    console.log(`Nagle off (live set-option noDelay): client p50 ${fast} ms`);
    await page.screenshot({ path: screenshotPath('live-nagle-off') });
    await stopRun();
  }, 180_000);

  it('shows a half-close in the state timeline: FIN_WAIT on the side that shut down, CLOSE_WAIT on its peer', async () => {
    await newScenario(6000);
    await page.click('[data-action="add-server"]');
    await page.click('[data-action="add-client"]');
    const client = page.locator('[data-endpoint="client"]');
    await client.locator('select[aria-label="workload kind"]').selectOption('bulk');
    // Paced, so the connection is visibly ESTABLISHED for 1.5 s before the half-close. The write
    // size stays under a tenth of the rate: the engine's pacer allows at most that much at once.
    await client.locator('[data-param="writeBytes"] input').fill('16384');
    await client.locator('[data-param="totalBytes"] input').fill('1500000');
    await client.locator('[data-param="bytesPerSecond"] input').fill('1000000');
    await client.locator('[data-param="thenShutdownWrite"] input').check();
    await expect.poll(() => page.textContent('[data-testid="validity"]')).toBe('Ready to run.');
    await startRun();

    await selectConnectionOf('client');
    await expect.poll(() => page.textContent('[data-testid="state-history"]'), { timeout: 10_000, interval: 200 }).toMatch(/FIN_WAIT/);
    const clientHistory = await page.textContent('[data-testid="state-history"]');
    await expect.poll(() => page.locator('tr[data-endpoint-name="client"]').first().textContent()).toMatch(/we shut write/);

    await selectConnectionOf('server');
    await expect.poll(() => page.textContent('[data-testid="state-history"]'), { timeout: 10_000, interval: 200 }).toMatch(/CLOSE_WAIT|LAST_ACK/);
    const serverHistory = await page.textContent('[data-testid="state-history"]');
    await expect.poll(() => page.locator('tr[data-endpoint-name="server"]').first().textContent()).toMatch(/peer shut write/);
    console.log(`client ${clientHistory?.trim()}\nserver ${serverHistory?.trim()}`);
    await stopRun();
    await page.locator('[data-testid="state-history"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: screenshotPath('live-half-close') });

    // The finished run exports as a result file that the command line's report and compare read.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-action="export-result"]')]);
    expect(download.suggestedFilename()).toMatch(/^sockscope-.*\.json$/);
    const exported = resultSchema.parse(JSON.parse(await readFile((await download.path())!, 'utf8')));
    expect(exported.endpoints.map((endpoint) => endpoint.id)).toEqual(['server', 'client']);
    expect(exported.endpoints[1]!.connections[0]!.events.some((event) => event.type === 'shutdown')).toBe(true);
  }, 120_000);

  it('sends a UTF-16LE message by hand and decodes it in the inspector', async () => {
    await newScenario(20_000);
    await page.click('[data-action="add-server"]');
    await page.locator('[data-endpoint="server"] select[aria-label="workload kind"]').selectOption('manual');
    await page.click('[data-action="add-client"]');
    await page.locator('[data-endpoint="client"] select[aria-label="workload kind"]').selectOption('manual');
    await startRun();

    await selectConnectionOf('client');
    const message = '안녕 sockscope';
    await page.selectOption('select[aria-label="send encoding"]', 'utf16le');
    await page.fill('input[aria-label="payload"]', message);
    await page.click('[data-action="send"]');
    await page.waitForTimeout(300);
    expect(await page.locator('[data-testid="command-error"]').count()).toBe(0);

    await page.click('[data-tab="stream"]');
    const write = page.locator('tr[data-direction="write"]').first();
    await write.waitFor({ timeout: 10_000 });
    await write.click();
    await expect.poll(() => page.textContent('[data-testid="inspector-utf16le"]')).toBe(message);
    const hex = await page.textContent('[data-testid="inspector-hex"]');
    expect(hex).toContain('48 c5 55 b1 20 00 73 00'); // 안 = U+C548, 녕 = U+B155, little-endian
    await page.screenshot({ path: screenshotPath('stream-inspector'), fullPage: false });
    await stopRun();
  }, 120_000);

  it('decodes a real framed request\'s header with the layout panel\'s frame-header preset', async () => {
    await newScenario(20_000);
    await page.click('[data-action="add-server"]');
    await page.locator('[data-endpoint="server"] select[aria-label="workload kind"]').selectOption('framed-echo');
    await page.click('[data-action="add-client"]');
    const client = page.locator('[data-endpoint="client"]');
    await client.locator('select[aria-label="workload kind"]').selectOption('request-response');
    await client.locator('[data-param="requestsPerSecond"] input').fill('20');
    await expect.poll(() => page.textContent('[data-testid="validity"]')).toBe('Ready to run.');
    await startRun();

    await selectConnectionOf('client');
    await page.click('[data-tab="stream"]');
    const write = page.locator('tr[data-direction="write"]').first();
    await write.waitFor({ timeout: 10_000 });
    await write.click();
    await page.click('[data-action="layout-frame-header"]');
    // One request per write (one in flight): the default 32-byte payload after a 4-byte header,
    // whose little-endian size counts the header.
    const values = page.locator('[data-testid="layout-value"]');
    await expect.poll(() => values.allTextContents()).toHaveLength(2);
    const [size, id] = (await values.allTextContents()).map((text) => Number(text.trim()));
    console.log(`framed request header decoded in the page: size ${size}, id ${id}`);
    expect(size).toBe(36);
    expect(Number.isInteger(id)).toBe(true);
    await page.hover('tr[data-field="/size"]');
    await expect.poll(() => page.locator('[data-testid="inspector-hex"] span.mark-field').count()).toBe(2);
    await page.screenshot({ path: screenshotPath('stream-layout'), fullPage: false });
    await stopRun();
  }, 120_000);

  it('opens a built-in profile from the picker and saves a copy in the agent\'s folder', async () => {
    await page.click('[data-tab="workbench"]');
    const picker = page.locator('select[aria-label="profile library"]');
    await expect.poll(() => picker.locator('option').count()).toBeGreaterThan(5);
    await picker.selectOption({ label: 'Half-close: receiving after our own FIN' });
    await page.click('[data-action="open-profile"]');
    await expect.poll(() => page.inputValue('input[aria-label="scenario name"]')).toBe('Half-close: receiving after our own FIN');
    expect(await page.locator('section.endpoint').count()).toBe(2);
    expect(await page.inputValue('[data-endpoint="client"] [data-option="rcvBufBytes"] input')).toBe('16384');

    await page.getByRole('button', { name: 'Save as…' }).click();
    await page.fill('input[aria-label="stored profile name"]', 'my half-close');
    await page.locator('section[aria-label="profiles"] button.primary').click();
    await expect.poll(() => page.textContent('section[aria-label="profiles"] .source')).toMatch(/stored: my half-close/);
    expect(existsSync(join(profilesDir, 'my half-close.json'))).toBe(true);
  }, 60_000);

  it('refuses a page or an API socket without the token', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      httpRequest({ host: '127.0.0.1', port: agent.port, path: '/' }, (response) => {
        response.resume();
        resolve(response.statusCode ?? 0);
      })
        .on('error', reject)
        .end();
    });
    expect(status).toBeGreaterThanOrEqual(400);

    // A fresh browser context has no cookie: the page is refused, and so is the WebSocket.
    const context = await browser.newContext({ viewport });
    const stranger = await context.newPage();
    const response = await stranger.goto(`http://127.0.0.1:${agent.port}/`);
    expect(response?.status()).toBeGreaterThanOrEqual(400);
    const opened = await stranger.evaluate(
      (url) =>
        new Promise<boolean>((resolve) => {
          const socket = new WebSocket(url);
          socket.onopen = () => resolve(true);
          socket.onerror = () => resolve(false);
          socket.onclose = () => resolve(false);
        }),
      `ws://127.0.0.1:${agent.port}/api`,
    );
    expect(opened).toBe(false);
    await context.close();
  }, 60_000);
});
