import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultSchema } from '../../src-shared/result.js';

// These tests run the built CLI as a user would: `node bin/sockscope.js`, against out/node.
const root = fileURLToPath(new URL('../../', import.meta.url));
const launcher = join(root, 'bin', 'sockscope.js');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

function sockscope(args: string[], timeoutMs = 20000): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [launcher, ...args], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`sockscope ${args.join(' ')} did not exit within ${timeoutMs} ms\nstderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A stack trace line, which a user error must never print. */
const stackLine = /^ {4}at /m;

let scratch: string;

beforeAll(async () => {
  if (!existsSync(join(root, 'out', 'node', 'src-main', 'cli', 'main.js'))) {
    throw new Error('out/node is not built: run "npx tsc -p tsconfig.node.json" (npm test does) before these tests');
  }
  scratch = await mkdtemp(join(tmpdir(), 'sockscope-cli-'));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

function echoServerProfile(port: number): object {
  return {
    schema: 'sockscope.profile/1',
    name: 'port taken',
    durationMs: 1000,
    endpoints: [
      { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port }, workload: { kind: 'echo' } },
    ],
  };
}

describe('sockscope (the built CLI)', () => {
  it('--help exits 0 and lists run', async () => {
    const { code, stdout } = await sockscope(['--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^\s+run PROFILE\.json/m);
  });

  it('run --help exits 0 and lists its options', async () => {
    const { code, stdout } = await sockscope(['run', '--help']);
    expect(code).toBe(0);
    for (const option of ['--duration', '--out', '--quiet']) expect(stdout).toContain(option);
  });

  it('exits 2 on an unknown option, naming it', async () => {
    const { code, stderr } = await sockscope(['run', 'profiles/echo-epoll.json', '--bogus']);
    expect(code).toBe(2);
    expect(stderr).toContain('--bogus');
    expect(stderr).not.toMatch(stackLine);
  });

  it('exits 2 on a malformed profile, naming every bad field, without a stack trace', async () => {
    const path = join(scratch, 'malformed.json');
    const profile = echoServerProfile(0) as { durationMs: unknown; endpoints: { model: string }[] };
    profile.durationMs = 'soon';
    profile.endpoints[0]!.model = 'kqueue';
    await writeFile(path, JSON.stringify(profile, null, 2));
    const { code, stderr } = await sockscope(['run', path]);
    expect(code).toBe(2);
    expect(stderr).toContain('durationMs');
    expect(stderr).toContain('endpoints[0].model');
    expect(stderr).not.toMatch(stackLine);
  });

  it('exits 3 when the server port is taken, naming EADDRINUSE and the address', async () => {
    const blocker: Server = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = blocker.address() as AddressInfo;
      const path = join(scratch, 'port-taken.json');
      await writeFile(path, JSON.stringify(echoServerProfile(port), null, 2));
      const { code, stderr } = await sockscope(['run', path]);
      expect(code).toBe(3);
      expect(stderr).toContain('EADDRINUSE');
      expect(stderr).toContain(`127.0.0.1:${port}`);
      expect(stderr).not.toMatch(stackLine);
    } finally {
      await new Promise((resolve) => blocker.close(resolve));
    }
  });

  it('runs profiles/echo-epoll.json for a second and writes a valid result', async () => {
    const out = join(scratch, 'r.json');
    const { code, stderr } = await sockscope(['run', 'profiles/echo-epoll.json', '--duration', '1', '--out', out]);
    expect(stderr).not.toMatch(stackLine);
    expect(code).toBe(0);
    const parsed = resultSchema.safeParse(JSON.parse(await readFile(out, 'utf8')));
    expect(parsed.success ? [] : parsed.error.issues).toEqual([]);
    expect(parsed.data?.completed).toBe(true);
    const client = parsed.data?.endpoints.find((endpoint) => endpoint.id === 'client');
    expect(client?.counters.messages).toBeGreaterThan(0);
  });

  it('prints a summary table when there is no --out', async () => {
    const { code, stdout } = await sockscope(['run', 'profiles/echo-epoll.json', '--duration', '0.3']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^endpoint +role +model +transport/m);
    expect(stdout).toMatch(/^client +client +epoll +tcp/m);
  });
});

describe('scripts/generate-schemas --check', () => {
  it('finds schemas/ up to date', async () => {
    const child = spawn(process.execPath, [join(root, 'out', 'node', 'scripts', 'generate-schemas.js'), '--check'], { cwd: root });
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
  });
});
