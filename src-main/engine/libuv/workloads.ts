// What a libuv connection does with bytes: the engine's workloads (src-main/native/src/workload.cc)
// with the same rules, written against Node's sockets. No socket calls here, only the host's.
import type { EndpointSpec } from '../../../src-shared/profile.js';
import { EngineError } from '../engine-error.js';
import type { EndpointState } from './endpoint-state.js';
import { PatternVerifier, getSequence, patternBuffer, patternMessage, patternPeriodBytes, putSequence, sequenceBytes } from './pattern.js';

/** Where a UDP datagram came from, or goes to. */
export interface Peer {
  address: string;
  port: number;
}

/** What a workload may do to its connection. */
export interface WorkloadHost {
  readonly tcp: boolean;
  readonly endpoint: EndpointState;
  readonly peerShutDown: boolean;
  nowUs(): number;
  /** One write call; parts given together go out gathered, as one write to the kernel. */
  write(parts: Buffer[], to?: Peer): void;
  /** Bytes handed to Node and not yet taken by the kernel. */
  queuedBytes(): number;
  shutdownWrite(): void;
  requestClose(): void;
  pauseReading(): void;
  resumeReading(): void;
  /** Runs fn after delayMs, unless the connection closed first. */
  after(delayMs: number, fn: () => void): void;
  /** Runs fn once the event loop has polled for I/O again (several calls before then run it once), unless the connection closed first. */
  soon(fn: () => void): void;
}

export interface Workload {
  onOpen?(host: WorkloadHost): void;
  onData?(host: WorkloadHost, data: Buffer, from?: Peer): void;
  /** A write completed; the queue shrank. */
  onWritten(host: WorkloadHost): void;
  onPeerShutdown(host: WorkloadHost): void;
}

/** Above this many queued bytes an echo stops reading, so a slow peer pushes back on the sender. */
const echoBackpressureBytes = 4 * 1024 * 1024;
/** What a bulk sender writes in one turn of the event loop at most (a larger write still goes whole). */
const maxBulkBytesPerTurn = 64 * 1024;
/** A UDP sink tracks sequence numbers for at most this many senders. */
const maxTrackedSenders = 4096;

/** The default end of a connection: close once the peer finished and our queue is empty. */
abstract class BaseWorkload implements Workload {
  onWritten(host: WorkloadHost): void {
    if (host.peerShutDown && host.queuedBytes() === 0) host.requestClose();
  }
  onPeerShutdown(host: WorkloadHost): void {
    if (host.queuedBytes() === 0) host.requestClose();
  }
}

/** Allowance of a paced stream: rate bytes per second from start, with a bounded burst. */
class Pacer {
  private startUs = 0;
  private usedBytes = 0;
  constructor(
    private readonly bytesPerSecond: number,
    private readonly minimumBurstBytes: number,
  ) {}
  get paced(): boolean {
    return this.bytesPerSecond > 0;
  }
  start(nowUs: number): void {
    this.startUs = nowUs;
    this.usedBytes = 0;
  }
  allowance(nowUs: number): number {
    const earned = Math.floor((this.bytesPerSecond * (nowUs - this.startUs)) / 1e6);
    // After a long pause, allow at most a tenth of a second's worth at once.
    const burst = Math.max(Math.floor(this.bytesPerSecond / 10), this.minimumBurstBytes, 1);
    if (earned > this.usedBytes + burst) this.usedBytes = earned - burst;
    return earned - this.usedBytes;
  }
  use(bytes: number): void {
    this.usedBytes += bytes;
  }
  /** Microseconds from now until `bytes` more are allowed. */
  waitUs(bytes: number, nowUs: number): number {
    return Math.max(0, this.startUs + ((this.usedBytes + bytes) * 1e6) / this.bytesPerSecond + 1 - nowUs);
  }
}

class EchoWorkload extends BaseWorkload {
  private pending: Buffer = Buffer.alloc(0);
  private paused = false;
  constructor(private readonly messageBytes: number | undefined) {
    super();
  }
  onData(host: WorkloadHost, data: Buffer, from?: Peer): void {
    if (!host.tcp) {
      host.write([data], from);
      return;
    }
    if (this.messageBytes === undefined) host.write([data]);
    else {
      // A request/response server: answer each whole message with one write.
      this.pending = this.pending.length === 0 ? data : Buffer.concat([this.pending, data]);
      let used = 0;
      while (this.pending.length - used >= this.messageBytes) {
        host.write([this.pending.subarray(used, used + this.messageBytes)]);
        used += this.messageBytes;
      }
      this.pending = used === this.pending.length ? Buffer.alloc(0) : Buffer.from(this.pending.subarray(used));
    }
    if (host.queuedBytes() > echoBackpressureBytes && !this.paused) {
      this.paused = true;
      host.pauseReading();
    }
  }
  override onWritten(host: WorkloadHost): void {
    if (this.paused && host.queuedBytes() <= echoBackpressureBytes) {
      this.paused = false;
      host.resumeReading();
    }
    super.onWritten(host);
  }
}

