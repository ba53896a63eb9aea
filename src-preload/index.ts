// The sandboxed preload: one CommonJS bundle that requires nothing but electron. It exposes
// `window.sockscope` (SockscopeApi) and nothing else.
import { contextBridge, ipcRenderer } from 'electron';
import { createDesktopApi } from './desktop-api';

contextBridge.exposeInMainWorld('sockscope', createDesktopApi(ipcRenderer));
