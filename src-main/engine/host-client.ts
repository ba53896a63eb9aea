import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostReplySchema, type CommandTarget, type HostFailure, type HostReply, type HostRequest, type LiveBatch, type RunProgress } from '../../src-shared/engine-protocol.js';
import type { CommandBody } from '../../src-shared/profile.js';
import { resultSchema, type RunResult } from '../../src-shared/result.js';
import { ValidationError } from '../../src-shared/validation.js';
import { EngineError } from './engine-error.js';

/** The compiled host entry (tsc puts it in out/node); the sources cannot be forked directly. */
function hostEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.join(here, 'host-main.js');
  if (existsSync(compiled)) return compiled;
  const root = path.resolve(here, '../..');
  return path.join(root, 'out', 'node', 'src-main', 'engine', 'host-main.js');
}

function failureToError(failure: HostFailure): Error {
  if (failure.problems) return new ValidationError('the profile', failure.problems);
  return new EngineError(failure.code, failure.message);
}

export interface RemoteRunOptions {
  durationMs?: number;
  onBatch?: (batch: LiveBatch, progress: RunProgress) => void;
}

/** A run inside the engine host process. */
export class RemoteRun {
  readonly finished: Promise<RunResult>;
  resolve!: (result: RunResult) => void;
  reject!: (error: Error) => void;
  listen: (string | null)[] = [];

  constructor(
    private readonly client: EngineHostClient,
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
      this.client.send({ type: 'stop', runId: this.runId });
    } catch (error) {
      this.reject(error as Error);
    }
    return this.finished;
  }

  command(target: CommandTarget, body: CommandBody): Promise<void> {
    return this.client.command(this.runId, target, body);
  }
}

/**
 * The parent's side of the engine host: forks it, sends requests, and validates every reply
 * before acting on it. If the host dies, pending runs fail with EHOSTDOWN and onExit listeners
 * hear of it; the caller may spawn a new host.
 */
export class EngineHostClient {
  private readonly runs = new Map<string, { run: RemoteRun; started: (error?: Error) => void }>();
  private readonly commands = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  private nextRequestId = 0;
  private nextRunId = 0;
  private exitListeners: ((description: string) => void)[] = [];
  private exitDescription: string | null = null;
  /** Replies that failed validation, kept for diagnosis. */
  readonly refusedReplies: string[] = [];

  private constructor(private readonly child: ChildProcess) {}

  static spawn(): Promise<EngineHostClient> {
    const child = fork(hostEntry(), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const client = new EngineHostClient(child);
    // A send racing the host's exit is reported by send() and the exit handler, not as a crash.
    child.on('error', (error) => client.refusedReplies.push(`channel error: ${error.message}`));
    return new Promise((resolve, reject) => {
      const onEarlyExit = (code: number | null) => reject(new EngineError('EHOSTDOWN', `the engine host exited before it was ready (code ${code})`));
      child.once('exit', onEarlyExit);
      child.on('message', (message) => {
        const parsed = hostReplySchema.safeParse(message);
        if (!parsed.success) {
          client.refusedReplies.push(parsed.error.message);
          return;
        }
        if (parsed.data.type === 'ready') {
          child.off('exit', onEarlyExit);
          child.on('exit', (code, signal) => client.onHostExit(code, signal));
          resolve(client);
          return;
        }
        client.onReply(parsed.data);
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  onExit(listener: (description: string) => void): void {
    this.exitListeners.push(listener);
  }

  /** Starts a run; resolves once the servers are bound, rejects if the run cannot start. */
  async start(profile: unknown, options: RemoteRunOptions = {}): Promise<RemoteRun> {
    const runId = `run-${++this.nextRunId}`;
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

  send(request: HostRequest): void {
    if (this.exitDescription !== null || !this.child.connected) throw new EngineError('EHOSTDOWN', this.exitDescription ?? 'the engine host is not connected');
    this.child.send(request);
  }

  /** Ends the host process. */
  close(): void {
    this.child.kill();
  }

  private onReply(reply: HostReply): void {
    switch (reply.type) {
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
      case 'ready':
        return;
    }
  }

  private onHostExit(code: number | null, signal: NodeJS.Signals | null): void {
    const description = `the engine host exited (${signal ?? `code ${code}`})`;
    this.exitDescription = description;
    const error = new EngineError('EHOSTDOWN', description);
    for (const { run, started } of this.runs.values()) {
      started(error);
      run.reject(error);
    }
    this.runs.clear();
    for (const pending of this.commands.values()) pending.reject(error);
    this.commands.clear();
    for (const listener of this.exitListeners) listener(description);
  }
}
