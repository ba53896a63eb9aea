// The Reports and Compare views in Chromium against a real agent and engine on loopback: a run
// built in the workbench, its HTML report, CSV and pcapng downloaded and read back (tshark for the
// capture), a result file opened through the browser's file picker, a malformed one refused with
// its field, and the two results side by side.
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startAgent, type AgentHandle } from '../../src-main/agent/agent.js';
import { escapeHtml, reportContentSecurityPolicy } from '../../src-main/engine/report/html.js';
import { runProfile } from '../../src-main/engine/run.js';
import { resultSchema, type RunResult } from '../../src-shared/result.js';
import { profileOf } from '../helpers/profiles.js';
import { ensureEngineHostBuild, ensureRendererBuild, launchChromium, screenshotPath, viewport } from './browser.js';

const run = promisify(execFile);

let agent: AgentHandle;
let browser: Browser;
let page: Page;
let scratch: string;
const pageErrors: string[] = [];

beforeAll(async () => {
  ensureRendererBuild();
  ensureEngineHostBuild();
  scratch = await mkdtemp(join(tmpdir(), 'sockscope-e2e-reports-'));
  agent = await startAgent({ host: '127.0.0.1', port: 0, profilesDir: join(scratch, 'profiles') });
  browser = await launchChromium();
  page = await browser.newPage({ viewport, acceptDownloads: true });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(agent.url);
  await page.waitForSelector('[data-tab="workbench"]');
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await agent?.close();
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** Clicks what starts a download and saves it in the scratch folder: its file name and path. */
async function download(click: () => Promise<void>): Promise<{ name: string; path: string }> {
  const [started] = await Promise.all([page.waitForEvent('download', { timeout: 30_000 }), click()]);
  const path = join(scratch, started.suggestedFilename());
  await started.saveAs(path);
  return { name: started.suggestedFilename(), path };
}

/** Opens a file through the Open result button and the browser's file picker. */
async function openResultFile(path: string): Promise<void> {
  const [chooser] = await Promise.all([page.waitForEvent('filechooser'), page.click('[data-action="open-result"]')]);
  await chooser.setFiles(path);
}

/** Frames tshark reads from a pcapng file. */
async function tsharkFrameCount(path: string): Promise<number> {
  const { stdout } = await run('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.number'], { maxBuffer: 64 * 1024 * 1024 });
  return stdout.split('\n').filter((line) => line !== '').length;
}

describe('Reports and Compare views against a real agent', () => {
  let runResult: RunResult;

  it('exports the run just finished as an HTML report, CSV files and a pcapng capture', async () => {
    await page.click('[data-tab="workbench"]');
    await page.getByRole('button', { name: 'New', exact: true }).click();
    await page.fill('input[aria-label="scenario name"]', 'Reports view echo');
    await page.fill('input[aria-label="duration ms"]', '1500');
    await page.click('[data-action="add-server"]');
    await page.click('[data-action="add-client"]');
    await page.locator('[data-endpoint="client"] [data-param="messagesPerSecond"] input').fill('200');
    await expect.poll(() => page.textContent('[data-testid="validity"]')).toBe('Ready to run.');
    await page.click('[data-action="start"]');
    await page.waitForFunction(() => document.querySelector('[data-testid="run-status"]')?.textContent?.trim() === 'finished', null, { timeout: 60_000 });

    // The result JSON, as the command line reads it: what the exports are checked against.
    const saved = await download(() => page.click('[data-action="export-result"]'));
    runResult = resultSchema.parse(JSON.parse(await readFile(saved.path, 'utf8')));
    expect(runResult.capture.entries.length).toBeGreaterThan(10);

    await page.click('[data-tab="reports"]');
    await expect.poll(() => page.textContent('[data-testid="result-profile"]')).toBe('Reports view echo');
    expect(await page.locator('.reports tr[data-endpoint="client"]').count()).toBe(1);

    const html = await download(() => page.click('[data-export="html"]'));
    expect(html.name).toMatch(/^sockscope-Reports-view-echo-.+\.html$/);
    const htmlText = await readFile(html.path, 'utf8');
    expect(htmlText).toContain('Reports view echo');
    // Self-contained: the page's own policy forbids every load.
    expect(htmlText).toContain(`content="${escapeHtml(reportContentSecurityPolicy)}"`);

    const pcapng = await download(() => page.click('[data-export="pcapng"]'));
    expect(await tsharkFrameCount(pcapng.path)).toBe(runResult.capture.entries.length);

    const csv = await download(() => page.click('[data-export="csv"]'));
    expect(csv.name).toMatch(/-csv\.zip$/);
    const listing = await run('python3', ['-c', 'import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint("\\n".join(z.namelist()))', csv.path]);
    expect(listing.stdout.trim().split('\n')).toEqual(['server-samples.csv', 'client-samples.csv', 'events.csv', 'capture.csv']);
    await expect.poll(() => page.textContent('[data-testid="export-outcome"]')).toContain('-csv.zip');
    await page.screenshot({ path: screenshotPath('reports') });
  });

  it('refuses a malformed result file with its field, opens a good one, and compares it with the run', async () => {
    const brokenPath = join(scratch, 'broken-result.json');
    await writeFile(brokenPath, JSON.stringify({ ...runResult, elapsedMs: 'long' }));
    await openResultFile(brokenPath);
    await expect.poll(() => page.textContent('[data-testid="open-failure"]'), { timeout: 15_000 }).toContain('elapsedMs');
    expect(await page.textContent('[data-testid="open-failure"]')).toContain('broken-result.json');

    // The same scenario without pacing, run by the engine in this process: many more round trips.
    const faster = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
          { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, options: { noDelay: true }, workload: { kind: 'ping-pong', messageBytes: 64 } },
        ],
        { name: 'Unpaced echo', durationMs: 1000, capture: { maxEntries: 2000, previewBytes: 16 } },
      ),
    );
    const fasterPath = join(scratch, 'unpaced.json');
    await writeFile(fasterPath, JSON.stringify(faster));

    await page.click('[data-tab="compare"]');
    await page.locator('[data-result="run-1"] input[type="checkbox"]').check();
    await openResultFile(fasterPath);
    await page.waitForSelector('section[data-endpoint="client"] tr[data-row="messages"]', { timeout: 15_000 });
    const messages = page.locator('section[data-endpoint="client"] tr[data-row="messages"] td').nth(1);
    expect(await messages.getAttribute('data-verdict')).toBe('better');
    expect(await messages.textContent()).toMatch(/↑/);
    // The whole run's cost comes first: the engine process's CPU time, measured in both runs.
    expect(await page.locator('section[data-endpoint="(whole run)"] tr[data-row="CPU s (engine process)"] td').count()).toBe(2);
    const headers = (await page.locator('section[data-endpoint="client"] thead th').allTextContents()).map((text) => text.trim());
    expect(headers).toEqual(['', expect.stringMatching(/^base: Reports view echo \(run at /), 'unpaced.json']);
    await page.screenshot({ path: screenshotPath('compare'), fullPage: true });
    expect(pageErrors).toEqual([]);
  });
});
