// One libuv socket: Node's net.Socket or dgram.Socket driven by a workload, reporting the same
// events, counters and samples as the engine's Connection (src-main/native/src/connection.cc).
import type { Socket as UdpSocket } from 'node:dgram';
import type { Socket as TcpSocket } from 'node:net';
import { captureDirection } from '../../../src-shared/capture-ring.js';
import { tcpStates } from '../../../src-shared/result.js';
import type { LiveEvent, LiveSample } from '../../../src-shared/engine-protocol.js';
import type { EndpointSpec } from '../../../src-shared/profile.js';
import type { SocketOptions } from '../../../src-shared/socket-options.js';
import type { EndpointState } from './endpoint-state.js';
import { applyLiveOptions } from './options.js';
import type { LibuvServices } from './services.js';
import { tcpSocketFd, udpSocketFd } from './socket-access.js';
import type { Peer, Workload, WorkloadHost } from './workloads.js';

const establishedState = tcpStates.indexOf('ESTABLISHED');
const closeWaitState = tcpStates.indexOf('CLOSE_WAIT');
const finWait1State = tcpStates.indexOf('FIN_WAIT1');
const lastAckState = tcpStates.indexOf('LAST_ACK');

type EventFields = Omit<LiveEvent, 'atUs' | 'connectionId' | 'endpoint' | 'type'>;

export abstract class LibuvConnection implements WorkloadHost {
  abstract readonly tcp: boolean;
  peerShutDown = false;
  closed = false;
  protected readShut = false;
  private readonly timers = new Set<NodeJS.Timeout>();
  private lastState = -1;

  constructor(
    readonly id: number,
    readonly index: number,
    readonly endpoint: EndpointState,
    readonly spec: EndpointSpec,
    protected readonly services: LibuvServices,
    protected readonly workload: Workload,
  ) {}

  nowUs(): number {
    return this.services.nowUs();
  }

  protected abstract fd(): number;
  abstract write(parts: Buffer[], to?: Peer): void;
  abstract queuedBytes(): number;
  abstract shutdown(how: 'read' | 'write' | 'both'): void;
  abstract close(abortive: boolean): void;
  abstract pauseReading(): void;
  abstract resumeReading(): void;
  /** A live `send`: bytes from the user or a scheduled action. */
  abstract send(bytes: Buffer): void;

  shutdownWrite(): void {
    this.shutdown('write');
  }

  requestClose(): void {
    this.close(false);
  }

  after(delayMs: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      if (!this.closed) fn();
    }, Math.max(0, delayMs));
    this.timers.add(timer);
  }

  soon(fn: () => void): void {
    if (this.immediate) return;
    this.immediate = setImmediate(() => {
      this.immediate = null;
      if (!this.closed) fn();
    });
  }

  private immediate: NodeJS.Immediate | null = null;

  setOptions(options: SocketOptions): void {
    const refused = applyLiveOptions(this, options);
    this.readAppliedOptions(true);
    if (refused.length === 0) this.emit('option', { message: 'options applied' });
    else {
      const message = refused.map((item) => `${item.option}: ${item.reason}`).join('; ');
      this.endpoint.recordError('ENOTSUP', message);
      this.emit('error', { code: 'ENOTSUP', message });
    }
  }

  /** The socket this connection drives, for applyLiveOptions. */
  abstract get socket(): TcpSocket | UdpSocket;

  protected emit(type: LiveEvent['type'], fields: EventFields = {}): void {
    this.services.emit({ connectionId: this.id, endpoint: this.endpoint.index, type, ...fields });
  }

  protected opened(local: string, remote: string | undefined): void {
    this.endpoint.counters.connectionsOpen += 1;
    this.endpoint.counters.connectionsTotal += 1;
    this.emit('open', { local, ...(remote !== undefined && { remote }) });
    this.observeState();
    this.readAppliedOptions(false);
    this.workload.onOpen?.(this);
  }

  protected readAppliedOptions(again: boolean): void {
    if (this.endpoint.applied && !again) return;
    const fd = this.fd();
    if (fd < 0) return;
    try {
      this.endpoint.applied = this.services.sampler.socketOptions(fd);
    } catch {
      // The socket went away between the check and the read; the next one reports.
    }
  }

  protected observeState(): number {
    if (!this.tcp) return -1;
    const fd = this.fd();
    if (fd < 0) return -1;
    const state = this.services.sampler.sampleSocket(fd).tcp?.state ?? -1;
    if (state >= 0) this.reportState(state);
    return state;
  }

  protected reportState(state: number): void {
    if (state === this.lastState) return;
    this.lastState = state;
    this.emit('state', { state });
  }

  /** After our FIN: the state the shutdown entered, then whatever the kernel says now (see connection.cc). */
  protected reportFinSent(stateBefore: number): void {
    if (stateBefore === establishedState) this.reportState(finWait1State);
    else if (stateBefore === closeWaitState) this.reportState(lastAckState);
    this.observeState();
  }

  protected received(data: Buffer, from?: Peer): void {
    const counters = this.endpoint.counters;
    counters.reads += 1;
    counters.bytesIn += data.length;
    this.bytesIn += data.length;
    this.services.capture.record(this.nowUs(), this.id, this.endpoint.index, captureDirection.read, data.length, data);
    this.workload.onData?.(this, data, from);
  }

  protected wrote(preview: Buffer, bytes: number): void {
    this.endpoint.counters.bytesOut += bytes;
    this.bytesOut += bytes;
    // A gathered write previews its first part.
    this.services.capture.record(this.nowUs(), this.id, this.endpoint.index, captureDirection.write, bytes, preview);
  }

  bytesIn = 0;
  bytesOut = 0;

  /** Marks the connection closed once: the event, the count, the timers. */
  protected markClosed(fields: EventFields): void {
    if (this.closed) return;
    this.closed = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.immediate) clearImmediate(this.immediate);
    this.endpoint.counters.connectionsOpen -= 1;
    this.emit('closed', { abortive: false, ...fields });
  }

  /** The kernel's view of the socket now, or null once it is closed. */
  sample(): LiveSample | null {
    if (this.closed) return null;
    const fd = this.fd();
    const kernel = fd >= 0 ? this.services.sampler.sampleSocket(fd) : { sendQueueBytes: null, unsentBytes: null, recvQueueBytes: null, tcp: null };
    if (kernel.tcp) this.reportState(kernel.tcp.state);
    return {
      connectionId: this.id,
      endpoint: this.endpoint.index,
      index: this.index,
      atUs: this.nowUs(),
      bytesIn: this.bytesIn,
      bytesOut: this.bytesOut,
      appSendQueueBytes: this.queuedBytes(),
      ...kernel,
    };
  }
}

