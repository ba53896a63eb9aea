import { contextBridge, ipcRenderer } from 'electron';
import type { SockscopeApi } from './api';

async function invokeForString(channel: string): Promise<string> {
  const reply: unknown = await ipcRenderer.invoke(channel);
  if (typeof reply !== 'string') throw new TypeError(`${channel}: expected a string reply, got ${typeof reply}`);
  return reply;
}

const api: SockscopeApi = {
  app: {
    version: () => invokeForString('app:version'),
  },
};

contextBridge.exposeInMainWorld('sockscope', api);
