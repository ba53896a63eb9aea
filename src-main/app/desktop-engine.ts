import { EngineError } from '../engine/engine-error.js';
import { EngineHostKeeper, type EngineHost, type EngineRun } from '../engine/host-keeper.js';

/**
 * A host that is not there: the first spawn failed. It reports its "exit" to whoever listens, so
 * the API service shows the engine as down with the reason, and refuses runs with EHOSTDOWN.
 */
class AbsentHost implements EngineHost {
  readonly pid = undefined;
  constructor(readonly description: string) {}

  start(): Promise<EngineRun> {
    return Promise.reject(new EngineError('EHOSTDOWN', this.description));
  }

  onExit(listener: (description: string) => void): void {
    queueMicrotask(() => listener(this.description));
  }

  close(): void {}
}

/** The desktop's engine host, kept by EngineHostKeeper, in the shape the API service takes. */
export interface DesktopEngine {
  host(): EngineHost;
  restartHost(): Promise<unknown>;
  close(): void;
}

/**
 * Spawns the first host. If that fails the app still starts: the service reports the engine as
 * down with the reason, and engine.restart tries again.
 */
export async function startDesktopEngine(spawn: () => Promise<EngineHost>): Promise<DesktopEngine> {
  let keeper: EngineHostKeeper | null = null;
  let absent: AbsentHost | null = null;
  const tryStart = async () => {
    try {
      keeper = await EngineHostKeeper.start(spawn);
      absent = null;
    } catch (error) {
      absent = new AbsentHost(`the engine host could not be started: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  await tryStart();
  return {
    host: () => keeper?.current() ?? absent!,
    restartHost: async () => {
      if (keeper) return keeper.restart();
      await tryStart();
      if (!keeper) throw new EngineError('EHOSTDOWN', absent!.description);
    },
    close: () => keeper?.close(),
  };
}
