// Which socket options Node lets a libuv endpoint set, and how. What it cannot set is said per
// option; the kernel's read-back (the applied options) shows the rest.
import type { Socket as TcpSocket } from 'node:net';
import type { EndpointSpec } from '../../../src-shared/profile.js';
import type { SocketOptions } from '../../../src-shared/socket-options.js';

export interface OptionNotApplied {
  option: string;
  reason: string;
}

/** The options of a profile endpoint that Node cannot apply to its sockets, each with why. */
export function optionsNotApplied(spec: Pick<EndpointSpec, 'transport' | 'role'>, options: SocketOptions): OptionNotApplied[] {
  const refused: OptionNotApplied[] = [];
  const refuse = (option: string, reason: string) => refused.push({ option, reason });
  if (spec.transport === 'tcp') {
    if (options.sndBufBytes !== undefined) refuse('sndBufBytes', 'Node\'s net module cannot set SO_SNDBUF on a TCP socket; the kernel default (auto-tuned) stays');
    if (options.rcvBufBytes !== undefined) refuse('rcvBufBytes', 'Node\'s net module cannot set SO_RCVBUF on a TCP socket; the kernel default (auto-tuned) stays');
    if (options.linger) refuse('linger', 'Node cannot set SO_LINGER; only an abortive close (resetAndDestroy) closes with linger 0');
    if (options.keepAlive) {
      refuse('keepAlive.intervalS', 'Node\'s setKeepAlive sets SO_KEEPALIVE and TCP_KEEPIDLE only; TCP_KEEPINTVL is what the kernel (or libuv) chose');
      refuse('keepAlive.count', 'Node\'s setKeepAlive sets SO_KEEPALIVE and TCP_KEEPIDLE only; TCP_KEEPCNT is what the kernel (or libuv) chose');
    }
    if (options.reuseAddr === false && spec.role === 'server') refuse('reuseAddr', 'libuv always sets SO_REUSEADDR on a TCP listener');
    if (options.reuseAddr === true && spec.role === 'client') refuse('reuseAddr', 'Node cannot set SO_REUSEADDR on a TCP client socket');
  } else {
    if (options.noDelay !== undefined) refuse('noDelay', 'TCP_NODELAY does not exist on a UDP socket');
    if (options.linger) refuse('linger', 'SO_LINGER is TCP only');
    if (options.keepAlive) refuse('keepAlive', 'SO_KEEPALIVE is TCP only');
  }
  if (options.reusePort) refuse('reusePort', `Node ${process.versions.node} has no reusePort option (it came in Node 22.12)`);
  return refused;
}

/** TCP_NODELAY and SO_KEEPALIVE with its idle time: the TCP options Node can set. */
export function applyTcpOptions(socket: TcpSocket, options: SocketOptions): void {
  if (options.noDelay !== undefined) socket.setNoDelay(options.noDelay);
  if (options.keepAlive !== undefined) {
    if (options.keepAlive === null) socket.setKeepAlive(false);
    else socket.setKeepAlive(true, options.keepAlive.idleS * 1000);
  }
}

/** A live set-option: applies what Node can, returns what it could not. */
export function applyLiveOptions(
  connection: { tcp: boolean; spec: Pick<EndpointSpec, 'transport' | 'role'>; socket: unknown },
  options: SocketOptions,
): OptionNotApplied[] {
  if (connection.tcp) {
    applyTcpOptions(connection.socket as TcpSocket, options);
    // SO_REUSEADDR on a connected socket changes nothing the user could see: only listed if Node cannot.
    return optionsNotApplied(connection.spec, options).filter((item) => item.option !== 'reuseAddr');
  }
  const refused = optionsNotApplied(connection.spec, options);
  const socket = connection.socket as import('node:dgram').Socket;
  try {
    if (options.sndBufBytes !== undefined) socket.setSendBufferSize(options.sndBufBytes);
    if (options.rcvBufBytes !== undefined) socket.setRecvBufferSize(options.rcvBufBytes);
  } catch (error) {
    refused.push({ option: 'sndBufBytes/rcvBufBytes', reason: (error as Error).message });
  }
  if (options.reuseAddr !== undefined) refused.push({ option: 'reuseAddr', reason: 'Node sets SO_REUSEADDR on a UDP socket only when it is created' });
  return refused;
}
