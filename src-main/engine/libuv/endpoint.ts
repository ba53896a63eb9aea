// One libuv endpoint: a Node server (net or dgram) or a client's sockets, each a LibuvConnection.
import dgram from 'node:dgram';
import net from 'node:net';
import type { EndpointSpec } from '../../../src-shared/profile.js';
import { EngineError } from '../engine-error.js';
import { TcpConnection, UdpConnection, type LibuvConnection } from './connection.js';
import { EndpointState } from './endpoint-state.js';
import { applyTcpOptions } from './options.js';
import type { LibuvServices } from './services.js';
import { createWorkload, type Peer } from './workloads.js';

/** libuv connection ids start here, apart from the engine's own (which count up from 1). */
export const libuvConnectionIdBase = 1 << 30;

/** "127.0.0.1:80", "[::1]:80": how the engine writes addresses. */
export function formatAddress(address: string, port: number): string {
  return net.isIPv6(address) ? `[${address}]:${port}` : `${address}:${port}`;
}

export class LibuvEndpoint {
  readonly state: EndpointState;
  /** Open connections by id; closed ones are let go, so churn does not grow memory. */
  readonly open = new Map<number, LibuvConnection>();
  private server: net.Server | null = null;
  private nextIndex = 0;
  private stopped = false;

  constructor(
    readonly index: number,
    readonly spec: EndpointSpec,
    private readonly services: LibuvServices,
    private readonly verifyIncoming: boolean,
    private readonly nextId: () => number,
  ) {
    this.state = new EndpointState(index, spec.id);
  }

  /** Servers: binds and listens; resolves with the bound address ("127.0.0.1:40123"). */
  listen(host: string): Promise<string> {
    const { spec } = this;
    const port = spec.listen?.port ?? 0;
    const where = formatAddress(host, port);
    return new Promise((resolve, reject) => {
      const fail = (error: NodeJS.ErrnoException) => reject(new EngineError(error.code ?? 'EIO', `endpoint "${spec.id}": ${describeListenError(error, where)}`));
      if (spec.transport === 'tcp') {
        const server = net.createServer({ allowHalfOpen: true });
        this.server = server;
        server.once('error', fail);
        server.on('connection', (socket) => this.accepted(socket));
        server.listen({ host, port, backlog: spec.backlog, exclusive: true }, () => {
          server.off('error', fail);
          server.on('error', (error: NodeJS.ErrnoException) => this.state.recordError(error.code ?? 'EIO', error.message));
          const bound = server.address() as net.AddressInfo;
          resolve(formatAddress(bound.address, bound.port));
        });
        return;
      }
      const socket = this.udpSocket(host);
      socket.once('error', fail);
      socket.bind({ port, address: host, exclusive: true }, () => {
        socket.off('error', fail);
        const connection = new UdpConnection(this.nextId(), this.nextIndex++, this.state, spec, this.services, this.workload(), socket, null);
        this.adopt(connection);
        connection.start(undefined);
        const bound = socket.address();
        resolve(formatAddress(bound.address, bound.port));
      });
    });
  }

  /** Clients: opens every connection (UDP: socket) to the server. */
  connect(to: Peer): void {
    for (let i = 0; i < this.spec.connections; i++) {
      if (this.spec.transport === 'tcp') this.connectTcp(to);
      else this.connectUdp(to);
    }
  }

  private connectTcp(to: Peer): void {
    const index = this.nextIndex++;
    const socket = net.connect({ host: to.address, port: to.port, allowHalfOpen: true });
    const refused = (error: NodeJS.ErrnoException) => {
      this.state.recordError(error.code ?? 'EIO', `connect to ${formatAddress(to.address, to.port)}: ${error.message}`);
    };
    socket.once('error', refused);
    socket.once('connect', () => {
      socket.off('error', refused);
      if (this.stopped) {
        socket.destroy();
        return;
      }
      applyTcpOptions(socket, this.spec.options);
      const connection = new TcpConnection(this.nextId(), index, this.state, this.spec, this.services, this.workload(), socket);
      this.adopt(connection);
      connection.start();
    });
  }

  private connectUdp(to: Peer): void {
    const index = this.nextIndex++;
    const socket = this.udpSocket(to.address);
    const failed = (error: NodeJS.ErrnoException) => this.state.recordError(error.code ?? 'EIO', `UDP socket for ${formatAddress(to.address, to.port)}: ${error.message}`);
    socket.once('error', failed);
    const ready = (remote: string | undefined, destination: Peer | null) => {
      socket.off('error', failed);
      const connection = new UdpConnection(this.nextId(), index, this.state, this.spec, this.services, this.workload(), socket, destination);
      this.adopt(connection);
      connection.start(remote);
    };
    if (this.spec.udpConnected) socket.connect(to.port, to.address, () => ready(formatAddress(to.address, to.port), null));
    else socket.bind(0, () => ready(undefined, to));
  }

  private udpSocket(host: string): dgram.Socket {
    const { options } = this.spec;
    return dgram.createSocket({
      type: net.isIPv6(host) ? 'udp6' : 'udp4',
      ...(options.reuseAddr !== undefined && { reuseAddr: options.reuseAddr }),
      ...(options.sndBufBytes !== undefined && { sendBufferSize: options.sndBufBytes }),
      ...(options.rcvBufBytes !== undefined && { recvBufferSize: options.rcvBufBytes }),
    });
  }

  private accepted(socket: net.Socket): void {
    if (this.stopped) {
      socket.destroy();
      return;
    }
    this.state.counters.accepts += 1;
    applyTcpOptions(socket, this.spec.options);
    const connection = new TcpConnection(this.nextId(), this.nextIndex++, this.state, this.spec, this.services, this.workload(), socket);
    this.adopt(connection);
    connection.start();
  }

  private adopt(connection: LibuvConnection): void {
    this.open.set(connection.id, connection);
    connection.socket.once('close', () => this.open.delete(connection.id));
  }

  private workload() {
    return createWorkload(this.spec, this.verifyIncoming);
  }

  /** Closes the listener and every connection, as the end of a run closes the engine's. */
  stop(): void {
    this.stopped = true;
    this.server?.close();
    for (const connection of [...this.open.values()]) connection.close(false);
    this.open.clear();
  }
}

const listenErrors: Record<string, string> = {
  EADDRINUSE: 'is already in use',
  EACCES: 'needs privileges (a port below 1024?)',
  EADDRNOTAVAIL: 'is not an address of this machine',
};

function describeListenError(error: NodeJS.ErrnoException, where: string): string {
  const code = error.code ?? 'EIO';
  return `address ${where} ${listenErrors[code] ?? `cannot be bound: ${error.message}`} (${code})`;
}
