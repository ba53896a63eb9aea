import type { SockscopeApi } from '../../../src-shared/api.js';
import { AgentBridge, agentApiUrl } from './agent-bridge.js';

let api: SockscopeApi | null = null;

/**
 * The renderer's one way out: the preload's `window.sockscope` on the desktop, otherwise the
 * agent bridge over a WebSocket to the host that served this page. Callers never know which.
 */
export function getApi(): SockscopeApi {
  // Read through a local type so this module also compiles where env.d.ts is not in the project (tests).
  const provided = (window as Window & { readonly sockscope?: SockscopeApi }).sockscope;
  api ??= provided ?? new AgentBridge(agentApiUrl(window.location));
  return api;
}

/** Tests put a fake in place before any store calls getApi. */
export function setApi(replacement: SockscopeApi | null): void {
  api = replacement;
}