/** Whether an error is the peer resetting the connection. */
function isReset(code: string | undefined): boolean {
  return code === 'ECONNRESET' || code === 'EPIPE';
}

export class TcpConnection extends LibuvConnection {
  readonly tcp = true;
  private writeShut = false;
  private pendingClose: EventFields | null = null;
  private readingPaused = false;

  constructor(
    id: number,
    index: number,
    endpoint: EndpointState,
    spec: EndpointSpec,
    services: LibuvServices,
    workload: Workload,
    private readonly tcpSocket: TcpSocket,
  ) {
    super(id, index, endpoint, spec, services, workload);
  }

  get socket(): TcpSocket {
    return this.tcpSocket;
  }

  protected fd(): number {
    return this.closed ? -1 : tcpSocketFd(this.tcpSocket);
  }

  /** Called once the socket is connected (or accepted). */
  start(): void {
    const socket = this.tcpSocket;
    socket.on('data', (data: Buffer) => {
      if (!this.readShut) this.received(data);
    });
    socket.on('end', () => {
      this.peerShutDown = true;
      this.emit('peer-shutdown');
      this.observeState();
      this.workload.onPeerShutdown(this);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.closed) return;
      const code = error.code ?? 'EIO';
      if (isReset(code)) {
        this.emit('reset', { code, message: `the peer reset the connection (${error.syscall ?? 'read'})` });
        this.pendingClose = { code, message: 'reset by peer' };
        return;
      }
      this.endpoint.recordError(code, error.message);
      this.emit('error', { code, message: error.message });
      this.pendingClose = { code, message: error.message };
    });
    socket.on('close', () => this.markClosed(this.pendingClose ?? {}));
    this.opened(`${socket.localAddress}:${socket.localPort}`, `${socket.remoteAddress}:${socket.remotePort}`);
  }

  write(parts: Buffer[]): void {
    if (this.closed || this.writeShut) return;
    const socket = this.tcpSocket;
    this.endpoint.counters.writes += 1;
    const bytes = parts.reduce((sum, part) => sum + part.length, 0);
    const done = (error?: Error | null) => {
      if (error || this.closed) return;
      this.wrote(parts[0]!, bytes);
      this.workload.onWritten(this);
    };
    if (parts.length === 1) {
      socket.write(parts[0]!, done);
      return;
    }
    // Corked parts leave as one writev, as the engine's send queue gathers its buffers.
    socket.cork();
    parts.forEach((part, i) => socket.write(part, i === parts.length - 1 ? done : undefined));
    socket.uncork();
  }

  send(bytes: Buffer): void {
    this.write([bytes]);
  }

  queuedBytes(): number {
    return this.tcpSocket.writableLength;
  }

  pauseReading(): void {
    this.readingPaused = true;
    this.tcpSocket.pause();
  }

  resumeReading(): void {
    this.readingPaused = false;
    if (!this.readShut) this.tcpSocket.resume();
  }

  shutdown(how: 'read' | 'write' | 'both'): void {
    if (this.closed) return;
    if (how !== 'write') {
      // Node has no shutdown(SHUT_RD): libuv stops reading instead, and the kernel keeps accepting data.
      this.readShut = true;
      this.tcpSocket.pause();
    }
    if (how === 'read') {
      this.emit('shutdown', { how, message: 'Node has no shutdown(SHUT_RD): libuv stopped reading instead (the kernel still accepts data)' });
      return;
    }
    if (this.writeShut) return;
    this.writeShut = true;
    const queued = this.tcpSocket.writableLength;
    const stateBefore = this.observeState();
    // end() sends the FIN once Node's queue has drained; 'finish' follows the shutdown(2) call.
    this.tcpSocket.end(() => {
      if (this.closed) return;
      this.emit('shutdown', {
        how,
        ...(how === 'both' && { message: 'Node has no shutdown(SHUT_RDWR): libuv sent the FIN and stopped reading' }),
        ...(queued > 0 && how !== 'both' && { message: `sent after ${queued} queued bytes were written` }),
      });
      this.reportFinSent(stateBefore);
    });
  }

  close(abortive: boolean): void {
    if (this.closed) return;
    const queued = this.tcpSocket.writableLength;
    if (abortive) this.tcpSocket.resetAndDestroy();
    else this.tcpSocket.destroy();
    this.markClosed({ abortive, ...(queued > 0 && { message: `${queued} queued bytes were never written` }), ...(this.pendingClose ?? {}) });
  }

  get paused(): boolean {
    return this.readingPaused;
  }
}

