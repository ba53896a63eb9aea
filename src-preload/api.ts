/**
 * The one object the renderer talks to, exposed as `window.sockscope`. Calls are shaped around
 * the domain, never a generic channel passthrough. The preload implements it over IPC; a browser
 * bridge may implement the same interface over another transport.
 */
export interface SockscopeApi {
  app: {
    /** Resolves to the application version ("0.1.0"); rejects when main refuses or fails. */
    version(): Promise<string>;
  };
}
