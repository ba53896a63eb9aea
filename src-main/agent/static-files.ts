import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';

/**
 * Serves the renderer build read-only: files only (no directory listings), never outside the
 * folder (".." and symbolic links that leave it are refused), each with its content type.
 */

const contentTypes: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.ttf': 'font/ttf',
  '.txt': 'text/plain; charset=utf-8',
  '.wasm': 'application/wasm',
};

export function contentTypeOf(path: string): string {
  return contentTypes[extname(path).toLowerCase()] ?? 'application/octet-stream';
}

export type StaticLookup = { kind: 'file'; path: string; size: number } | { kind: 'not-found' } | { kind: 'bad-request'; reason: string };

/** The file for a URL path inside `root` (an absolute, resolved folder); "/" is index.html. */
export async function findStaticFile(root: string, pathname: string): Promise<StaticLookup> {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return { kind: 'bad-request', reason: 'the path is not valid percent-encoding' };
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return { kind: 'bad-request', reason: 'the path holds a forbidden character' };
  const segments = decoded.split('/').filter((segment) => segment !== '');
  if (segments.some((segment) => segment === '..' || segment === '.')) return { kind: 'bad-request', reason: 'the path may not contain "." or ".."' };
  const relative = segments.length === 0 ? 'index.html' : segments.join(sep);
  try {
    const realRoot = await realpath(root);
    const real = await realpath(join(realRoot, relative));
    if (!real.startsWith(realRoot + sep)) return { kind: 'not-found' };
    const info = await stat(real);
    if (!info.isFile()) return { kind: 'not-found' };
    return { kind: 'file', path: real, size: info.size };
  } catch {
    return { kind: 'not-found' };
  }
}

/** Writes the file as the response body (headers only for HEAD). */
export function sendFile(response: ServerResponse, file: { path: string; size: number }, headOnly: boolean, headers: Record<string, string>): void {
  response.writeHead(200, { ...headers, 'Content-Type': contentTypeOf(file.path), 'Content-Length': String(file.size) });
  if (headOnly) {
    response.end();
    return;
  }
  const stream = createReadStream(file.path);
  stream.on('error', () => response.destroy());
  stream.pipe(response);
}