export class UdpConnection extends LibuvConnection {
  readonly tcp = false;
  private queued = 0;
  private lastPeer: Peer | null = null;
  private readonly reportedErrors = new Set<string>();

  constructor(
    id: number,
    index: number,
    endpoint: EndpointState,
    spec: EndpointSpec,
    services: LibuvServices,
    workload: Workload,
    private readonly udpSocket: UdpSocket,
    /** Unconnected clients: where their datagrams go. */
    private readonly destination: Peer | null,
  ) {
    super(id, index, endpoint, spec, services, workload);
  }

  get socket(): UdpSocket {
    return this.udpSocket;
  }

  protected fd(): number {
    return this.closed ? -1 : udpSocketFd(this.udpSocket);
  }

  /** Called once the socket is bound (and connected, for a connected client). */
  start(remote: string | undefined): void {
    const socket = this.udpSocket;
    socket.on('message', (data: Buffer, info: { address: string; port: number }) => {
      if (this.readShut) return;
      this.lastPeer = { address: info.address, port: info.port };
      this.received(data, this.lastPeer);
    });
    socket.on('error', (error: NodeJS.ErrnoException) => this.failed(error));
    socket.on('close', () => this.markClosed({}));
    const local = socket.address();
    this.opened(`${local.address}:${local.port}`, remote);
  }

  /** ICMP errors on UDP sockets are reports, not the end: an event once per code, then only counted. */
  private failed(error: NodeJS.ErrnoException): void {
    const code = error.code ?? 'EIO';
    this.endpoint.recordError(code, error.message);
    if (this.reportedErrors.has(code)) return;
    this.reportedErrors.add(code);
    this.emit('error', { code, message: `${error.message} (repeats are counted in the endpoint's errors)` });
  }

  write(parts: Buffer[], to?: Peer): void {
    if (this.closed) return;
    const target = to ?? this.destination;
    const bytes = parts.reduce((sum, part) => sum + part.length, 0);
    this.endpoint.counters.writes += 1;
    this.queued += bytes;
    const done = (error: Error | null) => {
      this.queued -= bytes;
      if (this.closed) return;
      if (error) this.failed(error as NodeJS.ErrnoException);
      else this.wrote(parts[0] ?? Buffer.alloc(0), bytes);
      this.workload.onWritten(this);
    };
    if (target) this.udpSocket.send(parts, target.port, target.address, done);
    else this.udpSocket.send(parts, done);
  }

  send(bytes: Buffer): void {
    // A UDP server socket answers whoever wrote to it last.
    if (this.spec.role === 'server') {
      if (!this.lastPeer) {
        this.endpoint.recordError('EDESTADDRREQ', 'nothing to send to: no datagram has arrived yet');
        return;
      }
      this.write([bytes], this.lastPeer);
      return;
    }
    this.write([bytes]);
  }

  queuedBytes(): number {
    return this.queued;
  }

  pauseReading(): void {}
  resumeReading(): void {}

  shutdown(): void {
    // The profile refuses shutdown on UDP; a live command gets the same answer.
    this.endpoint.recordError('ENOTCONN', 'shutdown is TCP only');
    this.emit('error', { code: 'ENOTCONN', message: 'shutdown is TCP only' });
  }

  close(): void {
    if (this.closed) return;
    this.udpSocket.close();
    this.markClosed({});
  }
}
