import { hostReplySchema, type CommandTarget, type HostFailure, type HostReply, type HostRequest, type LiveBatch, type RunProgress } from '../../src-shared/engine-protocol.js';
import type { CommandBody } from '../../src-shared/profile.js';
import { resultSchema, type RunResult } from '../../src-shared/result.js';
import { ValidationError } from '../../src-shared/validation.js';
import { EngineError } from './engine-error.js';

/**
 * The parent's side of the engine host protocol, whatever carries the messages: a forked child's
 * IPC channel (the agent) or an Electron utilityProcess's parent port (the desktop). A transport
 * delivers every message it receives to `receive` and reports the host's death to `hostExited`;
 * this class validates each reply and settles the runs and commands waiting on it.
 */

/** Sends requests to the host and ends it; the rest of a transport is wired by its owner. */
export interface HostTransport {
  send(request: HostRequest): void;
  kill(): void;
}

export function failureToError(failure: HostFailure): Error {
  if (failure.problems) return new ValidationError('the profile', failure.problems);
  return new EngineError(failure.code, failure.message);
}

export interface RemoteRunOptions {
  durationMs?: number;
  onBatch?: (batch: LiveBatch, progress: RunProgress) => void;
}

/** What a run needs of its client: to send a stop and to carry a command. */
interface RunChannel {
  send(request: HostRequest): void;
  command(runId: string, target: CommandTarget, body: CommandBody): Promise<void>;
}

/** A run inside the engine host. `finished` settles once: the result, the host's failure, or EHOSTDOWN. */
export class RemoteRun {
  readonly finished: Promise<RunResult>;
  resolve!: (result: RunResult) => void;
  reject!: (error: Error) => void;
  listen: (string | null)[] = [];

  constructor(
    private readonly channel: RunChannel,
    readonly runId: string,
    readonly options: RemoteRunOptions,
  ) {
    this.finished = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    // A caller that only awaits start() must not see an unhandled rejection from here.
    this.finished.catch(() => undefined);
  }

  stop(): Promise<RunResult> {
    try {
      this.channel.send({ type: 'stop', runId: this.runId });
    } catch (error) {
      this.reject(error as Error);
    }
    return this.finished;
  }

  command(target: CommandTarget, body: CommandBody): Promise<void> {
    return this.channel.command(this.runId, target, body);
  }
}

/**
 * Runs started by every client of this process. Run ids name results on the API's shelf, so a
 * client that replaces a restarted host must not hand out "run-1" again.
 */
let runsStarted = 0;

/**
 * Requests, replies and their bookkeeping. `ready` resolves with the host's pid on its 'ready'
 * reply and rejects with EHOSTDOWN if the host exits first. After an exit every pending run and
 * command fails with EHOSTDOWN, later requests fail at once, and onExit listeners hear the
 * description once.
 */
export class HostProtocolClient {
  readonly ready: Promise<number>;
  /** Replies that failed validation, and the host's protocol errors, kept for diagnosis. */
  readonly refusedReplies: string[] = [];
  private readonly runs = new Map<string, { run: RemoteRun; started: (error?: Error) => void }>();
  private readonly commands = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private readonly exitListeners: ((description: string) => void)[] = [];
  private nextRequestId = 0;
  private exitDescription: string | null = null;
  private settleReady!: (pid: number | Error) => void;

  constructor(private readonly transport: HostTransport) {
    this.ready = new Promise((resolve, reject) => {
      this.settleReady = (outcome) => (typeof outcome === 'number' ? resolve(outcome) : reject(outcome));
    });
    this.ready.catch(() => undefined);
  }

  /** Null while the host lives; afterwards, how it ended. */
  get exited(): string | null {
    return this.exitDescription;
  }

  onExit(listener: (description: string) => void): void {
    this.exitListeners.push(listener);
  }

  /** Starts a run; resolves once the servers are bound, rejects if the run cannot start. */
  async start(profile: unknown, options: RemoteRunOptions = {}): Promise<RemoteRun> {
    if (this.exitDescription !== null) throw new EngineError('EHOSTDOWN', this.exitDescription);
    const runId = `run-${++runsStarted}`;
    const run = new RemoteRun(this, runId, options);
    await new Promise<void>((resolve, reject) => {
      this.runs.set(runId, { run, started: (error) => (error ? reject(error) : resolve()) });
      try {
        this.send({ type: 'start', runId, profile, ...(options.durationMs !== undefined && { durationMs: options.durationMs }) });
      } catch (error) {
        this.runs.delete(runId);
        reject(error as Error);
      }
    });
    return run;
  }