class SinkWorkload extends BaseWorkload {
  private readonly pacer: Pacer;
  private readonly verifier: PatternVerifier | null;
  private readonly expected = new Map<string, number>();
  private waiting = false;
  constructor(
    private readonly readBytesPerSecond: number,
    verifyIncoming: boolean,
  ) {
    super();
    this.pacer = new Pacer(readBytesPerSecond, 1);
    this.verifier = verifyIncoming ? new PatternVerifier() : null;
  }
  onOpen(host: WorkloadHost): void {
    this.pacer.start(host.nowUs());
  }
  onData(host: WorkloadHost, data: Buffer, from?: Peer): void {
    if (this.verifier) host.endpoint.counters.verifyErrors += this.verifier.check(data);
    if (this.pacer.paced) this.throttle(host, data.length);
    if (host.tcp || data.length < sequenceBytes || !from) return;
    // Datagram sequence per sender: a gap is loss, a step back is reordering (or duplication).
    const sender = `${from.address}|${from.port}`;
    let expected = this.expected.get(sender);
    if (expected === undefined) {
      if (this.expected.size >= maxTrackedSenders) return;
      expected = 0;
    }
    const sequence = getSequence(data);
    const counters = host.endpoint.counters;
    if (sequence > expected) counters.datagramsMissing += sequence - expected;
    if (sequence < expected) {
      counters.datagramsOutOfOrder += 1;
      return;
    }
    this.expected.set(sender, sequence + 1);
  }
  /** Node reads what has arrived, up to 64 KiB at once; a slow reader stops reading until the pace allows more. */
  private throttle(host: WorkloadHost, bytes: number): void {
    this.pacer.use(bytes);
    const minimumRead = host.tcp ? Math.min(Math.max(Math.floor(this.readBytesPerSecond / 100), 1), 4096) : 1;
    const now = host.nowUs();
    if (this.waiting || this.pacer.allowance(now) >= minimumRead) return;
    this.waiting = true;
    host.pauseReading();
    host.after(this.pacer.waitUs(minimumRead, now) / 1000, () => {
      this.waiting = false;
      host.resumeReading();
    });
  }
}

class BulkWorkload extends BaseWorkload {
  private readonly pacer: Pacer;
  private readonly verifier: PatternVerifier | null;
  private enqueuedBytes = 0;
  private sequence = 0;
  private done = false;
  private shutDown = false;
  private waitingForPace = false;
  constructor(
    private readonly workload: Extract<EndpointSpec['workload'], { kind: 'bulk' }>,
    verifyIncoming: boolean,
  ) {
    super();
    this.pacer = new Pacer(workload.bytesPerSecond ?? 0, workload.writeBytes);
    this.verifier = verifyIncoming ? new PatternVerifier() : null;
  }
  onOpen(host: WorkloadHost): void {
    this.pacer.start(host.nowUs());
    this.fill(host);
  }
  onData(host: WorkloadHost, data: Buffer): void {
    if (this.verifier) host.endpoint.counters.verifyErrors += this.verifier.check(data);
  }
  override onWritten(host: WorkloadHost): void {
    // Write callbacks of writes the kernel took at once come on process.nextTick, which runs
    // before any I/O: refilling from there would starve every other socket of this thread.
    host.soon(() => this.fill(host));
  }
  override onPeerShutdown(host: WorkloadHost): void {
    host.requestClose();
  }
  private nextChunk(): number {
    const total = this.workload.totalBytes;
    return total === undefined ? this.workload.writeBytes : Math.min(this.workload.writeBytes, total - this.enqueuedBytes);
  }
  /** Keeps one write's worth queued, within the pace and the total. */
  private fill(host: WorkloadHost): void {
    if (this.waitingForPace) return;
    // Node hands a write to the kernel at once when it fits, so the queue may stay empty while the
    // kernel takes megabytes: one turn of the loop writes at most this much, then lets I/O run.
    const turnBudgetBytes = Math.max(this.workload.writeBytes, maxBulkBytesPerTurn);
    for (let written = 0; !this.done && host.queuedBytes() < this.workload.writeBytes && written < turnBudgetBytes; ) {
      const chunk = this.nextChunk();
      if (this.pacer.paced) {
        const now = host.nowUs();
        if (this.pacer.allowance(now) < chunk) {
          this.waitingForPace = true;
          host.after(this.pacer.waitUs(chunk, now) / 1000, () => {
            this.waitingForPace = false;
            this.fill(host);
          });
          break;
        }
        this.pacer.use(chunk);
      }
      if (host.tcp) host.write(this.patternSlices(chunk));
      else {
        const datagram = patternMessage(Math.max(chunk, sequenceBytes), 0);
        putSequence(datagram, this.sequence++);
        host.write([datagram]);
      }
      this.enqueuedBytes += chunk;
      written += chunk;
      if (this.workload.totalBytes !== undefined && this.enqueuedBytes >= this.workload.totalBytes) this.done = true;
    }
    if (this.done && host.queuedBytes() === 0 && this.workload.thenShutdownWrite && !this.shutDown) {
      this.shutDown = true;
      host.shutdownWrite();
    }
  }
  /** Slices of the shared pattern buffer: no copy. */
  private patternSlices(bytes: number): Buffer[] {
    const slices: Buffer[] = [];
    for (let offset = this.enqueuedBytes; bytes > 0; ) {
      const start = offset % patternPeriodBytes;
      const take = Math.min(bytes, patternPeriodBytes);
      slices.push(patternBuffer.subarray(start, start + take));
      bytes -= take;
      offset += take;
    }
    return slices;
  }
}

