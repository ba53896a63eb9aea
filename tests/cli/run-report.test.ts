// sockscope run --report: a real run, in-process, writes its result and then its HTML report.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../src-main/cli/main.js';
import { resultSchema } from '../../src-shared/result.js';
import { profileOf } from '../helpers/profiles.js';
import { recordingIo } from '../helpers/cli-io.js';

let scratch: string;
let profilePath: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sockscope-run-report-'));
  profilePath = join(scratch, 'profile.json');
  const profile = profileOf(
    [
      { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
      { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, workload: { kind: 'ping-pong', messagesPerSecond: 100 } },
    ],
    { name: 'run --report', durationMs: 400 },
  );
  await writeFile(profilePath, JSON.stringify(profile));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('sockscope run --report', () => {
  it('writes the result and the HTML report of the same run', async () => {
    const io = recordingIo();
    const outPath = join(scratch, 'result.json');
    const reportPath = join(scratch, 'report.html');
    expect(await main(['run', profilePath, '--out', outPath, '--report', reportPath], io)).toBe(0);
    expect(io.err.join('')).toContain(`HTML report written to ${reportPath}`);
    const result = resultSchema.parse(JSON.parse(await readFile(outPath, 'utf8')));
    const html = await readFile(reportPath, 'utf8');
    expect(html).toContain('<title>sockscope report: run --report</title>');
    expect(html).toContain(result.startedAt.slice(0, 10));
    expect(html).toMatch(/<figure class="chart">/);
  });

  it('refuses a --report path in a missing directory before running', async () => {
    const io = recordingIo();
    const reportPath = join(scratch, 'no-such-directory', 'report.html');
    expect(await main(['run', profilePath, '--report', reportPath, '--quiet'], io)).toBe(2);
    expect(io.err.join('')).toContain(`--report ${reportPath}: the directory`);
    expect(io.out.join('')).toBe('');
  });
});
