import type { SockscopeApi } from '../../src-shared/api.js';

declare global {
  interface Window {
    /** Provided by the Electron preload; absent in a browser, where the agent bridge stands in. */
    readonly sockscope?: SockscopeApi;
  }
}

export {};
