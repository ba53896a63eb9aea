import { readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join, resolve } from 'node:path';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { encodeBatch, type AgentServerMessage } from '../../src-shared/agent-protocol.js';
import { createApiService, type ApiEventListener, type ApiEventPayload } from '../engine/api-service.js';
import { EngineHostKeeper, type EngineHost } from '../engine/host-keeper.js';
import { builtinProfilesDirectory } from '../engine/profile-library.js';
import { FolderProfileStore } from '../engine/profile-store.js';
import { checkToken, credentialOf, generateToken, hostAllowed, isLoopbackHost, tokenCookie, urlHost } from './access.js';
import { serveApiSocket } from './api-socket.js';
import { findStaticFile, sendFile } from './static-files.js';
import { rendererContentSecurityPolicy } from '../../src-shared/renderer-policy.js';

export interface AgentOptions {
  /** The address to listen on; anything but loopback prints a warning. Default 127.0.0.1. */
  host?: string;
  /** Default 0: any free port (the handle says which). */
  port?: number;
  /** Default: 24 random bytes, base64url. A given token must match tokenPattern. */
  token?: string;
  /** The renderer build to serve. Default: the package's out/renderer. */
  rendererDir?: string;
  /** Where browsers save profiles (`<dir>/<name>.json`); created on the first save. */
  profilesDir: string;
  /** Default: the package's profiles/ folder. */
  builtinProfilesDir?: string;
  /** Default: fork the engine host (EngineHostClient.spawn). */
  spawnHost?: () => Promise<EngineHost>;
  /** Where warnings go. Default: standard error. */
  warn?: (message: string) => void;
}

export interface AgentHandle {
  /** The URL to open, token included: http://127.0.0.1:PORT/?token=... */
  url: string;
  /** The origin pages and WebSockets must come from: http://127.0.0.1:PORT */
  origin: string;
  token: string;
  host: string;
  port: number;
  /** Stops serving: closes the sockets, the runs and the engine host. */
  close(): Promise<void>;
}

/** The path of the WebSocket that carries the API. */
export const apiSocketPath = '/api';

/** The largest frame a browser may send: a profile with a long send payload fits easily. */
const maxPayloadBytes = 4 * 1024 * 1024;

/**
 * A socket that has this many bytes waiting to go out gets no more live batches until it drains:
 * a slow browser loses batches (it still gets every other event, and the full result at the end)
 * instead of the agent's memory growing with the run.
 */
const maxBufferedBytes = 16 * 1024 * 1024;

const securityHeaders: Record<string, string> = {
  'Content-Security-Policy': rendererContentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-store',
};

function packageRoot(): string {
  return dirname(builtinProfilesDirectory());
}

/** The renderer build served by default: the package's out/renderer (npm run build:app). */
export function defaultRendererDir(): string {
  return join(packageRoot(), 'out', 'renderer');
}

