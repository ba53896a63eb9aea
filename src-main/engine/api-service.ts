import type { z } from 'zod';
import { apiCalls, type ApiCallName, type ApiEventName, type EngineStatus, type StartedRun, type apiEvents } from '../../src-shared/api.js';
import { encodeText, toHex } from '../../src-shared/encodings.js';
import type { LiveBatch, RunProgress } from '../../src-shared/engine-protocol.js';
import type { CommandBody } from '../../src-shared/profile.js';
import type { RunResult } from '../../src-shared/result.js';
import { formatPath } from '../../src-shared/validation.js';
import { ApiCallError, toApiError } from './api-error.js';
import type { EngineHost, EngineRun } from './host-keeper.js';
import type { ProfileStore } from './profile-store.js';
import { downloadOutlet, unpackResultUpload, type ReportOutlet } from './report-outlet.js';
import { reportFilesOf } from './report/report-files.js';
import { parseResultText } from './report/result-file.js';
import { ResultShelf } from './result-shelf.js';
import { ResultUploads } from './result-uploads.js';

export type ApiEventPayload<N extends ApiEventName = ApiEventName> = z.output<(typeof apiEvents)[N]>;
export type ApiEventListener = <N extends ApiEventName>(name: N, payload: ApiEventPayload<N>) => void;

export interface ApiServiceOptions {
  /** The current engine host; after restartHost() it returns the new one. */
  host: () => EngineHost;
  /**
   * Ends the current host if it still runs and starts another, so that host() returns it. Resolve
   * only after the old host has exited (EngineHostKeeper.restart does), so its runs are over.
   */
  restartHost: () => Promise<unknown>;
  profiles: ProfileStore;
  /** What app.version answers. */
  version: string;
  /** Where result files come from and reports go; default: downloads (the agent's way). */
  reports?: ReportOutlet;
}

/** The server side of `SockscopeApi`, shared by Electron main and the agent. */
export interface ApiService {
  /**
   * Carries out one call of `apiCalls`. Rejects with an ApiCallError (use `toApiError` on any
   * rejection): ENOSYS for an unknown name, EINVAL with `problems` for arguments that do not match
   * the call's schema (paths start at the argument: "args[2].encoding"), the profile's own field
   * paths for an invalid profile ("endpoints[0].model"), ENOENT for an unknown run, and the
   * engine's code (EADDRINUSE, EHOSTDOWN...) otherwise.
   */
  call(name: string, args: unknown[]): Promise<unknown>;
  /** Listens to every event of `apiEvents`; returns the function that stops listening. */
  onEvent(listener: ApiEventListener): () => void;
  /** Stops the runs this service started and refuses further calls (the host stays up). */
  close(): void;
}

type CallArgs<N extends ApiCallName> = z.output<(typeof apiCalls)[N]['args']>;
type Handlers = { [N in ApiCallName]: (...args: CallArgs<N>) => Promise<unknown> };

/** Finished runs whose result runs.stop still returns, for a stop that races the run's end. */
const finishedRunsKept = 4;

