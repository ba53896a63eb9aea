/**
 * The renderer's Content-Security-Policy, as Electron main and the agent send it. The renderer's
 * own meta tag (src-renderer/index.html) carries the same policy, and is the one Chromium applies
 * to file:// pages; keep the two in step. 'self' in connect-src covers the agent's WebSocket.
 */
export const rendererContentSecurityPolicy = [
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
