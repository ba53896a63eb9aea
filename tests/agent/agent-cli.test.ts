// `sockscope agent` as a process: prints its URL with the token, serves it, stops on Ctrl-C.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let profilesDir: string;

beforeAll(async () => {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.node.json'], { stdio: 'inherit' });
  profilesDir = await mkdtemp(join(tmpdir(), 'sockscope-agent-cli-'));
}, 120_000);
afterAll(() => rm(profilesDir, { recursive: true, force: true }));

describe('sockscope agent', () => {
  it('prints a loopback URL with its token and runs until Ctrl-C', async () => {
    const child = spawn(process.execPath, ['bin/sockscope.js', 'agent', '--port', '0', '--profiles', profilesDir], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));

    const deadline = Date.now() + 20_000;
    let url: string | undefined;
    while (url === undefined && Date.now() < deadline) {
      url = /(http:\/\/127\.0\.0\.1:\d+\/\?token=[A-Za-z0-9_-]{32})\n/.exec(stdout)?.[1];
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect(url, `stdout: ${stdout}\nstderr: ${stderr}`).toBeDefined();

    const response = await fetch(url as string, { redirect: 'manual' });
    expect(response.status).toBe(303);
    expect((await fetch(new URL('/', url).href)).status).toBe(401);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(stderr).toContain('stopped');
  });
});
