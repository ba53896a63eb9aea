import { apiCalls, apiErrorSchema, apiEvents, type ApiCallName, type ApiError, type ApiEventName, type SockscopeApi, type Unsubscribe } from '../src-shared/api';
import type { OpenedResult, OpenedResultMessage, ReportDelivery } from '../src-shared/report-export';
import { resultSchema, type RunResult } from '../src-shared/result';
import { describeIssues } from '../src-shared/validation';
import { callChannel, EVENTS_PORT_CHANNEL } from '../src-shared/ipc-channels';

/** The parts of Electron's ipcRenderer the preload uses. */
export interface IpcRendererLike {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: { ports: readonly MessagePort[] }, ...args: unknown[]) => void): unknown;
}

// The preload may import only electron, src-shared and its own files, so zod is reached through
// the contract's schemas and the two envelopes below are checked by hand.

type CallAnswer<N extends ApiCallName> = ReturnType<(typeof apiCalls)[N]['returns']['parse']>;
type EventPayload<N extends ApiEventName> = ReturnType<(typeof apiEvents)[N]['parse']>;
type Problems = ApiError['problems'];

/** A call's failure as the renderer sees it. Rejections carry this plain object because contextBridge would strip an Error's code. */
function protocolError(what: string, problems: Problems): ApiError {
  return { code: 'EPROTO', message: `${what}: main sent a malformed answer`, ...(problems && { problems }) };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Main's CallReply, checked: the value of a success, the ApiError of a failure. */
function readCallReply(what: string, reply: unknown): { ok: true; value: unknown } | { ok: false; error: ApiError } {
  if (isRecord(reply) && reply['ok'] === true && 'value' in reply && Object.keys(reply).length === 2) return { ok: true, value: reply['value'] };
  if (isRecord(reply) && reply['ok'] === false && Object.keys(reply).length === 2) {
    const error = apiErrorSchema.safeParse(reply['error']);
    if (error.success) return { ok: false, error: error.data };
    throw protocolError(what, describeIssues(error.error).map((problem) => ({ ...problem, path: `error.${problem.path}` })));
  }
  throw protocolError(what, [{ path: '(root)', message: 'expected { ok, value } or { ok, error }' }]);
}

/** The events of one EventBundle, or null when the message is not one. */
function readEventBundle(message: unknown): { name: string; payload: unknown }[] | null {
  if (!isRecord(message) || !Array.isArray(message['events'])) return null;
  const events: unknown[] = message['events'];
  if (!events.every((event) => isRecord(event) && typeof event['name'] === 'string')) return null;
  return events as { name: string; payload: unknown }[];
}

function isApiEventName(name: string): name is ApiEventName {
  return Object.hasOwn(apiEvents, name);
}

/**
 * `window.sockscope` over Electron IPC. Every call invokes its own channel and parses the answer
 * with the call's schema; a refusal or failure in main rejects with an ApiError. Events arrive on
 * a MessagePort that main sends once per page load; each is validated before any listener sees it.
 */
export function createDesktopApi(ipcRenderer: IpcRendererLike): SockscopeApi {
  /** Arguments are typed by SockscopeApi, whose methods are the only callers; main validates them. */
  async function call<N extends ApiCallName>(name: N, ...args: unknown[]): Promise<CallAnswer<N>> {
    const reply = readCallReply(name, await ipcRenderer.invoke(callChannel(name), ...args));
    if (!reply.ok) throw reply.error;
    const answer = apiCalls[name].returns.safeParse(reply.value);
    if (!answer.success) throw protocolError(name, describeIssues(answer.error));
    return answer.data as CallAnswer<N>;
  }

  function parseResult(what: string, value: unknown): RunResult {
    const result = resultSchema.safeParse(value);
    if (!result.success) throw protocolError(what, describeIssues(result.error));
    return result.data;
  }

  function parseOpened(what: string, opened: OpenedResultMessage | null): OpenedResult | null {
    return opened === null ? null : { ...opened, result: parseResult(what, opened.result) };
  }

  /** Main writes report files itself on the desktop; it never sends them here to download. */
  function savedPaths(delivery: ReportDelivery | null): { files: string[] } | null {
    if (delivery === null) return null;
    if (delivery.kind !== 'saved') throw protocolError('reports.export', [{ path: 'kind', message: 'expected "saved"' }]);
    return { files: delivery.paths };
  }

  const listeners = new Map<ApiEventName, Set<(payload: never) => void>>();

  function subscribe<N extends ApiEventName>(name: N, listener: (payload: EventPayload<N>) => void): Unsubscribe {
    let set = listeners.get(name);
    if (!set) listeners.set(name, (set = new Set()));
    const entry = listener as (payload: never) => void;
    set.add(entry);
    return () => {
      set.delete(entry);
    };
  }

  function dispatch(message: unknown): void {
    const events = readEventBundle(message);
    if (!events) {
      console.error('Sockscope: refused a malformed event message from main');
      return;
    }
    for (const { name, payload } of events) {
      if (!isApiEventName(name)) {
        console.error(`Sockscope: refused an unknown event "${name}" from main`);
        continue;
      }
      const parsed = apiEvents[name].safeParse(payload);
      if (!parsed.success) {
        console.error(`Sockscope: refused a malformed "${name}" event from main`, describeIssues(parsed.error));
        continue;
      }
      for (const listener of listeners.get(name) ?? []) {
        try {
          listener(parsed.data as never);
        } catch (error) {
          // One failing listener must not keep the event from the others.
          console.error(`Sockscope: a "${name}" listener failed`, error);
        }
      }
    }
  }

  let eventPort: MessagePort | null = null;
  ipcRenderer.on(EVENTS_PORT_CHANNEL, (event) => {
    const [port] = event.ports;
    if (!port) return;
    eventPort?.close();
    eventPort = port;
    port.onmessage = (message) => dispatch(message.data);
    port.start();
  });

  return {
    transport: 'desktop',
    app: {
      version: () => call('app.version'),
      onMenu: (listener) => subscribe('app.menu', ({ command }) => listener(command)),
    },
    engine: {
      status: () => call('engine.status'),
      restart: () => call('engine.restart'),
      onStatus: (listener) => subscribe('engine.status', (status) => listener(status)),
    },
    profiles: {
      list: () => call('profiles.list'),
      open: (ref) => call('profiles.open', ref),
      save: (profile, ref) => call('profiles.save', profile, ref),
    },
    runs: {
      start: (profile) => call('runs.start', profile),
      stop: async (runId) => parseResult('runs.stop', await call('runs.stop', runId)),
      onBatch: (listener) => subscribe('runs.batch', ({ runId, batch, progress }) => listener(runId, batch, progress)),
      onFinished: (listener) =>
        subscribe('runs.finished', ({ runId, result }) => {
          const parsed = resultSchema.safeParse(result);
          if (parsed.success) listener(runId, parsed.data);
          else console.error(`Sockscope: refused a malformed result of ${runId} from main`, describeIssues(parsed.error));
        }),
      onFailed: (listener) => subscribe('runs.failed', ({ runId, failure }) => listener(runId, failure)),
    },
    connections: {
      send: async (runId, target, payload) => void (await call('connections.send', runId, target, payload)),
      shutdown: async (runId, target, how) => void (await call('connections.shutdown', runId, target, how)),
      close: async (runId, target, options) => void (await call('connections.close', runId, target, options)),
      setOption: async (runId, target, options) => void (await call('connections.setOption', runId, target, options)),
    },
    endpoints: {
      restartListener: async (runId, endpoint, options) => void (await call('endpoints.restartListener', runId, endpoint, options)),
    },
    results: {
      open: async () => parseOpened('results.open', await call('results.open')),
    },
    reports: {
      export: async (resultId, format) => savedPaths(await call('reports.export', resultId, format)),
    },
  };
}
