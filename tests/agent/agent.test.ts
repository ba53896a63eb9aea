// The agent end to end: a real agent on 127.0.0.1, a real engine host, a `ws` client as the browser.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { agentServerMessageSchema, agentTokenCookie, decodeBatch, type AgentServerMessage, type WireBatch } from '../../src-shared/agent-protocol.js';
import { liveBatchSchema, type LiveBatch } from '../../src-shared/engine-protocol.js';
import type { RunResult } from '../../src-shared/result.js';
import { reportDeliverySchema, resultUploadPartChars } from '../../src-shared/report-export.js';
import { startAgent, type AgentHandle } from '../../src-main/agent/agent.js';
import { toPcapng } from '../../src-main/engine/report/pcapng.js';
import { profileOf } from '../helpers/profiles.js';



let agent: AgentHandle;
let profilesDir: string;

beforeAll(async () => {
  // The engine host is forked from the compiled output; the pages are the renderer build.
  execFileSync('npx', ['tsc', '-p', 'tsconfig.node.json'], { stdio: 'inherit' });
  if (!existsSync('out/renderer/index.html')) execFileSync('npx', ['electron-vite', 'build'], { stdio: 'inherit' });
  profilesDir = await mkdtemp(join(tmpdir(), 'sockscope-agent-'));
  agent = await startAgent({ port: 0, profilesDir });
}, 240_000);
afterAll(async () => {
  await agent?.close();
  if (profilesDir) await rm(profilesDir, { recursive: true, force: true });
});

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A request exactly as given: no URL normalization, unlike fetch. */
function rawGet(path: string, headers: Record<string, string> = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const request = httpRequest({ host: '127.0.0.1', port: agent.port, path, headers }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    request.on('error', reject);
    request.end();
  });
}

const cookie = () => `${agentTokenCookie}=${agent.token}`;

/** A client of the API over the WebSocket, as the renderer's browser bridge is. */
class ApiClient {
  readonly events: { name: string; payload: unknown }[] = [];
  private nextId = 1;
  private readonly replies = new Map<number, (message: AgentServerMessage) => void>();
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    socket.on('message', (data) => {
      const message = agentServerMessageSchema.parse(JSON.parse(String(data)));
      if (message.type === 'event') this.events.push({ name: message.name, payload: message.payload });
      else this.replies.get(message.id)?.(message);
    });
    this.closed = new Promise((resolve) => socket.on('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static open(headers: Record<string, string> = { Cookie: cookie(), Origin: agent.origin }): Promise<ApiClient> {
    const socket = new WebSocket(`ws://127.0.0.1:${agent.port}/api`, { headers });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new ApiClient(socket)));
      socket.once('error', reject);
    });
  }

  /** Resolves with the reply, ok or not. */
  call(name: string, ...args: unknown[]): Promise<AgentServerMessage> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.replies.set(id, resolve);
      this.socket.send(JSON.stringify({ type: 'call', id, name, args }));
    });
  }

  async value(name: string, ...args: unknown[]): Promise<unknown> {
    const reply = await this.call(name, ...args);
    if (reply.type !== 'reply' || !reply.ok) throw new Error(`${name} failed: ${JSON.stringify(reply)}`);
    return reply.value;
  }

  async until<T>(find: () => T | undefined, timeoutMs = 15_000): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = find();
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error('timed out waiting for an event');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  close(): void {
    this.socket.close();
  }
}

function upgradeStatus(headers: Record<string, string>, path = '/api'): Promise<number> {
  const socket = new WebSocket(`ws://127.0.0.1:${agent.port}${path}`, { headers });
  return new Promise((resolve, reject) => {
    socket.once('unexpected-response', (_request, response) => {
      resolve(response.statusCode ?? 0);
      socket.terminate();
    });
    socket.once('open', () => reject(new Error('the upgrade was accepted')));
    socket.once('error', () => undefined);
  });
}

const echoProfile = (durationMs: number) =>
  profileOf(
    [
      { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, options: { noDelay: true }, workload: { kind: 'echo' } },
      { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, options: { noDelay: true }, workload: { kind: 'ping-pong' } },
    ],
    { durationMs },
  );