  command(runId: string, target: CommandTarget, body: CommandBody): Promise<void> {
    if (this.exitDescription !== null) return Promise.reject(new EngineError('EHOSTDOWN', this.exitDescription));
    const requestId = ++this.nextRequestId;
    return new Promise((resolve, reject) => {
      this.commands.set(requestId, { resolve, reject });
      try {
        this.send({ type: 'command', runId, requestId, target, body });
      } catch (error) {
        this.commands.delete(requestId);
        reject(error as Error);
      }
    });
  }

  /**
   * Sends a request; after the host's exit it is dropped (its runs and commands have failed
   * already). A transport that throws (a channel closing before the exit is seen) fails the
   * request that caused it, never the caller's process.
   */
  send(request: HostRequest): void {
    if (this.exitDescription === null) this.transport.send(request);
  }

  /** Ends the host; its exit is reported as any other. */
  close(): void {
    this.transport.kill();
  }

  /** Every message the transport receives from the host, unvalidated. */
  receive(message: unknown): void {
    const parsed = hostReplySchema.safeParse(message);
    if (!parsed.success) {
      this.refusedReplies.push(parsed.error.message);
      return;
    }
    this.onReply(parsed.data);
  }

  /** The transport saw the host end; `description` says how ("the engine host exited (SIGKILL)"). */
  hostExited(description: string): void {
    if (this.exitDescription !== null) return;
    this.exitDescription = description;
    const error = new EngineError('EHOSTDOWN', description);
    this.settleReady(new EngineError('EHOSTDOWN', `${description} before it was ready`));
    for (const { run, started } of this.runs.values()) {
      started(error);
      run.reject(error);
    }
    this.runs.clear();
    for (const pending of this.commands.values()) pending.reject(error);
    this.commands.clear();
    for (const listener of this.exitListeners) listener(description);
  }

  private onReply(reply: HostReply): void {
    switch (reply.type) {
      case 'ready':
        this.settleReady(reply.pid);
        return;
      case 'started': {
        const entry = this.runs.get(reply.runId);
        if (!entry) return;
        entry.run.listen = reply.listen;
        entry.started();
        return;
      }
      case 'batch':
        this.runs.get(reply.runId)?.run.options.onBatch?.(reply.batch, reply.progress);
        return;
      case 'finished': {
        const entry = this.runs.get(reply.runId);
        if (!entry) return;
        this.runs.delete(reply.runId);
        const result = resultSchema.safeParse(reply.result);
        if (result.success) entry.run.resolve(result.data);
        else entry.run.reject(new EngineError('EPROTO', `the engine host sent a malformed result: ${result.error.message}`));
        return;
      }
      case 'failed': {
        const entry = this.runs.get(reply.runId);
        if (!entry) return;
        this.runs.delete(reply.runId);
        const error = failureToError(reply.failure);
        entry.started(error);
        entry.run.reject(error);
        return;
      }
      case 'command-done': {
        const pending = this.commands.get(reply.requestId);
        this.commands.delete(reply.requestId);
        if (reply.failure) pending?.reject(failureToError(reply.failure));
        else pending?.resolve();
        return;
      }
      case 'protocol-error':
        this.refusedReplies.push(reply.message);
        return;
    }
  }
}

/**
 * A host reached through a HostProtocolClient. Each transport (a forked child, an Electron
 * utilityProcess) extends it with how the process is started and how it reports its end.
 */
export abstract class ProtocolHost {
  protected constructor(protected readonly protocol: HostProtocolClient) {}

  abstract get pid(): number | undefined;

  /** Replies that failed validation, and the host's protocol errors, kept for diagnosis. */
  get refusedReplies(): string[] {
    return this.protocol.refusedReplies;
  }

  onExit(listener: (description: string) => void): void {
    this.protocol.onExit(listener);
  }

  /** Starts a run; resolves once the servers are bound, rejects if the run cannot start. */
  start(profile: unknown, options: RemoteRunOptions = {}): Promise<RemoteRun> {
    return this.protocol.start(profile, options);
  }

  command(runId: string, target: CommandTarget, body: CommandBody): Promise<void> {
    return this.protocol.command(runId, target, body);
  }

  send(request: HostRequest): void {
    this.protocol.send(request);
  }

  /** Ends the host process; its exit is reported to onExit listeners like any other. */
  close(): void {
    this.protocol.close();
  }
}
