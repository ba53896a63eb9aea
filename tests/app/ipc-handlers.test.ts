// Main's IPC handlers: one per call, each checks the sender, then hands the call to the real API
// service (src-main/engine/api-service.ts), which validates the arguments.
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { apiCalls } from '../../src-shared/api.js';
import { createApiService } from '../../src-main/engine/api-service.js';
import type { EngineHost } from '../../src-main/engine/host-keeper.js';
import type { ProfileStore } from '../../src-main/engine/profile-store.js';
import { registerApiHandlers, type InvokeEventLike, type IpcMainLike } from '../../src-main/app/ipc-handlers.js';
import { isOwnRendererUrl, resolveRendererSource } from '../../src-main/app/renderer-source.js';
import type { CallReply } from '../../src-shared/ipc-channels.js';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<CallReply>;

function fakeIpcMain() {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = {
    handle: (channel, listener) => {
      if (handlers.has(channel)) throw new Error(`a second handler for ${channel}`);
      handlers.set(channel, listener);
    },
    removeHandler: (channel) => handlers.delete(channel),
  };
  return { ipcMain, handlers };
}

const idleHost: EngineHost = {
  pid: 1234,
  start: () => Promise.reject(new Error('no runs in this test')),
  onExit: () => undefined,
  close: () => undefined,
};

const noProfiles: ProfileStore = {
  list: async () => [],
  open: async () => null,
  save: async () => null,
};

const indexHtml = '/opt/Sockscope/resources/app.asar/out/renderer/index.html';
const source = resolveRendererSource(undefined, indexHtml);
const ownUrl = `${pathToFileURL(indexHtml).href}#/workbench`;

function setUp() {
  const { ipcMain, handlers } = fakeIpcMain();
  const service = createApiService({ host: () => idleHost, restartHost: async () => undefined, profiles: noProfiles, version: '0.1.0' });
  const unregister = registerApiHandlers(ipcMain, service, (frameUrl) => isOwnRendererUrl(frameUrl, source));
  const invoke = (channel: string, url: string | undefined, ...args: unknown[]) => {
    const handler = handlers.get(channel);
    if (!handler) throw new Error(`no handler for ${channel}`);
    return handler({ senderFrame: url === undefined ? null : { url } }, ...args);
  };
  return { handlers, invoke, unregister };
}

describe('the IPC handlers', () => {
  it('register one channel per call, named after it, and unregister them all', () => {
    const { handlers, unregister } = setUp();
    expect([...handlers.keys()].sort()).toEqual(Object.keys(apiCalls).map((name) => `sockscope:${name}`).sort());
    unregister();
    expect(handlers.size).toBe(0);
  });

  it('answer our own renderer', async () => {
    const { invoke } = setUp();
    await expect(invoke('sockscope:app.version', ownUrl)).resolves.toEqual({ ok: true, value: '0.1.0' });
    await expect(invoke('sockscope:engine.status', ownUrl)).resolves.toEqual({
      ok: true,
      value: { state: 'running', message: 'the engine host is running (pid 1234)' },
    });
  });

  it('refuse a foreign sender, a missing frame, and a look-alike path, without calling the service', async () => {
    const { invoke } = setUp();
    for (const url of ['https://evil.example/index.html', 'file:///tmp/index.html', `${pathToFileURL(indexHtml).href}.evil`, undefined]) {
      await expect(invoke('sockscope:app.version', url), String(url)).rejects.toThrow(/refused, the sender is not the Sockscope renderer/);
    }
  });

  it('answer bad arguments with EINVAL naming the argument path (validated by the API service)', async () => {
    const { invoke } = setUp();
    const reply = await invoke('sockscope:connections.send', ownUrl, 'run-1', { connectionId: 1 }, { text: 'hi', encoding: 'latin1' });
    expect(reply).toMatchObject({ ok: false, error: { code: 'EINVAL', problems: [expect.objectContaining({ path: 'args[2].encoding' })] } });
    const missing = await invoke('sockscope:runs.stop', ownUrl, '');
    expect(missing).toMatchObject({ ok: false, error: { code: 'EINVAL', problems: [expect.objectContaining({ path: 'args[0]' })] } });
  });

  it('answer a failing call with its code, never by throwing', async () => {
    const { invoke } = setUp();
    await expect(invoke('sockscope:runs.stop', ownUrl, 'run-9')).resolves.toMatchObject({ ok: false, error: { code: 'ENOENT' } });
  });
});
