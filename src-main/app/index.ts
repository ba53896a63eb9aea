import { join } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, session, type MessagePortMain } from 'electron';
import { createApiService, type ApiService } from '../engine/api-service.js';
import { DesktopProfileStore, type ProfileDialogs } from './desktop-profile-store';
import { DesktopReportOutlet, type ReportDialogs } from './desktop-report-outlet';
import { startDesktopEngine } from './desktop-engine';
import { RendererEventPort } from './event-port';
import { registerApiHandlers } from './ipc-handlers';
import { applicationMenuTemplate } from './menu';
import { isOwnRendererUrl, resolveRendererSource, type RendererSource } from './renderer-source';
import { UtilityHostClient } from './utility-host-client';
import { rendererContentSecurityPolicy } from '../../src-shared/renderer-policy';

const rendererSource: RendererSource = resolveRendererSource(
  process.env['ELECTRON_RENDERER_URL'],
  join(import.meta.dirname, '../renderer/index.html'),
);

/** Built beside this file by electron-vite (the main build's second input). */
const engineHostEntry = join(import.meta.dirname, 'engine-host-process.js');

const events = new RendererEventPort<MessagePortMain>(() => new MessageChannelMain());

function hardenSession(): void {
  const { defaultSession } = session;
  defaultSession.setPermissionRequestHandler((_webContents, _permission, callback) => callback(false));
  defaultSession.setPermissionCheckHandler(() => false);
  if (rendererSource.kind === 'file') {
    defaultSession.webRequest.onHeadersReceived((details, callback) => {
      callback({
        responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [rendererContentSecurityPolicy] },
      });
    });
  }
}

const profileFileFilters = [{ name: 'Sockscope profile', extensions: ['json'] }];

/** The native dialogs of the profile store, attached to the focused window when there is one. */
const profileDialogs: ProfileDialogs = {
  async chooseFileToOpen() {
    const options = { title: 'Open profile', filters: profileFileFilters, properties: ['openFile' as const] };
    const parent = BrowserWindow.getFocusedWindow();
    const chosen = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
  },
  async chooseFileToSave(suggestedName) {
    const options = { title: 'Save profile', defaultPath: join(app.getPath('documents'), suggestedName), filters: profileFileFilters };
    const parent = BrowserWindow.getFocusedWindow();
    const chosen = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
    return chosen.canceled ? null : (chosen.filePath ?? null);
  },
};

const reportFileFilters: Record<'html' | 'pcapng', { name: string; extensions: string[] }[]> = {
  html: [{ name: 'HTML report', extensions: ['html'] }],
  pcapng: [{ name: 'pcapng capture', extensions: ['pcapng'] }],
};

/** The native dialogs of the Reports view, attached to the focused window when there is one. */
const reportDialogs: ReportDialogs = {
  async chooseResultToOpen() {
    const options = { title: 'Open result', filters: [{ name: 'Sockscope result', extensions: ['json'] }], properties: ['openFile' as const] };
    const parent = BrowserWindow.getFocusedWindow();
    const chosen = parent ? await dialog.showOpenDialog(parent, options) : await dialog.showOpenDialog(options);
    return chosen.canceled ? null : (chosen.filePaths[0] ?? null);
  },
  async chooseReportFile(suggestedName, format) {
    const options = { title: 'Export report', defaultPath: join(app.getPath('documents'), suggestedName), filters: reportFileFilters[format] };
    const parent = BrowserWindow.getFocusedWindow();
    const chosen = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
    return chosen.canceled ? null : (chosen.filePath ?? null);
  },
  async chooseCsvFolder(suggestedName) {
    // A save dialog names a folder that may not exist yet; main creates it.
    const options = { title: 'Export CSV files into a new folder', defaultPath: join(app.getPath('documents'), suggestedName), buttonLabel: 'Export here' };
    const parent = BrowserWindow.getFocusedWindow();
    const chosen = parent ? await dialog.showSaveDialog(parent, options) : await dialog.showSaveDialog(options);
    return chosen.canceled ? null : (chosen.filePath ?? null);
  },
};

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
  webContents.on('will-attach-webview', (event) => event.preventDefault());
  // Each load of our renderer gets a fresh event port; nothing is posted to any other page.
  webContents.on('did-finish-load', () => {
    if (isOwnRendererUrl(webContents.getURL(), rendererSource)) events.attach(webContents);
    else events.detach();
  });
  webContents.on('render-process-gone', () => events.detach());
  window.on('closed', () => events.detach());
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
  if (app.isReady() && BrowserWindow.getAllWindows().length === 0) createMainWindow();
});

void app.whenReady().then(async () => {
  hardenSession();
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      applicationMenuTemplate({
        platform: process.platform,
        developerTools: !app.isPackaged,
        onCommand: (command) => events.push('app.menu', { command }),
      }),
    ),
  );

  const engine = await startDesktopEngine(() => UtilityHostClient.spawn(engineHostEntry));
  const service: ApiService = createApiService({
    host: engine.host,
    restartHost: engine.restartHost,
    profiles: new DesktopProfileStore({
      builtinDirectory: join(app.getAppPath(), 'profiles'),
      userDataDirectory: app.getPath('userData'),
      dialogs: profileDialogs,
    }),
    version: app.getVersion(),
    reports: new DesktopReportOutlet(reportDialogs),
  });
  service.onEvent((name, payload) => events.push(name, payload));
  registerApiHandlers(ipcMain, service, (frameUrl) => isOwnRendererUrl(frameUrl, rendererSource));
  app.on('will-quit', () => {
    service.close();
    engine.close();
  });

  createMainWindow();
});