export function createApiService(options: ApiServiceOptions): ApiService {
  const listeners = new Set<ApiEventListener>();
  const runs = new Map<string, EngineRun>();
  const finishedRuns = new Map<string, Promise<RunResult>>();
  const watchedHosts = new WeakSet<EngineHost>();
  let currentHost: EngineHost | null = null;
  let status: EngineStatus = { state: 'running', message: '' };
  let restarting: Promise<EngineStatus> | null = null;
  let closed = false;
  const shelf = new ResultShelf();
  const uploads = new ResultUploads();
  const reports = options.reports ?? downloadOutlet;

  const emit: ApiEventListener = (name, payload) => {
    for (const listener of listeners) listener(name, payload);
  };

  function setStatus(next: EngineStatus): void {
    status = next;
    emit('engine.status', next);
  }

  function runningStatus(host: EngineHost): EngineStatus {
    return { state: 'running', message: host.pid === undefined ? 'the engine host is running' : `the engine host is running (pid ${host.pid})` };
  }

  /** The host to use now; a host replaced behind our back (not through restart) is adopted here. */
  function adoptHost(): EngineHost {
    const host = options.host();
    if (host === currentHost) return host;
    currentHost = host;
    if (!watchedHosts.has(host)) {
      watchedHosts.add(host);
      host.onExit((description) => {
        if (host !== currentHost || status.state === 'restarting' || closed) return;
        setStatus({ state: 'down', message: `${description}; restart the engine to run again` });
      });
    }
    status = runningStatus(host);
    return host;
  }

  function runOf(runId: string): EngineRun {
    const run = runs.get(runId);
    if (!run) throw new ApiCallError({ code: 'ENOENT', message: `no run "${runId}" is running` });
    return run;
  }

  function follow(run: EngineRun): void {
    const { runId } = run;
    runs.set(runId, run);
    run.finished.then(
      (result) => {
        shelf.put(runId, result);
        emit('runs.finished', { runId, result });
      },
      (error: unknown) => emit('runs.failed', { runId, failure: toApiError(error) }),
    );
    const settled = run.finished.finally(() => {
      if (runs.get(runId) === run) runs.delete(runId);
      finishedRuns.set(runId, run.finished);
      for (const oldest of finishedRuns.keys()) {
        if (finishedRuns.size <= finishedRunsKept) break;
        finishedRuns.delete(oldest);
      }
    });
    settled.catch(() => undefined);
  }

  function command(runId: string, target: Parameters<EngineRun['command']>[0], body: CommandBody): Promise<null> {
    return runOf(runId)
      .command(target, body)
      .then(() => null);
  }

  const handlers: Handlers = {
    'app.version': async () => options.version,
    'engine.status': async () => {
      adoptHost();
      return status;
    },
    'engine.restart': () => {
      restarting ??= (async () => {
        setStatus({ state: 'restarting', message: 'the engine host is restarting' });
        try {
          await options.restartHost();
          setStatus(runningStatus(adoptHost()));
        } catch (error) {
          setStatus({ state: 'down', message: `the engine host could not be restarted: ${toApiError(error).message}` });
        }
        return status;
      })().finally(() => {
        restarting = null;
      });
      return restarting;
    },
    'profiles.list': () => options.profiles.list(),
    'profiles.open': (ref) => options.profiles.open(ref),
    'profiles.save': (profile, ref) => options.profiles.save(profile, ref),
    'runs.start': async (profile): Promise<StartedRun> => {
      const host = adoptHost();
      if (status.state !== 'running') throw new ApiCallError({ code: 'EHOSTDOWN', message: `the engine is ${status.state}: ${status.message}` });
      // Batches that arrive before start() resolves wait here until the run has its id.
      let runId: string | undefined = undefined;
      const early: [LiveBatch, RunProgress][] = [];
      const run = await host.start(profile, {
        onBatch: (batch, progress) => {
          if (runId === undefined) early.push([batch, progress]);
          else emit('runs.batch', { runId, batch, progress });
        },
      });
      runId = run.runId;
      follow(run);
      for (const [batch, progress] of early.splice(0)) emit('runs.batch', { runId, batch, progress });
      if (closed) void run.stop();
      return { runId, listen: [...run.listen] };
    },
    'runs.stop': async (runId) => {
      const run = runs.get(runId);
      if (run) {
        const result = await run.stop();
        shelf.put(runId, result);
        return result;
      }
      const finished = finishedRuns.get(runId);
      if (finished) return finished;
      throw new ApiCallError({ code: 'ENOENT', message: `no run "${runId}": it never ran here or finished long ago` });
    },
    'connections.send': async (runId, target, payload) => {
      if (payload.hex !== undefined) return command(runId, target, { do: 'send', hex: payload.hex, encoding: 'utf8' });
      const text = payload.text ?? '';
      // The engine knows UTF-8 and UTF-16LE; CP949 text travels as its bytes.
      if (payload.encoding === 'cp949') return command(runId, target, { do: 'send', hex: toHex(encodeText(text, 'cp949')), encoding: 'utf8' });
      return command(runId, target, { do: 'send', text, encoding: payload.encoding });
    },
    'connections.shutdown': async (runId, target, how) => command(runId, target, { do: 'shutdown', how }),
    'connections.close': async (runId, target, { abortive }) => command(runId, target, { do: 'close', abortive }),
    'connections.setOption': async (runId, target, socketOptions) => command(runId, target, { do: 'set-option', options: socketOptions }),
    'endpoints.restartListener': async (runId, endpoint, socketOptions) => command(runId, { endpoint }, { do: 'restart-listener', options: socketOptions }),
    'results.open': async () => {
      const file = await reports.chooseResultFile();
      return file === null ? null : keepOpened(file.name, file.text);
    },
    'results.load': async (upload) => {
      const packed = uploads.add(upload);
      return packed === null ? null : keepOpened(upload.name, await unpackResultUpload(upload.name, packed));
    },
    'reports.export': async (resultId, format) => {
      const result = shelf.get(resultId);
      return reports.deliver(result, format, reportFilesOf(result, format));
    },
  };

  /** Validates an opened result (a ValidationError names the file and every bad field) and keeps it. */
  function keepOpened(name: string, text: string): { resultId: string; name: string; result: RunResult } {
    const result = parseResultText(text, name);
    const resultId = shelf.nextOpenedId();
    shelf.put(resultId, result);
    return { resultId, name, result };
  }

  adoptHost();

  return {
    async call(name, args) {
      try {
        if (closed) throw new ApiCallError({ code: 'ESHUTDOWN', message: 'the service is closed' });
        if (!Object.hasOwn(apiCalls, name)) throw new ApiCallError({ code: 'ENOSYS', message: `there is no call "${name}"` });
        const callName = name as ApiCallName;
        const parsed = apiCalls[callName].args.safeParse(args);
        if (!parsed.success) {
          throw new ApiCallError({
            code: 'EINVAL',
            message: `${callName}: the arguments are not valid`,
            problems: parsed.error.issues.map((issue) => ({ path: formatPath(['args', ...issue.path]), message: issue.message })),
          });
        }
        const handler = handlers[callName] as (...callArgs: unknown[]) => Promise<unknown>;
        return await handler(...(parsed.data as unknown[]));
      } catch (error) {
        throw error instanceof ApiCallError ? error : new ApiCallError(toApiError(error));
      }
    },
    onEvent(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    close() {
      closed = true;
      for (const run of runs.values()) void run.stop().catch(() => undefined);
      listeners.clear();
    },
  };
}