class PingPongWorkload extends BaseWorkload {
  private message: Buffer | null = null;
  private receivedBytes = 0;
  private sequence = 0;
  private sent = 0;
  private sentAtUs = 0;
  private nextSendUs = 0;
  private closed = false;
  constructor(private readonly workload: Extract<EndpointSpec['workload'], { kind: 'ping-pong' }>) {
    super();
  }
  onOpen(host: WorkloadHost): void {
    this.sendNext(host);
  }
  onData(host: WorkloadHost, data: Buffer): void {
    const counters = host.endpoint.counters;
    const message = this.message;
    if (!message) return;
    if (!host.tcp) {
      if (data.length !== message.length || data.length < sequenceBytes || getSequence(data) !== this.sequence) {
        counters.datagramsOutOfOrder += 1;
        return;
      }
      if (!data.equals(message)) counters.verifyErrors += 1;
      this.complete(host);
      return;
    }
    // TCP: the echo may come back in pieces; compare each piece where it belongs.
    const take = Math.min(data.length, message.length - this.receivedBytes);
    if (message.compare(data, 0, take, this.receivedBytes, this.receivedBytes + take) !== 0) {
      for (let i = 0; i < take; i++) if (data[i] !== message[this.receivedBytes + i]) counters.verifyErrors += 1;
    }
    this.receivedBytes += take;
    if (take < data.length) counters.verifyErrors += data.length - take;
    if (this.receivedBytes === message.length) this.complete(host);
  }
  override onPeerShutdown(host: WorkloadHost): void {
    this.closed = true;
    host.requestClose();
  }
  private finished(): boolean {
    return this.workload.totalMessages !== undefined && this.sent >= this.workload.totalMessages;
  }
  private complete(host: WorkloadHost): void {
    const now = host.nowUs();
    host.endpoint.latency.record(now - this.sentAtUs);
    host.endpoint.counters.messages += 1;
    this.message = null;
    if (this.workload.messagesPerSecond !== undefined) {
      // On a schedule from the first message, so late wake-ups do not add up to a slower rate;
      // a sender that fell far behind starts a new schedule rather than bursting to catch up.
      const intervalUs = 1e6 / this.workload.messagesPerSecond;
      this.nextSendUs = Math.max(this.nextSendUs + intervalUs, now - 10 * intervalUs);
      if (this.nextSendUs > now) {
        host.after((this.nextSendUs - now) / 1000, () => this.sendNext(host));
        return;
      }
    }
    this.sendNext(host);
  }
  private sendNext(host: WorkloadHost): void {
    if (this.finished() || this.closed) return;
    const now = host.nowUs();
    if (this.nextSendUs === 0) this.nextSendUs = now;
    const size = host.tcp ? this.workload.messageBytes : Math.max(this.workload.messageBytes, sequenceBytes);
    const message = patternMessage(size, (this.sent * 97) % patternPeriodBytes);
    this.sequence += 1;
    if (!host.tcp) putSequence(message, this.sequence);
    this.message = message;
    this.receivedBytes = 0;
    this.sentAtUs = now;
    this.sent += 1;
    // Each part in its own write call: with Nagle on, the second part waits for the first's ACK.
    const parts = host.tcp ? Math.min(this.workload.writesPerMessage, size) : 1;
    for (let part = 0; part < parts; part++) host.write([message.subarray(Math.floor((size * part) / parts), Math.floor((size * (part + 1)) / parts))]);
    if (!host.tcp) {
      const sequence = this.sequence;
      host.after(this.workload.timeoutMs, () => {
        if (this.message === null || this.sequence !== sequence) return;
        host.endpoint.counters.messagesLost += 1;
        this.message = null;
        this.sendNext(host);
      });
    }
  }
}

/** A manual connection stays half-open after the peer's FIN until the user acts: that is the CLOSE_WAIT state the user came to see. */
class ManualWorkload extends BaseWorkload {
  override onWritten(): void {}
  override onPeerShutdown(): void {}
}

export function createWorkload(spec: EndpointSpec, verifyIncoming: boolean): Workload {
  const workload = spec.workload;
  switch (workload.kind) {
    case 'echo':
      return new EchoWorkload(workload.messageBytes);
    case 'sink':
      return new SinkWorkload(workload.readBytesPerSecond ?? 0, verifyIncoming);
    case 'bulk':
      return new BulkWorkload(workload, verifyIncoming);
    case 'ping-pong':
      return new PingPongWorkload(workload);
    case 'manual':
      return new ManualWorkload();
    default:
      // The profile refuses other workloads on a libuv endpoint; this only guards a bypass.
      throw new EngineError('EINVAL', `endpoint "${spec.id}": the libuv model cannot run "${workload.kind}"`);
  }
}
