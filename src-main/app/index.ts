import { join } from 'node:path';
import { app, BrowserWindow, ipcMain, session, type IpcMainInvokeEvent } from 'electron';
import { isOwnRendererUrl, resolveRendererSource, type RendererSource } from './renderer-source';

// Keep in step with the meta policy in src-renderer/index.html, which is the one Chromium applies
// to file:// pages (they have no response headers to rewrite).
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

const rendererSource: RendererSource = resolveRendererSource(
  process.env['ELECTRON_RENDERER_URL'],
  join(import.meta.dirname, '../renderer/index.html'),
);

/** Throws unless the invoking frame is our own renderer, so no other page can reach main. */
function assertOwnRenderer(event: IpcMainInvokeEvent, channel: string): void {
  if (!isOwnRendererUrl(event.senderFrame?.url, rendererSource)) {
    throw new Error(`${channel}: refused, the sender is not the Sockscope renderer`);
  }
}

function hardenSession(): void {
  const { defaultSession } = session;
  defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  defaultSession.setPermissionCheckHandler(() => false);
  if (rendererSource.kind === 'file') {
    defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] },
      });
    });
  }
}

function registerIpcHandlers(): void {
  ipcMain.handle('app:version', (event) => {
    assertOwnRenderer(event, 'app:version');
    return app.getVersion();
  });
}

function createMainWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 800,
    show: false,
    title: 'Sockscope',
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });

  const { webContents } = window;
  // Only the renderer itself may be (re)loaded in this window; every other target is refused.
  webContents.on('will-navigate', (event) => {
    if (!isOwnRendererUrl(event.url, rendererSource)) event.preventDefault();
  });
  webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  window.once('ready-to-show', () => window.show());

  const loading =
    rendererSource.kind === 'dev-server'
      ? window.loadURL(rendererSource.url)
      : window.loadFile(rendererSource.indexHtmlPath);
  loading.catch((error: unknown) => console.error('Sockscope: the renderer failed to load:', error));
  return window;
}

app.enableSandbox();

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});

app.on('activate', () => {
  if (BrowserWindow.getAllWindows().length === 0) createMainWindow();
});

void app.whenReady().then(() => {
  hardenSession();
  registerIpcHandlers();
  createMainWindow();
});
