import { pathToFileURL } from 'node:url';

/** Where the renderer is loaded from: Vite's dev server during development, the built file otherwise. */
export type RendererSource =
  | { kind: 'dev-server'; url: string }
  | { kind: 'file'; indexHtmlPath: string };

/** Picks the dev server when electron-vite announced one, else the built index.html. */
export function resolveRendererSource(devServerUrl: string | undefined, indexHtmlPath: string): RendererSource {
  return devServerUrl ? { kind: 'dev-server', url: devServerUrl } : { kind: 'file', indexHtmlPath };
}

function parseUrl(url: string): URL | null {
  try {
    return new URL(url);
  } catch {
    return null;
  }
}

/**
 * True when a frame URL is our own renderer: the same origin as the dev server, or exactly the
 * built index.html (any query or fragment, since in-app routes live there). Anything else, a
 * missing frame included, is foreign and must not be answered.
 */
export function isOwnRendererUrl(frameUrl: string | undefined, source: RendererSource): boolean {
  if (!frameUrl) return false;
  const frame = parseUrl(frameUrl);
  if (!frame) return false;
  if (source.kind === 'dev-server') {
    const devServer = parseUrl(source.url);
    return devServer !== null && frame.origin === devServer.origin;
  }
  const index = pathToFileURL(source.indexHtmlPath);
  return frame.protocol === 'file:' && frame.host === index.host && frame.pathname === index.pathname;
}
