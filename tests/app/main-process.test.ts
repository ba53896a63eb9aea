// The Electron main entry (src-main/app/index.ts) under a stand-in for Electron: the security
// checklist on the window and session, one handler per call, the event port on each load, and
// the engine host forked from the built utility entry.
import { EventEmitter } from 'node:events';
import { pathToFileURL } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { apiCalls } from '../../src-shared/api.js';

const state = vi.hoisted(() => ({
  windows: [] as unknown[],
  handlers: new Map<string, (event: unknown, ...args: unknown[]) => Promise<unknown>>(),
  forks: [] as string[],
  hosts: [] as { emit(event: string, ...args: unknown[]): boolean }[],
  mainPorts: [] as { sent: unknown[] }[],
  permissionRequest: null as null | ((webContents: unknown, permission: string, callback: (granted: boolean) => void) => void),
  permissionCheck: null as null | (() => boolean),
  headers: null as null | ((details: { responseHeaders: Record<string, string[]> }, callback: (response: unknown) => void) => void),
  sandboxEnabled: false,
  menu: null as unknown,
}));

vi.mock('electron', async () => {
  const { EventEmitter } = await import('node:events');
  class FakeWebContents extends EventEmitter {
    url = '';
    posted: [string, unknown, unknown[]][] = [];
    windowOpenHandler: (() => { action: string }) | null = null;
    setWindowOpenHandler(handler: () => { action: string }) {
      this.windowOpenHandler = handler;
    }
    getURL() {
      return this.url;
    }
    postMessage(channel: string, message: unknown, transfer: unknown[]) {
      this.posted.push([channel, message, transfer]);
    }
  }
  class FakeBrowserWindow extends EventEmitter {
    static getAllWindows = () => state.windows;
    static getFocusedWindow = () => null;
    readonly webContents = new FakeWebContents();
    loaded: string | null = null;
    constructor(readonly options: { webPreferences: Record<string, unknown> }) {
      super();
      state.windows.push(this);
    }
    loadFile(file: string) {
      this.loaded = file;
      return Promise.resolve();
    }
    loadURL(url: string) {
      this.loaded = url;
      return Promise.resolve();
    }
    show() {}
  }
  class FakeUtilityProcess extends EventEmitter {
    pid = 777;
    postMessage() {}
    kill() {
      return true;
    }
  }
  class FakePort {
    sent: unknown[] = [];
    postMessage(message: unknown) {
      this.sent.push(message);
    }
    close() {}
  }
  const app = Object.assign(new EventEmitter(), {
    isPackaged: false,
    enableSandbox: () => {
      state.sandboxEnabled = true;
    },
    whenReady: () => Promise.resolve(),
    isReady: () => true,
    getVersion: () => '0.1.0',
    getAppPath: () => '/work/main',
    getPath: (name: string) => `/tmp/sockscope-test-${name}`,
    quit: () => undefined,
  });
  return {
    app,
    BrowserWindow: FakeBrowserWindow,
    dialog: {},
    ipcMain: {
      handle: (channel: string, handler: (event: unknown, ...args: unknown[]) => Promise<unknown>) => state.handlers.set(channel, handler),
      removeHandler: (channel: string) => state.handlers.delete(channel),
    },
    Menu: {
      buildFromTemplate: (template: unknown) => ({ template }),
      setApplicationMenu: (menu: unknown) => {
        state.menu = menu;
      },
    },
    MessageChannelMain: class {
      port1 = new FakePort();
      port2 = new FakePort();
      constructor() {
        state.mainPorts.push(this.port1);
      }
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (handler: typeof state.permissionRequest) => {
          state.permissionRequest = handler;
        },
        setPermissionCheckHandler: (handler: typeof state.permissionCheck) => {
          state.permissionCheck = handler;
        },
        webRequest: {
          onHeadersReceived: (handler: typeof state.headers) => {
            state.headers = handler;
          },
        },
      },
    },
    utilityProcess: {
      fork: (modulePath: string) => {
        state.forks.push(modulePath);
        const child = new FakeUtilityProcess();
        state.hosts.push(child);
        setImmediate(() => child.emit('message', { type: 'ready', pid: 777 }));
        return child;
      },
    },
  };
});

interface Window extends EventEmitter {
  options: { webPreferences: Record<string, unknown> };
  loaded: string;
  webContents: EventEmitter & { url: string; posted: [string, unknown, unknown[]][]; windowOpenHandler: () => { action: string } };
}

