import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { agentTokenCookie } from '../../src-shared/agent-protocol.js';

/**
 * Who may talk to the agent: whoever holds its token (in `?token=` or the cookie set from it),
 * through a Host name that is the agent's own, and for WebSockets from a page of the agent's own
 * origin.
 */

/** A fresh token: 24 random bytes, base64url (32 characters). */
export function generateToken(): string {
  return randomBytes(24).toString('base64url');
}

/** A token given on the command line travels in URLs and a cookie, so it must be plain. */
export const tokenPattern = /^[A-Za-z0-9_.~-]{16,256}$/;

export function checkToken(token: string): string {
  if (!tokenPattern.test(token)) {
    throw new RangeError('a token is 16 to 256 characters of letters, digits, "-", "_", "." and "~"');
  }
  return token;
}

/** Compares in constant time; hashing first gives both sides the same length. */
export function tokensEqual(candidate: string, token: string): boolean {
  const digest = (text: string) => createHash('sha256').update(text).digest();
  return timingSafeEqual(digest(candidate), digest(token));
}

/** The values of one cookie in a Cookie header (a name may appear more than once). */
export function cookieValues(header: string | undefined, name: string): string[] {
  if (!header) return [];
  const values: string[] = [];
  for (const part of header.split(';')) {
    const separator = part.indexOf('=');
    if (separator < 0) continue;
    if (part.slice(0, separator).trim() === name) values.push(part.slice(separator + 1).trim());
  }
  return values;
}

export type Credential = 'query' | 'cookie' | null;

/**
 * How a request proves it knows the token: `?token=` (which must then be right), else the cookie.
 * Every candidate is compared, so the time taken says nothing about which one was close.
 */
export function credentialOf(request: IncomingMessage, url: URL, token: string): Credential {
  const fromQuery = url.searchParams.getAll('token');
  if (fromQuery.length > 0) return fromQuery.length === 1 && tokensEqual(fromQuery[0] ?? '', token) ? 'query' : null;
  const matches = cookieValues(request.headers.cookie, agentTokenCookie).map((value) => tokensEqual(value, token));
  return matches.includes(true) ? 'cookie' : null;
}

export function tokenCookie(token: string): string {
  return `${agentTokenCookie}=${token}; Path=/; HttpOnly; SameSite=Strict`;
}

/** Whether `host` names this machine only: 127.0.0.0/8, ::1, localhost. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  if (isIP(bare) === 6) return bare === '::1' || bare === '0:0:0:0:0:0:0:1';
  return false;
}

/** A host as it appears in a URL: IPv6 addresses in brackets. */
export function urlHost(host: string): string {
  return isIP(host) === 6 ? `[${host}]` : host;
}

/**
 * The Host headers the agent answers to. On loopback, the loopback names with its port, so a
 * page of another name resolved to 127.0.0.1 (DNS rebinding) is refused. Bound to another
 * address, any Host is accepted: the token is the protection there.
 */
export function hostAllowed(hostHeader: string | undefined, boundHost: string, port: number): boolean {
  if (hostHeader === undefined) return false;
  if (!isLoopbackHost(boundHost)) return true;
  const names = new Set(['127.0.0.1', 'localhost', '[::1]', urlHost(boundHost)]);
  return [...names].some((name) => hostHeader.toLowerCase() === `${name}:${port}`);
}
