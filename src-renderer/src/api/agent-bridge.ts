import type { z } from 'zod';
import {
  apiCalls,
  apiEvents,
  type ApiCallName,
  type ApiEventName,
  type EngineStatus,
  type MenuCommand,
  type OpenedProfile,
  type ProfileEntry,
  type ProfileRef,
  type SendPayload,
  type SockscopeApi,
  type StartedRun,
  type Unsubscribe,
} from '../../../src-shared/api.js';
import { agentServerMessageSchema, decodeBatch, fromBase64, toBase64, type WireBatch } from '../../../src-shared/agent-protocol.js';
import { maxResultUploadChars, resultUploadPartChars, type ExportedReport, type OpenedResult, type ReportFormat } from '../../../src-shared/report-export.js';
import { resultSchema } from '../../../src-shared/result.js';
import { describeIssues } from '../../../src-shared/validation.js';
import type { CommandTarget, LiveBatch, RunProgress } from '../../../src-shared/engine-protocol.js';
import type { RunResult } from '../../../src-shared/result.js';
import type { SocketOptions } from '../../../src-shared/socket-options.js';
import { ApiCallError } from './errors.js';
import { browserFiles, type BrowserFiles } from './browser-files.js';

type Returns<N extends ApiCallName> = z.output<(typeof apiCalls)[N]['returns']>;
type EventPayload<N extends ApiEventName> = z.output<(typeof apiEvents)[N]>;

interface Pending {
  name: ApiCallName;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

/** The minimal WebSocket surface the bridge uses, so tests can hand it a fake. */
export interface BridgeSocket {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (event: { data: unknown }) => void): void;
}

export type SocketFactory = (url: string) => BridgeSocket;

