import type { CommandTarget } from '../../src-shared/engine-protocol.js';
import type { CommandBody } from '../../src-shared/profile.js';
import type { RunResult } from '../../src-shared/result.js';
import { EngineError } from './engine-error.js';
import { EngineHostClient, type RemoteRunOptions } from './host-client.js';

/** A run in an engine host, as the API service uses it (RemoteRun is one). */
export interface EngineRun {
  readonly runId: string;
  readonly listen: (string | null)[];
  /** Resolves with the result when the run ends; rejects with an EngineError or ValidationError. */
  readonly finished: Promise<RunResult>;
  stop(): Promise<RunResult>;
  command(target: CommandTarget, body: CommandBody): Promise<void>;
}

/**
 * An engine host, as the API service uses it. EngineHostClient (a forked Node child) is one; the
 * desktop's utilityProcess client can be another.
 */
export interface EngineHost {
  readonly pid: number | undefined;
  /** Resolves once the run's servers are bound; rejects if it cannot start. */
  start(profile: unknown, options?: RemoteRunOptions): Promise<EngineRun>;
  /** Called once when the host process ends, after its runs have been failed with EHOSTDOWN. */
  onExit(listener: (description: string) => void): void;
  close(): void;
}

/** How long a host that was asked to end may take before a restart gives up on it. */
const exitTimeoutMs = 5000;

/**
 * Keeps one engine host alive for a long-running server (the agent): `current()` is the host to
 * use, `restart()` ends it if it still runs and starts a new one.
 */
export class EngineHostKeeper {
  private host: EngineHost;
  private alive = true;
  private exited: Promise<void>;

  private constructor(
    host: EngineHost,
    private readonly spawn: () => Promise<EngineHost>,
  ) {
    this.host = host;
    this.exited = this.watch(host);
  }

  /** Spawns the first host. `spawn` defaults to forking host-main (EngineHostClient.spawn). */
  static async start(spawn: () => Promise<EngineHost> = () => EngineHostClient.spawn()): Promise<EngineHostKeeper> {
    return new EngineHostKeeper(await spawn(), spawn);
  }

  current(): EngineHost {
    return this.host;
  }

  /**
   * Ends the current host if it still runs, waits for it to exit (its runs fail with EHOSTDOWN
   * first, so no run of the old host outlives the restart), then spawns a new one.
   */
  async restart(): Promise<EngineHost> {
    if (this.alive) {
      this.host.close();
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new EngineError('ETIMEDOUT', `the engine host did not exit within ${exitTimeoutMs} ms`)), exitTimeoutMs);
      });
      try {
        await Promise.race([this.exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    }
    const host = await this.spawn();
    this.host = host;
    this.exited = this.watch(host);
    return host;
  }

  close(): void {
    if (this.alive) this.host.close();
  }

  private watch(host: EngineHost): Promise<void> {
    this.alive = true;
    return new Promise((resolve) => {
      host.onExit(() => {
        if (this.host === host) this.alive = false;
        resolve();
      });
    });
  }
}
