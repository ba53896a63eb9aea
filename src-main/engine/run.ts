import { profileSchema, type CommandBody, type Profile } from '../../src-shared/profile.js';
import type { CommandTarget } from '../../src-shared/engine-protocol.js';
import type { RunResult } from '../../src-shared/result.js';
import { parseOrThrow } from '../../src-shared/validation.js';
import { EngineError, toEngineError } from './engine-error.js';
import { describeEnvironment } from './environment.js';
import type { NativeBatch } from './native-engine.js';
import { portRangeShortfalls } from './port-range-check.js';
import { createRunEngine, type RunEngine } from './run-engine.js';
import { RunRecorder } from './run-recorder.js';

export type { RunProgress } from '../../src-shared/engine-protocol.js';
import type { RunProgress } from '../../src-shared/engine-protocol.js';

export interface RunOptions {
  /** Overrides the profile's durationMs. */
  durationMs?: number;
  /** Called after every batch of samples. */
  onProgress?: (progress: RunProgress) => void;
  /** Called with every batch as the engine delivers it, and the progress it makes (live views). */
  onBatch?: (batch: NativeBatch, progress: RunProgress) => void;
  /** Aborting stops the run early; the result is still produced. */
  signal?: AbortSignal;
}

/**
 * One run of a profile in this process: the engine starts in start(), stops after the duration,
 * on abort, or on stop(), and `finished` then resolves with the result.
 */
export class Run {
  readonly finished: Promise<RunResult>;
  private readonly recorder: RunRecorder;
  private resolveFinished!: (result: RunResult) => void;
  private stopReason: string | null = null;
  private timer: NodeJS.Timeout | undefined;
  private startedAtMs = 0;
  private cpuAtStart: NodeJS.CpuUsage | undefined;

  private constructor(
    readonly profile: Profile,
    private readonly engine: RunEngine,
    private readonly options: RunOptions,
    private readonly environment: RunResult['environment'],
    private readonly startedAt: Date,
  ) {
    this.recorder = new RunRecorder(profile);
    this.finished = new Promise((resolve) => (this.resolveFinished = resolve));
  }

  /** Validates the profile, binds the servers and starts the run. */
  static async start(input: unknown, options: RunOptions = {}): Promise<Run> {
    const profile = parseOrThrow(profileSchema, input, 'the profile');
    const environment = await describeEnvironment();
    // Batches can only arrive after start(), by which time the run exists.
    const delivery: { to?: Run } = {};
    const engine = createRunEngine(profile, (batch) => delivery.to?.onBatch(batch));
    const run = new Run(profile, engine, options, environment, new Date());
    for (const notice of portRangeShortfalls(profile, environment.sysctls['net.ipv4.ip_local_port_range'])) run.recorder.addNotice(notice);
    delivery.to = run;
    run.cpuAtStart = process.cpuUsage();
    try {
      run.listen = (await engine.start()).listen;
      run.recorder.setListen(run.listen);
    } catch (error) {
      throw toEngineError(error);
    }
    run.startedAtMs = performance.now();
    const durationMs = options.durationMs ?? profile.durationMs;
    run.timer = setTimeout(() => run.stop('duration'), durationMs);
    options.signal?.addEventListener('abort', () => run.stop('interrupted'), { once: true });
    // An abort during the awaits above has already fired.
    if (options.signal?.aborted) void run.stop('interrupted');
    return run;
  }

  /** The address each server bound ("127.0.0.1:40123"), null for clients, in endpoint order. */
  listen: (string | null)[] = [];

  get running(): boolean {
    return this.stopReason === null;
  }

  /** Sends a live command; throws an EngineError (ENOENT) when nothing matches. */
  command(target: CommandTarget, body: CommandBody): void {
    if (body.do === 'restart-listener' && ('connectionId' in target || target.connection !== undefined)) {
      throw new EngineError('EINVAL', 'restart-listener acts on a server endpoint\'s listener: aim it at {"endpoint"} without a connection');
    }
    try {
      this.engine.command(target, body);
    } catch (error) {
      throw toEngineError(error);
    }
  }

  /** Stops the run (idempotent); resolves with the result once the final batch is in. */
  stop(reason = 'stopped'): Promise<RunResult> {
    if (this.stopReason === null) {
      this.stopReason = reason;
      clearTimeout(this.timer);
      this.engine.stop();
    }
    return this.finished;
  }

  private onBatch(batch: NativeBatch): void {
    this.recorder.add(batch);
    const progress = this.recorder.progress(batch.atUs / 1000, this.options.durationMs ?? this.profile.durationMs);
    // A listener that throws must not keep the run from finishing.
    try {
      this.options.onBatch?.(batch, progress);
      this.options.onProgress?.(progress);
    } catch (error) {
      queueMicrotask(() => {
        throw error;
      });
    }
    if (!batch.final) return;
    const elapsedMs = performance.now() - this.startedAtMs;
    const reason = this.stopReason ?? 'stopped';
    const cpu = process.cpuUsage(this.cpuAtStart);
    const result = this.recorder.result(this.environment, this.startedAt, elapsedMs, reason === 'duration', reason);
    this.resolveFinished({ ...result, cpuTime: { userMs: cpu.user / 1000, systemMs: cpu.system / 1000 } });
  }
}

/** Runs a profile to its end (or until aborted) and returns the result. */
export async function runProfile(profile: unknown, options: RunOptions = {}): Promise<RunResult> {
  const run = await Run.start(profile, options);
  return run.finished;
}
