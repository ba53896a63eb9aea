import type { SockscopeApi } from '../../src-preload/api';

declare global {
  interface Window {
    /** Provided by the Electron preload, or by a browser bridge; absent anywhere else. */
    readonly sockscope?: SockscopeApi;
  }
}

export {};