delete process.env['ELECTRON_RENDERER_URL'];
await import('../../src-main/app/index.js');
await vi.waitFor(() => expect(state.windows).toHaveLength(1));
const window = state.windows[0] as Window;
const rendererUrl = pathToFileURL(window.loaded).href;

function cancellable(url?: string) {
  return { url, defaultPrevented: false, preventDefault() { this.defaultPrevented = true; } };
}

describe('the main process', () => {
  it('opens one sandboxed, context-isolated window without Node, on the built renderer', () => {
    expect(state.sandboxEnabled).toBe(true);
    expect(window.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true, nodeIntegration: false, webSecurity: true });
    expect(String(window.options.webPreferences['preload'])).toMatch(/preload[/\\]index\.cjs$/);
    expect(window.loaded).toMatch(/renderer[/\\]index\.html$/);
  });

  it('denies navigation away, new windows, webviews and every permission, and sets the CSP header', () => {
    const away = cancellable('https://example.com/');
    window.webContents.emit('will-navigate', away);
    expect(away.defaultPrevented).toBe(true);
    const home = cancellable(`${rendererUrl}#/live`);
    window.webContents.emit('will-navigate', home);
    expect(home.defaultPrevented).toBe(false);
    expect(window.webContents.windowOpenHandler()).toEqual({ action: 'deny' });
    const webview = cancellable();
    window.webContents.emit('will-attach-webview', webview);
    expect(webview.defaultPrevented).toBe(true);

    const granted: boolean[] = [];
    state.permissionRequest!(null, 'media', (answer) => granted.push(answer));
    expect(granted).toEqual([false]);
    expect(state.permissionCheck!()).toBe(false);
    let response: { responseHeaders: Record<string, string[]> } | undefined;
    state.headers!({ responseHeaders: {} }, (answer) => (response = answer as typeof response));
    expect(response?.responseHeaders['Content-Security-Policy']?.[0]).toContain("default-src 'none'");
  });

  it('forks the engine host from the built utility entry beside index.js', () => {
    expect(state.forks).toHaveLength(1);
    expect(state.forks[0]).toMatch(/engine-host-process\.js$/);
  });

  it('handles every call, answering our renderer and refusing others', async () => {
    expect([...state.handlers.keys()].sort()).toEqual(Object.keys(apiCalls).map((name) => `sockscope:${name}`).sort());
    const version = state.handlers.get('sockscope:app.version')!;
    await expect(version({ senderFrame: { url: rendererUrl } })).resolves.toEqual({ ok: true, value: '0.1.0' });
    await expect(version({ senderFrame: { url: 'https://example.com/' } })).rejects.toThrow(/refused/);
  });

  it('gives each load of our renderer a new event port, and none to another page', () => {
    window.webContents.url = 'https://example.com/';
    window.webContents.emit('did-finish-load');
    expect(window.webContents.posted).toEqual([]);
    window.webContents.url = rendererUrl;
    window.webContents.emit('did-finish-load');
    window.webContents.emit('did-finish-load');
    expect(window.webContents.posted.map(([channel]) => channel)).toEqual(['sockscope:events', 'sockscope:events']);
    expect(window.webContents.posted[0]![2]).toHaveLength(1);
  });

  it('says so on the event port when the engine host dies, and restarts it on request', async () => {
    const port = state.mainPorts.at(-1)!;
    state.hosts[0]!.emit('exit', 139);
    await vi.waitFor(() => expect(port.sent).toHaveLength(1));
    expect(port.sent[0]).toEqual({
      events: [{ name: 'engine.status', payload: { state: 'down', message: expect.stringContaining('the engine host exited (code 139)') } }],
    });
    const restart = state.handlers.get('sockscope:engine.restart')!;
    await expect(restart({ senderFrame: { url: rendererUrl } })).resolves.toEqual({
      ok: true,
      value: { state: 'running', message: 'the engine host is running (pid 777)' },
    });
    expect(state.forks).toHaveLength(2);
    // The renderer was not reloaded: its scenario stays as the user left it.
    expect(window.webContents.posted).toHaveLength(2);
  });

  it('sets an application menu', () => {
    expect(state.menu).toMatchObject({ template: expect.arrayContaining([expect.objectContaining({ label: 'File' })]) });
  });
});
