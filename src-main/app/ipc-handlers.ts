import { apiCalls, type ApiCallName } from '../../src-shared/api.js';
import { toApiError } from '../engine/api-error.js';
import { callChannel, type CallReply } from '../../src-shared/ipc-channels';

/** What the handlers need of the API service (src-main/engine/api-service.ts), which validates the arguments. */
export interface ApiCaller {
  call(name: string, args: unknown[]): Promise<unknown>;
}

/** The part of an `ipcMain.handle` event the sender check reads. */
export interface InvokeEventLike {
  senderFrame: { url: string } | null;
}

/** The part of Electron's ipcMain the handlers use. */
export interface IpcMainLike {
  handle(channel: string, listener: (event: InvokeEventLike, ...args: unknown[]) => Promise<CallReply>): void;
  removeHandler(channel: string): void;
}

/**
 * Registers one handler per call in `apiCalls`. Each refuses any sender but our own renderer
 * (the page URL is checked, not trusted from the message), then forwards the arguments to the
 * service and answers with the value or the error as a CallReply. Returns the unregistering.
 */
export function registerApiHandlers(ipcMain: IpcMainLike, service: ApiCaller, isOwnRenderer: (frameUrl: string | undefined) => boolean): () => void {
  const names = Object.keys(apiCalls) as ApiCallName[];
  for (const name of names) {
    const channel = callChannel(name);
    ipcMain.handle(channel, async (event, ...args) => {
      if (!isOwnRenderer(event.senderFrame?.url)) throw new Error(`${channel}: refused, the sender is not the Sockscope renderer`);
      try {
        return { ok: true, value: await service.call(name, args) };
      } catch (error) {
        return { ok: false, error: toApiError(error) };
      }
    });
  }
  return () => {
    for (const name of names) ipcMain.removeHandler(callChannel(name));
  };
}
