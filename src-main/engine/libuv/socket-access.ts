// Node keeps a socket's descriptor on its libuv handle; the engine's read-only sampling reads the
// socket through it, so libuv rows show the same kernel columns as native ones.
import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket as TcpSocket } from 'node:net';
import type { AppliedSocketOptions } from '../../../src-shared/socket-options.js';
import type { LiveSample } from '../../../src-shared/engine-protocol.js';

/** The addon's read-only entry points for a socket it does not own (src-main/native/src/addon.cc). */
export interface ForeignSocketSampler {
  sampleSocket(fd: number): Pick<LiveSample, 'sendQueueBytes' | 'unsentBytes' | 'recvQueueBytes' | 'tcp'>;
  socketOptions(fd: number): AppliedSocketOptions;
}

interface HandleWithFd {
  fd?: number;
}

/** The descriptor of a connected TCP socket, or -1 once it is closed (or on a platform without one). */
export function tcpSocketFd(socket: TcpSocket): number {
  const handle = (socket as unknown as { _handle?: HandleWithFd | null })._handle;
  return typeof handle?.fd === 'number' ? handle.fd : -1;
}

/** The descriptor of a bound UDP socket, or -1. dgram keeps its handle under a symbol named "state symbol". */
export function udpSocketFd(socket: UdpSocket): number {
  const key = Object.getOwnPropertySymbols(socket).find((symbol) => symbol.description === 'state symbol');
  if (!key) return -1;
  const state = (socket as unknown as Record<symbol, { handle?: HandleWithFd | null } | undefined>)[key];
  return typeof state?.handle?.fd === 'number' ? state.handle.fd : -1;
}