/** The agent's URL for this page: same host, `/api`, ws or wss as the page is http or https. */
export function agentApiUrl(location: Pick<Location, 'protocol' | 'host'>): string {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api`;
}

/**
 * SockscopeApi over the agent's WebSocket. The token travels as the cookie the agent set when it
 * served this page. Calls carry an id and are answered by a reply with the same id; events are
 * validated with the contract's schemas, batches after their typed arrays are rebuilt.
 */
export class AgentBridge implements SockscopeApi {
  readonly transport = 'agent' as const;
  private socket: BridgeSocket | null = null;
  private opened: Promise<BridgeSocket> | null = null;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly listeners = new Map<ApiEventName, Set<(payload: never) => void>>();

  constructor(
    private readonly url: string,
    private readonly createSocket: SocketFactory = (address) => new WebSocket(address),
    private readonly onProtocolError: (message: string) => void = (message) => console.warn(`sockscope agent: ${message}`),
    private readonly files: BrowserFiles = browserFiles,
  ) {}

  readonly app = {
    version: () => this.call('app.version'),
    // The agent sends no menu events (a browser has no application menu); the subscription is kept for symmetry.
    onMenu: (listener: (command: MenuCommand) => void): Unsubscribe => this.on('app.menu', ({ command }) => listener(command)),
  };

  readonly engine = {
    status: (): Promise<EngineStatus> => this.call('engine.status'),
    restart: (): Promise<EngineStatus> => this.call('engine.restart'),
    onStatus: (listener: (status: EngineStatus) => void): Unsubscribe => this.on('engine.status', listener),
  };

  readonly profiles = {
    list: (): Promise<ProfileEntry[]> => this.call('profiles.list'),
    open: (ref: ProfileRef | null): Promise<OpenedProfile | null> => this.call('profiles.open', ref),
    save: (profile: unknown, ref: ProfileRef | null): Promise<ProfileRef | null> => this.call('profiles.save', profile, ref),
  };

  readonly runs = {
    start: (profile: unknown): Promise<StartedRun> => this.call('runs.start', profile),
    stop: async (runId: string): Promise<RunResult> => (await this.call('runs.stop', runId)) as RunResult,
    onBatch: (listener: (runId: string, batch: LiveBatch, progress: RunProgress) => void): Unsubscribe =>
      this.on('runs.batch', (event) => listener(event.runId, event.batch, event.progress)),
    onFinished: (listener: (runId: string, result: RunResult) => void): Unsubscribe =>
      this.on('runs.finished', (event) => listener(event.runId, event.result as RunResult)),
    onFailed: (listener: (runId: string, failure: { code: string; message: string }) => void): Unsubscribe =>
      this.on('runs.failed', (event) => listener(event.runId, event.failure)),
  };

  readonly connections = {
    send: async (runId: string, target: CommandTarget, payload: SendPayload): Promise<void> => {
      await this.call('connections.send', runId, target, payload);
    },
    shutdown: async (runId: string, target: CommandTarget, how: 'read' | 'write' | 'both'): Promise<void> => {
      await this.call('connections.shutdown', runId, target, how);
    },
    close: async (runId: string, target: CommandTarget, options: { abortive: boolean }): Promise<void> => {
      await this.call('connections.close', runId, target, options);
    },
    setOption: async (runId: string, target: CommandTarget, options: SocketOptions): Promise<void> => {
      await this.call('connections.setOption', runId, target, options);
    },
  };

  readonly endpoints = {
    restartListener: async (runId: string, endpoint: string, options: SocketOptions): Promise<void> => {
      await this.call('endpoints.restartListener', runId, endpoint, options);
    },
  };

  readonly results = {
    /** The browser picks the file and sends it gzipped; the agent validates it and keeps it for reports. */
    open: async (): Promise<OpenedResult | null> => {
      const file = await this.files.pick('.json,application/json');
      if (file === null) return null;
      const gzipBase64 = toBase64(await this.files.gzip(file));
      if (gzipBase64.length > maxResultUploadChars) {
        throw new ApiCallError({
          code: 'EFBIG',
          message: `the result ${file.name} is too large to send to the agent (${(file.size / (1024 * 1024)).toFixed(1)} MiB, ${(gzipBase64.length / (1024 * 1024)).toFixed(1)} MiB gzipped in base64; at most ${maxResultUploadChars / (1024 * 1024)} MiB): make a report of it with "sockscope report" on the command line`,
        });
      }
      const name = file.name.slice(0, 255) || 'result.json';
      const uploadId = randomUploadId();
      const parts = Math.ceil(gzipBase64.length / resultUploadPartChars);
      let opened: Returns<'results.load'> = null;
      for (let part = 0; part < parts; part++) {
        const piece = gzipBase64.slice(part * resultUploadPartChars, (part + 1) * resultUploadPartChars);
        opened = await this.call('results.load', { name, uploadId, part, parts, gzipBase64: piece });
      }
      if (opened === null) throw new ApiCallError({ code: 'EPROTO', message: `the agent took all ${parts} part(s) of ${name} without answering with the result` });
      const result = resultSchema.safeParse(opened.result);
      if (!result.success) {
        const problem = describeIssues(result.error)[0];
        throw new ApiCallError({ code: 'EPROTO', message: `the agent's answer to results.load is malformed${problem ? ` at result.${problem.path}` : ''}` });
      }
      return { ...opened, result: result.data };
    },
  };

  readonly reports = {
    /** The agent sends the report's file (CSV files as one zip); the browser downloads it. */
    export: async (resultId: string, format: ReportFormat): Promise<ExportedReport | null> => {
      const delivery = await this.call('reports.export', resultId, format);
      if (delivery === null) return null;
      if (delivery.kind !== 'download') throw new ApiCallError({ code: 'EPROTO', message: 'the agent saved a report instead of sending it' });
      for (const file of delivery.files) this.files.download(file.name, file.mediaType, fromBase64(file.base64));
      return { files: delivery.files.map((file) => file.name) };
    },
  };

  /** Closes the socket; pending calls fail, listeners stay for a later connection. */
  dispose(): void {
    this.socket?.close();
  }

  private on<N extends ApiEventName>(name: N, listener: (payload: EventPayload<N>) => void): Unsubscribe {
    let set = this.listeners.get(name);
    if (!set) {
      set = new Set();
      this.listeners.set(name, set);
    }
    set.add(listener as (payload: never) => void);
    // Events flow only on an open socket: subscribing opens it.
    void this.connect().catch(() => undefined);
    return () => set.delete(listener as (payload: never) => void);
  }

  private async call<N extends ApiCallName>(name: N, ...args: unknown[]): Promise<Returns<N>> {
    const socket = await this.connect();
    const id = this.nextId++;
    return new Promise<Returns<N>>((resolve, reject) => {
      this.pending.set(id, { name, resolve: resolve as (value: unknown) => void, reject });
      socket.send(JSON.stringify({ type: 'call', id, name, args }));
    });
  }

  private connect(): Promise<BridgeSocket> {
    if (this.opened) return this.opened;
    this.opened = new Promise<BridgeSocket>((resolve, reject) => {
      const socket = this.createSocket(this.url);
      let isOpen = false;
      socket.addEventListener('open', () => {
        isOpen = true;
        this.socket = socket;
        resolve(socket);
      });
      socket.addEventListener('message', (event) => this.receive(event.data));
      socket.addEventListener('close', () => {
        this.socket = null;
        this.opened = null;
        const failure = new ApiCallError({
          code: 'EDISCONNECTED',
          message: isOpen ? 'the connection to the agent closed' : 'could not connect to the agent (is the token cookie set?)',
        });
        for (const pending of this.pending.values()) pending.reject(failure);
        this.pending.clear();
        if (!isOpen) reject(failure);
      });
    });
    return this.opened;
  }

  private receive(data: unknown): void {
    let json: unknown;
    try {
      json = JSON.parse(String(data));
    } catch {
      this.onProtocolError('a message that is not JSON');
      return;
    }
    const parsed = agentServerMessageSchema.safeParse(json);
    if (!parsed.success) {
      this.onProtocolError(`a malformed message: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    const message = parsed.data;
    if (message.type === 'reply') {
      const pending = this.pending.get(message.id);
      if (!pending) return;
      this.pending.delete(message.id);
      if (!message.ok) {
        pending.reject(new ApiCallError(message.error));
        return;
      }
      const value = apiCalls[pending.name].returns.safeParse(message.value);
      if (value.success) pending.resolve(value.data);
      else pending.reject(new ApiCallError({ code: 'EPROTO', message: `the agent's answer to ${pending.name} is malformed` }));
      return;
    }
    this.dispatch(message.name, message.payload);
  }

  private dispatch(name: string, payload: unknown): void {
    if (!(name in apiEvents)) return;
    const eventName = name as ApiEventName;
    const listeners = this.listeners.get(eventName);
    if (!listeners || listeners.size === 0) return;
    let input = payload;
    if (eventName === 'runs.batch') {
      try {
        const wire = payload as { batch: WireBatch };
        input = { ...wire, batch: decodeBatch(wire.batch) };
      } catch (error) {
        this.onProtocolError(`a batch that cannot be decoded: ${String(error)}`);
        return;
      }
    }
    const parsed = apiEvents[eventName].safeParse(input);
    if (!parsed.success) {
      this.onProtocolError(`a malformed ${eventName} event: ${parsed.error.issues[0]?.message ?? ''}`);
      return;
    }
    for (const listener of listeners) (listener as (value: unknown) => void)(parsed.data);
  }
}

/** 128 random bits in hex: names one upload among a browser's. (getRandomValues works outside secure contexts too.) */
function randomUploadId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}
