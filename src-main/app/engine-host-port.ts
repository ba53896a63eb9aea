import type { HostReply } from '../../src-shared/engine-protocol.js';
import { serveEngineHost } from '../engine/host-service.js';

/** What the host needs of Electron's `process.parentPort`: MessageEvent-style delivery, postMessage back. */
export interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): unknown;
  postMessage(message: unknown): void;
}

/** Serves the engine host protocol over a parent port (kept apart from the entry so tests can drive it). */
export function serveEngineHostOverPort(port: ParentPortLike): ReturnType<typeof serveEngineHost> {
  return serveEngineHost({
    send: (reply: HostReply) => port.postMessage(reply),
    onMessage: (listener) => port.on('message', (event) => listener(event.data)),
  });
}
