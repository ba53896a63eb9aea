// Shared set-up of the browser tests: Debian's chromium through playwright-core, the renderer
// build, the compiled engine host, and the screenshots folder.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';
export const screenshotsDir = join('test-artifacts', 'screenshots');
export const viewport = { width: 1280, height: 800 };

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/** Builds the renderer when its build is missing or older than its sources. */
export function ensureRendererBuild(): void {
  const index = join('out', 'renderer', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime('src-renderer')) return;
  execFileSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
}

/** The agent forks the engine host from the compiled output (out/node). */
export function ensureEngineHostBuild(): void {
  try {
    execFileSync('npx', ['tsc', '-p', 'tsconfig.node.json'], { stdio: 'inherit' });
  } catch (error) {
    // tsc still emits when another part of the tree has a type error; the host is what matters here.
    if (!existsSync(join('out', 'node', 'src-main', 'engine', 'host-main.js'))) throw error;
  }
}

export function screenshotPath(name: string): string {
  mkdirSync(screenshotsDir, { recursive: true });
  return join(screenshotsDir, `${name}.png`);
}
