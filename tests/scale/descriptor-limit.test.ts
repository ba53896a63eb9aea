// A run that needs more descriptors than the process may open says so with the figures, and
// keeps running: the connections past the limit fail with EMFILE, the rest work.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultSchema } from '../../src-shared/result.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
let dir: string;

beforeAll(() => {
  // The browser suites, which run before this group, compile out/node; so does npm test.
  if (!existsSync(path.join(root, 'out', 'node', 'src-main', 'cli', 'main.js'))) {
    throw new Error('out/node is not built: run "npx tsc -p tsconfig.node.json" (npm test does) before these tests');
  }
  dir = mkdtempSync(path.join(tmpdir(), 'sockscope-fd-limit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the open-file limit', () => {
  it('is raised where allowed, and a shortfall is a notice with the figures, not a crash', () => {
    const connections = 300;
    const limit = 256;
    const profilePath = path.join(dir, 'many.json');
    writeFileSync(
      profilePath,
      JSON.stringify(
        profileOf(
          [
            { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
            {
              id: 'client',
              role: 'client',
              transport: 'tcp',
              model: 'epoll',
              connect: { endpoint: 'server' },
              connections,
              workload: { kind: 'ping-pong', messageBytes: 16, messagesPerSecond: 5 },
            },
          ],
          { durationMs: 1500, capture: { enabled: false, maxEntries: 16, previewBytes: 0 } },
        ),
      ),
    );
    // `ulimit -n` sets both limits for the child: only a process with CAP_SYS_RESOURCE may
    // raise the hard one again.
    const output = execFileSync('sh', ['-c', `ulimit -n ${limit} && exec "$0" bin/sockscope.js run "$1" --out -`, process.execPath, profilePath], {
      cwd: root,
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
    const result = resultSchema.parse(JSON.parse(output));
    const descriptors = result.engine!.descriptors;
    expect(descriptors.softBefore).toBe(limit);
    // Both sides of every connection are in this process.
    expect(descriptors.needed).toBeGreaterThan(2 * connections);
    const client = endpointOf(result, 'client');
    const server = endpointOf(result, 'server');
    expect(result.completed).toBe(true);
    if (descriptors.soft >= descriptors.needed) {
      // A privileged process raised the hard limit: everything connects.
      expect(descriptors.hard).toBeGreaterThanOrEqual(descriptors.needed);
      expect(client.counters.connectionsTotal).toBe(connections);
      expect(result.limitsHit.filter((hit) => hit.startsWith('file descriptors'))).toEqual([]);
      return;
    }
    expect(descriptors.soft).toBe(limit);
    expect(result.limitsHit).toContain(
      `file descriptors: the run needs about ${descriptors.needed} (${2 * connections + 5} for its sockets, the rest already open or kept in reserve) ` +
        `but the open-file limit (RLIMIT_NOFILE) is ${limit} (hard limit ${limit}); connections past it fail with EMFILE. ` +
        'Raise the hard limit (ulimit -Hn, systemd LimitNOFILE) or run the servers in another process',
    );
    const errorCodes = [...client.errors, ...server.errors].map((error) => error.code);
    expect(errorCodes).toContain('EMFILE');
    // The connections that fit still echo.
    expect(client.counters.messages).toBeGreaterThan(0);
  });
});