function packageVersion(root: string): string {
  return (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
}

/**
 * Starts the agent: an HTTP server for the renderer build and a WebSocket at /api for the API,
 * both behind the token, with an engine host in a child process.
 */
export async function startAgent(options: AgentOptions): Promise<AgentHandle> {
  const host = options.host ?? '127.0.0.1';
  const token = options.token === undefined ? generateToken() : checkToken(options.token);
  const root = packageRoot();
  const rendererDir = resolve(options.rendererDir ?? defaultRendererDir());
  const warn = options.warn ?? ((message: string) => process.stderr.write(`${message}\n`));

  const keeper = await EngineHostKeeper.start(options.spawnHost);
  const service = createApiService({
    host: () => keeper.current(),
    restartHost: () => keeper.restart(),
    profiles: new FolderProfileStore(options.profilesDir, options.builtinProfilesDir ?? builtinProfilesDirectory()),
    version: packageVersion(root),
  });

  const sockets = new Set<WebSocket>();
  const broadcast: ApiEventListener = (name, payload) => {
    const isBatch = name === 'runs.batch';
    // Typed arrays do not survive JSON: a batch's capture columns travel as base64.
    const batchPayload = payload as ApiEventPayload<'runs.batch'>;
    const wirePayload = isBatch ? { ...batchPayload, batch: encodeBatch(batchPayload.batch) } : payload;
    const frame = JSON.stringify({ type: 'event', name, payload: wirePayload } satisfies AgentServerMessage);
    for (const socket of sockets) {
      if (socket.readyState !== socket.OPEN) continue;
      if (isBatch && socket.bufferedAmount > maxBufferedBytes) continue;
      socket.send(frame);
    }
  };
  service.onEvent(broadcast);

  const webSockets = new WebSocketServer({ noServer: true, maxPayload: maxPayloadBytes, perMessageDeflate: false });
  webSockets.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    serveApiSocket(socket, service);
  });

  let port = 0;
  const origins = (): Set<string> => new Set(['127.0.0.1', 'localhost', '[::1]', urlHost(host)].map((name) => `http://${name}:${port}`));

  const server = createServer((request, response) => {
    handleRequest(request, response).catch((error: unknown) => {
      if (!response.headersSent) plain(response, 500, 'internal error');
      else response.destroy();
      warn(`sockscope agent: ${request.method} ${request.url}: ${error instanceof Error ? error.message : String(error)}`);
    });
  });

  async function handleRequest(request: IncomingMessage, response: ServerResponse): Promise<void> {
    if (!hostAllowed(request.headers.host, host, port)) return plain(response, 421, 'unknown Host: open the address the agent printed');
    const url = new URL(request.url ?? '/', 'http://agent.invalid');
    const credential = credentialOf(request, url, token);
    if (credential === null) return plain(response, 401, 'sockscope agent: open the URL with the token that the agent printed when it started');
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return plain(response, 405, 'only GET and HEAD');
    }
    if (credential === 'query') {
      // The token moves into an HttpOnly cookie and out of the address bar and the history.
      url.searchParams.delete('token');
      response.writeHead(303, { ...securityHeaders, 'Set-Cookie': tokenCookie(token), Location: `${url.pathname}${url.search}` });
      response.end();
      return;
    }
    const found = await findStaticFile(rendererDir, url.pathname);
    if (found.kind === 'bad-request') return plain(response, 400, found.reason);
    if (found.kind === 'not-found') return plain(response, 404, 'not found');
    sendFile(response, found, request.method === 'HEAD', securityHeaders);
  }

  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    // Until ws adopts the socket nobody else listens for its errors (a reset would end the agent).
    socket.on('error', () => socket.destroy());
    const url = new URL(request.url ?? '/', 'http://agent.invalid');
    const refuse = (status: number, text: string): void => {
      socket.end(`HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(text)}\r\n\r\n${text}`);
    };
    if (url.pathname !== apiSocketPath) return refuse(404, 'Not Found');
    if (!hostAllowed(request.headers.host, host, port)) return refuse(421, 'Misdirected Request');
    if (credentialOf(request, url, token) === null) return refuse(401, 'Unauthorized');
    // A page of another origin could otherwise open the socket with the browser's cookie.
    const origin = request.headers.origin;
    const ownOrigin = isLoopbackHost(host) ? origins() : new Set([`http://${request.headers.host ?? ''}`]);
    if (origin !== undefined && !ownOrigin.has(origin)) return refuse(403, 'Forbidden');
    webSockets.handleUpgrade(request, socket, head, (webSocket) => webSockets.emit('connection', webSocket, request));
  });

  try {
    await new Promise<void>((resolveListen, rejectListen) => {
      server.once('error', rejectListen);
      server.listen(options.port ?? 0, host, () => {
        server.off('error', rejectListen);
        resolveListen();
      });
    });
  } catch (error) {
    service.close();
    keeper.close();
    throw error;
  }
  port = (server.address() as AddressInfo).port;
  if (!isLoopbackHost(host)) {
    warn(`sockscope agent: warning: listening on ${host}, not on loopback: anyone who can reach this port and learns the token controls the engine, and HTTP is not encrypted`);
  }

  const origin = `http://${urlHost(host)}:${port}`;
  let closing: Promise<void> | null = null;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    token,
    host,
    port,
    close() {
      closing ??= (async () => {
        service.close();
        for (const socket of sockets) socket.close(1001, 'the agent is stopping');
        webSockets.close();
        server.closeAllConnections();
        await new Promise<void>((resolveClose) => server.close(() => resolveClose()));
        for (const socket of sockets) socket.terminate();
        keeper.close();
      })();
      return closing;
    },
  };
}

function plain(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, { ...securityHeaders, 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': String(Buffer.byteLength(text)) });
  response.end(text);
}