describe('the agent over HTTP', () => {
  it('prints a loopback URL with its token', () => {
    expect(agent.url).toBe(`http://127.0.0.1:${agent.port}/?token=${agent.token}`);
    expect(agent.token).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });

  it('refuses every request without the token, or with a wrong one', async () => {
    for (const path of ['/', '/index.html', '/assets/', '/api', '/nothing']) {
      const response = await rawGet(path);
      expect(response.status, path).toBe(401);
      expect(response.body).toContain('token');
    }
    expect((await rawGet('/?token=wrong')).status).toBe(401);
    expect((await rawGet('/', { Cookie: `${agentTokenCookie}=${agent.token}x` })).status).toBe(401);
  });

  it('trades ?token= for an HttpOnly, SameSite=Strict cookie, then serves the renderer', async () => {
    const first = await fetch(agent.url, { redirect: 'manual' });
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/');
    const setCookie = first.headers.get('set-cookie') ?? '';
    expect(setCookie).toContain(`${agentTokenCookie}=${agent.token}`);
    expect(setCookie).toMatch(/HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);

    const page = await fetch(`${agent.origin}/`, { headers: { Cookie: cookie() } });
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(page.headers.get('content-security-policy')).toContain("connect-src 'self'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await page.text();
    expect(html).toContain('<div id="app">');

    const script = /src="\.?(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    expect(script).toBeDefined();
    const asset = await fetch(`${agent.origin}${script}`, { headers: { Cookie: cookie() } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
  });

  it('lists no directories and never leaves the renderer folder', async () => {
    const headers = { Cookie: cookie() };
    expect((await rawGet('/assets/', headers)).status).toBe(404);
    for (const path of ['/../package.json', '/..%2Fpackage.json', '/%2e%2e/package.json', '/assets/..%2F..%2F..%2Fpackage.json', '/%00', '/..\\package.json']) {
      const response = await rawGet(path, headers);
      expect([400, 404], path).toContain(response.status);
      expect(response.body).not.toContain('"name": "sockscope"');
    }
  });

  it('answers only to its own Host name', async () => {
    expect((await rawGet('/', { Cookie: cookie(), Host: `evil.example:${agent.port}` })).status).toBe(421);
    expect((await rawGet('/', { Cookie: cookie(), Host: `localhost:${agent.port}` })).status).toBe(200);
  });
});

describe('the agent over its WebSocket', () => {
  it('refuses an upgrade without the token, from another origin, or on another path', async () => {
    expect(await upgradeStatus({ Origin: agent.origin })).toBe(401);
    expect(await upgradeStatus({ Origin: agent.origin, Cookie: `${agentTokenCookie}=nope` })).toBe(401);
    expect(await upgradeStatus({ Origin: 'http://evil.example', Cookie: cookie() })).toBe(403);
    expect(await upgradeStatus({ Origin: agent.origin, Cookie: cookie() }, '/other')).toBe(404);
  });

  it('streams a run: batches with typed capture columns, then runs.finished', async () => {
    const client = await ApiClient.open();
    const started = (await client.value('runs.start', echoProfile(700))) as { runId: string; listen: string[] };
    expect(started.listen[0]).toMatch(/^127\.0\.0\.1:\d+$/);
    const finished = await client.until(() =>
      client.events.find((event) => event.name === 'runs.finished' && (event.payload as { runId: string }).runId === started.runId),
    );
    expect((finished.payload as { result: RunResult }).result.completed).toBe(true);

    const batches: LiveBatch[] = client.events
      .filter((event) => event.name === 'runs.batch' && (event.payload as { runId: string }).runId === started.runId)
      .map((event) => liveBatchSchema.parse(decodeBatch((event.payload as { batch: WireBatch }).batch)));
    expect(batches.length).toBeGreaterThan(3);
    expect(batches.at(-1)?.final).toBe(true);
    const withCapture = batches.find((batch) => batch.capture.count > 0);
    expect(withCapture?.capture.atUs).toBeInstanceOf(Float64Array);
    expect(withCapture?.capture.connectionId).toBeInstanceOf(Uint32Array);
    expect(withCapture?.capture.previews).toBeInstanceOf(Uint8Array);
    client.close();
  });

  it('answers an invalid profile with EINVAL and the fields at fault', async () => {
    const client = await ApiClient.open();
    const reply = await client.call('runs.start', { ...echoProfile(100), sampleEveryMs: 1 });
    expect(reply).toMatchObject({ type: 'reply', ok: false, error: { code: 'EINVAL', problems: [expect.objectContaining({ path: 'sampleEveryMs' })] } });
    const badArgs = await client.call('connections.send', 'run-1', { endpoint: 'client' }, { text: 'x', hex: '00' });
    expect(badArgs).toMatchObject({ ok: false, error: { code: 'EINVAL', problems: [expect.objectContaining({ path: 'args[2]' })] } });
    expect(await client.call('no.such.call')).toMatchObject({ ok: false, error: { code: 'ENOSYS' } });
    client.close();
  });

  it('exports a finished run\'s pcapng as a download, and refuses a malformed result file with its field', async () => {
    const client = await ApiClient.open();
    const started = (await client.value('runs.start', echoProfile(400))) as { runId: string };
    const finished = await client.until(() =>
      client.events.find((event) => event.name === 'runs.finished' && (event.payload as { runId: string }).runId === started.runId),
    );
    const result = (finished.payload as { result: RunResult }).result;
    const delivery = reportDeliverySchema.parse(await client.value('reports.export', started.runId, 'pcapng'));
    if (delivery.kind !== 'download') throw new Error('the agent must send the report to download');
    expect(Buffer.from(delivery.files[0]!.base64, 'base64').equals(toPcapng(result))).toBe(true);

    const broken = gzipSync(JSON.stringify({ ...result, elapsedMs: 'long' })).toString('base64');
    const reply = await client.call('results.load', { name: 'broken.json', uploadId: 'broken-result', part: 0, parts: 1, gzipBase64: broken });
    expect(reply).toMatchObject({ ok: false, error: { code: 'EINVAL', message: expect.stringContaining('broken.json'), problems: [{ path: 'elapsedMs' }] } });
    expect(await client.call('results.open')).toMatchObject({ ok: false, error: { code: 'ENOSYS' } });

    // A part of the largest size fits one frame of the agent's: a result in parts comes back whole.
    // A second gzip member, stored uncompressed, adds megabytes of trailing spaces to the JSON.
    const gzip = Buffer.concat([gzipSync(JSON.stringify(result)), gzipSync(Buffer.alloc(resultUploadPartChars, 0x20), { level: 0 })]);
    const base64 = gzip.toString('base64');
    const parts = Math.ceil(base64.length / resultUploadPartChars);
    expect(parts).toBeGreaterThan(1);
    for (let part = 0; part < parts; part++) {
      const gzipBase64 = base64.slice(part * resultUploadPartChars, (part + 1) * resultUploadPartChars);
      const answer = await client.value('results.load', { name: 'parts.json', uploadId: 'large-result', part, parts, gzipBase64 });
      if (part < parts - 1) expect(answer).toBeNull();
      else expect(answer).toMatchObject({ name: 'parts.json', result: { startedAt: result.startedAt } });
    }
    client.close();
  });

  it('closes a socket that sends a malformed frame with 1008, and keeps serving the others', async () => {
    const other = await ApiClient.open();
    for (const frame of ['not json', JSON.stringify({ type: 'call', id: -1, name: 'app.version', args: [] }), JSON.stringify({ type: 'hello' })]) {
      const client = await ApiClient.open();
      client.socket.send(frame);
      const closed = await client.closed;
      expect(closed.code, frame).toBe(1008);
      expect(closed.reason.length).toBeGreaterThan(0);
    }
    expect(await other.value('app.version')).toMatch(/^\d+\.\d+\.\d+/);
    other.close();
  });

  it('closes a socket whose frame exceeds 4 MiB', async () => {
    const client = await ApiClient.open();
    client.socket.send(JSON.stringify({ type: 'call', id: 1, name: 'runs.start', args: ['x'.repeat(4 * 1024 * 1024 + 1)] }));
    expect((await client.closed).code).toBe(1009);
  });

  it('sends CP949 text as its bytes: 안녕 is be c8 b3 e7 on the wire', async () => {
    const client = await ApiClient.open();
    const profile = profileOf(
      [
        { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'manual' } },
        { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, workload: { kind: 'manual' } },
      ],
      { durationMs: 10_000 },
    );
    const { runId } = (await client.value('runs.start', profile)) as { runId: string };
    // Wait until the client's connection is open, from the live events.
    await client.until(() =>
      client.events.find((event) => event.name === 'runs.batch' && (event.payload as { batch: WireBatch }).batch.events.some((live) => live.type === 'open' && live.endpoint === 1)),
    );
    expect(await client.call('connections.send', runId, { endpoint: 'client', connection: 0 }, { text: '안녕', encoding: 'cp949' })).toMatchObject({ ok: true, value: null });
    await new Promise((resolve) => setTimeout(resolve, 300));
    const result = (await client.value('runs.stop', runId)) as RunResult;
    const writes = result.capture.entries.filter((entry) => entry.endpoint === 'client' && entry.direction === 'write');
    const reads = result.capture.entries.filter((entry) => entry.endpoint === 'server' && entry.direction === 'read');
    expect(writes.map((entry) => entry.previewHex)).toContain('bec8b3e7');
    expect(reads.map((entry) => entry.previewHex).join('')).toBe('bec8b3e7');

    const unmappable = await client.call('connections.send', runId, { endpoint: 'client' }, { text: '😀', encoding: 'cp949' });
    expect(unmappable).toMatchObject({ ok: false });
    client.close();
  });

  it('saves, lists and opens stored profiles, and refuses names that leave the folder', async () => {
    const client = await ApiClient.open();
    const profile = echoProfile(300);
    const ref = { kind: 'stored', name: 'my echo' };
    expect(await client.value('profiles.save', profile, ref)).toEqual(ref);
    const list = (await client.value('profiles.list')) as { ref: unknown; name: string }[];
    expect(list).toContainEqual({ ref, name: 'test', description: '' });
    expect(list.some((entry) => (entry.ref as { kind: string }).kind === 'builtin')).toBe(true);
    expect(await client.value('profiles.open', ref)).toEqual({ ref, profile });

    for (const name of ['../x', '../../etc/passwd', 'a/b']) {
      expect(await client.call('profiles.save', profile, { kind: 'stored', name })).toMatchObject({ ok: false, error: { code: 'EINVAL' } });
      expect(await client.call('profiles.open', { kind: 'stored', name })).toMatchObject({ ok: false, error: { code: 'EINVAL' } });
    }
    expect(await client.call('profiles.open', null)).toMatchObject({ ok: false, error: { code: 'EINVAL', message: expect.stringContaining('choose a profile') } });
    expect(await client.call('profiles.save', profile, null)).toMatchObject({ ok: false, error: { code: 'EINVAL', message: expect.stringContaining('give the profile a name') } });
    client.close();
  });

  it('reports the engine host and restarts it, keeping run ids unique across hosts', async () => {
    const client = await ApiClient.open();
    const finishedRun = async () => {
      const { runId } = (await client.value('runs.start', echoProfile(200))) as { runId: string };
      await client.until(() => client.events.find((event) => event.name === 'runs.finished' && (event.payload as { runId: string }).runId === runId));
      return runId;
    };
    expect(await client.value('engine.status')).toMatchObject({ state: 'running' });
    const before = await finishedRun();
    expect(await client.value('engine.restart')).toMatchObject({ state: 'running' });
    const states = client.events.filter((event) => event.name === 'engine.status').map((event) => (event.payload as { state: string }).state);
    expect(states).toEqual(['restarting', 'running']);
    const after = await finishedRun();
    expect(after).not.toBe(before);
    // Each host's result stays on the shelf under its own id.
    const html = async (runId: string) => reportDeliverySchema.parse(await client.value('reports.export', runId, 'html'));
    expect(await html(before)).not.toEqual(await html(after));
    client.close();
  });
});
