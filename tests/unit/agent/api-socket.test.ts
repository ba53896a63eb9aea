// One browser socket: the per-socket limit of calls in flight, and the close reason's length.
import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { maxPendingCallsPerSocket, serveApiSocket } from '../../../src-main/agent/api-socket.js';
import type { ApiService } from '../../../src-main/engine/api-service.js';

class FakeSocket extends EventEmitter {
  readonly OPEN = 1;
  readyState = 1;
  readonly sent: unknown[] = [];
  closedWith: { code: number; reason: string } | null = null;
  send(text: string): void {
    this.sent.push(JSON.parse(text));
  }
  close(code: number, reason: string): void {
    this.closedWith = { code, reason };
    this.readyState = 3;
  }
  terminate(): void {
    this.readyState = 3;
  }
}

function setUp() {
  const waiting: (() => void)[] = [];
  const service: ApiService = {
    call: () => new Promise((resolve) => waiting.push(() => resolve('done'))),
    onEvent: () => () => undefined,
    close: () => undefined,
  };
  const socket = new FakeSocket();
  serveApiSocket(socket as unknown as WebSocket, service);
  const call = (id: number) => socket.emit('message', Buffer.from(JSON.stringify({ type: 'call', id, name: 'app.version', args: [] })), false);
  return { socket, waiting, call };
}

describe('serveApiSocket', () => {
  it('answers EBUSY past the calls a socket may have in flight, and serves again once they finish', async () => {
    const { socket, waiting, call } = setUp();
    for (let id = 0; id <= maxPendingCallsPerSocket; id++) call(id);
    expect(socket.sent).toEqual([{ type: 'reply', id: maxPendingCallsPerSocket, ok: false, error: expect.objectContaining({ code: 'EBUSY' }) }]);
    for (const finish of waiting.splice(0)) finish();
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(socket.sent).toHaveLength(maxPendingCallsPerSocket + 1);
    call(1000);
    expect(waiting).toHaveLength(1);
  });

  it('closes with 1008 and a reason of at most 123 bytes', () => {
    const { socket } = setUp();
    socket.emit('message', Buffer.from(JSON.stringify({ type: 'call', id: 1, name: '가'.repeat(100), args: [] })), false);
    expect(socket.closedWith?.code).toBe(1008);
    expect(Buffer.byteLength(socket.closedWith?.reason ?? '')).toBeLessThanOrEqual(123);
    const binary = setUp().socket;
    binary.emit('message', Buffer.from('{}'), true);
    expect(binary.closedWith?.code).toBe(1008);
  });
});
