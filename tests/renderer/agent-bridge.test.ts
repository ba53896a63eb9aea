// @vitest-environment happy-dom
// AgentBridge over a fake socket: replies matched by id, failures as ApiCallError, batches
// rebuilt from the wire and validated, malformed messages dropped.
import { describe, expect, it } from 'vitest';
import { encodeBatch } from '../../src-shared/agent-protocol.js';
import { AgentBridge, agentApiUrl, type BridgeSocket } from '../../src-renderer/src/api/agent-bridge.js';
import { ApiCallError } from '../../src-renderer/src/api/errors.js';
import type { BrowserFiles } from '../../src-renderer/src/api/browser-files.js';
import { resultUploadPartChars } from '../../src-shared/report-export.js';
import { resultOf } from '../helpers/results.js';
import type { LiveBatch } from '../../src-shared/engine-protocol.js';
import { batch, capture, progress } from './fixtures.js';

class FakeSocket implements BridgeSocket {
  readyState = 0;
  sent: { type: string; id: number; name: string; args: unknown[] }[] = [];
  private handlers = new Map<string, ((event: { data: unknown }) => void)[]>();

  addEventListener(type: string, listener: (event: { data: unknown }) => void): void {
    this.handlers.set(type, [...(this.handlers.get(type) ?? []), listener]);
  }
  send(data: string): void {
    this.sent.push(JSON.parse(data) as FakeSocket['sent'][number]);
  }
  close(): void {
    this.emit('close');
  }
  emit(type: string, data?: unknown): void {
    if (type === 'open') this.readyState = 1;
    for (const handler of this.handlers.get(type) ?? []) handler({ data });
  }
  reply(message: unknown): void {
    this.emit('message', JSON.stringify(message));
  }
}

function setUp(files?: BrowserFiles) {
  const sockets: FakeSocket[] = [];
  const warnings: string[] = [];
  const bridge = new AgentBridge(
    'ws://127.0.0.1:1/api',
    () => {
      const socket = new FakeSocket();
      sockets.push(socket);
      queueMicrotask(() => socket.emit('open'));
      return socket;
    },
    (message) => warnings.push(message),
    files,
  );
  return { bridge, sockets, warnings };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

describe('AgentBridge', () => {
  it('derives the API address from the page', () => {
    expect(agentApiUrl({ protocol: 'http:', host: '127.0.0.1:8123' })).toBe('ws://127.0.0.1:8123/api');
    expect(agentApiUrl({ protocol: 'https:', host: 'example.test' })).toBe('wss://example.test/api');
  });

  it('answers each call with the reply of the same id, in any order', async () => {
    const { bridge, sockets } = setUp();
    expect(bridge.transport).toBe('agent');
    const version = bridge.app.version();
    const list = bridge.profiles.list();
    await tick();
    const socket = sockets[0]!;
    expect(sockets).toHaveLength(1);
    const [first, second] = socket.sent;
    expect(first).toMatchObject({ type: 'call', name: 'app.version', args: [] });
    expect(second).toMatchObject({ type: 'call', name: 'profiles.list' });
    socket.reply({ type: 'reply', id: second!.id, ok: true, value: [] });
    socket.reply({ type: 'reply', id: first!.id, ok: true, value: '0.1.0' });
    expect(await version).toBe('0.1.0');
    expect(await list).toEqual([]);
  });

  it('sends a result file larger than one message in parts, in order, and takes the result from the last reply', async () => {
    // 7 MiB of gzip is 9.3 M base64 characters: four parts of at most 3 MiB each.
    const gzip = new Uint8Array(7 * 1024 * 1024).map((_, index) => (index * 131) & 0xff);
    const files: BrowserFiles = { pick: async () => new File(['{}'], 'big.json'), gzip: async () => gzip, download: () => undefined };
    const { bridge, sockets } = setUp(files);
    const result = resultOf([]);
    const opened = bridge.results.open();
    const sent: { uploadId: string; part: number; parts: number; gzipBase64: string }[] = [];
    for (let part = 0; part < 4; part++) {
      await tick();
      const call = sockets[0]!.sent.at(-1)!;
      expect(call.name).toBe('results.load');
      sent.push(call.args[0] as (typeof sent)[number]);
      sockets[0]!.reply({ type: 'reply', id: call.id, ok: true, value: part < 3 ? null : { resultId: 'file-1', name: 'big.json', result } });
    }
    expect(await opened).toMatchObject({ resultId: 'file-1', name: 'big.json' });
    expect(sent.map((upload) => [upload.part, upload.parts])).toEqual([[0, 4], [1, 4], [2, 4], [3, 4]]);
    expect(new Set(sent.map((upload) => upload.uploadId)).size).toBe(1);
    expect(sent.every((upload) => upload.gzipBase64.length <= resultUploadPartChars)).toBe(true);
    expect(Buffer.from(sent.map((upload) => upload.gzipBase64).join(''), 'base64').equals(Buffer.from(gzip))).toBe(true);
  });

  it('turns a failed reply into an ApiCallError with its code and problems', async () => {
    const { bridge, sockets } = setUp();
    const start = bridge.runs.start({});
    await tick();
    const call = sockets[0]!.sent[0]!;
    sockets[0]!.reply({ type: 'reply', id: call.id, ok: false, error: { code: 'EINVAL', message: 'bad', problems: [{ path: 'name', message: 'required' }] } });
    const error = await start.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ApiCallError);
    expect(error).toMatchObject({ code: 'EINVAL', problems: [{ path: 'name', message: 'required' }] });
  });

  it('rejects pending calls when the socket closes, and reconnects on the next call', async () => {
    const { bridge, sockets } = setUp();
    const version = bridge.app.version();
    await tick();
    sockets[0]!.close();
    await expect(version).rejects.toMatchObject({ code: 'EDISCONNECTED' });
    void bridge.app.version();
    await tick();
    expect(sockets).toHaveLength(2);
  });

  it('rebuilds batch capture columns from base64 and validates the event', async () => {
    const { bridge, sockets, warnings } = setUp();
    const received: LiveBatch[] = [];
    bridge.runs.onBatch((runId, value) => {
      expect(runId).toBe('r1');
      received.push(value);
    });
    await tick();
    const live = batch({ capture: capture([{ atUs: 5, connectionId: 2, direction: 1, payload: new Uint8Array([0x41, 0x00]) }], 4) });
    sockets[0]!.reply({ type: 'event', name: 'runs.batch', payload: { runId: 'r1', batch: encodeBatch(live), progress } });
    expect(received).toHaveLength(1);
    expect(received[0]!.capture.connectionId).toEqual(new Uint32Array([2]));
    expect(received[0]!.capture.previews).toEqual(new Uint8Array([0x41, 0x00, 0, 0]));
    // A batch that does not hold together is dropped with a warning, never delivered.
    sockets[0]!.reply({ type: 'event', name: 'runs.batch', payload: { runId: 'r1', batch: { ...encodeBatch(live), sequence: -1 }, progress } });
    sockets[0]!.reply('not json at all');
    expect(received).toHaveLength(1);
    expect(warnings.length).toBe(2);
  });
});
