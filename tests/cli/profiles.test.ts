// The built CLI finds its built-in profiles in the package, whatever the working directory.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));
const launcher = join(root, 'bin', 'sockscope.js');

function sockscope(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { cwd: tmpdir(), stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

beforeAll(() => {
  if (!existsSync(join(root, 'out', 'node', 'src-main', 'cli', 'main.js'))) {
    throw new Error('out/node is not built: run "npx tsc -p tsconfig.node.json" (npm test does) before these tests');
  }
});

describe('sockscope profiles and run --profile (the built CLI, run from another directory)', () => {
  it('lists the built-in profiles', async () => {
    const { code, stdout } = await sockscope(['profiles']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^half-close +half-close\.json /m);
    expect(stdout).toMatch(/^reuseaddr-time-wait +reuseaddr-time-wait\.json +A server restarted on its port fails with EADDRINUSE/m);
  });

  it('runs half-close by name and prints its findings', async () => {
    const { code, stdout, stderr } = await sockscope(['run', '--profile', 'half-close', '--duration', '0.5']);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toMatch(/^ {2}info {5}client: Data kept arriving after our own FIN \(half-close\)\.$/m);
  });
});
