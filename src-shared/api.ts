import { z } from 'zod';
import { commandTargetSchema, hostFailureSchema, liveBatchSchema, runProgressSchema, type CommandTarget, type HostFailure, type LiveBatch, type RunProgress } from './engine-protocol.js';
import { socketOptionsSchema, type SocketOptions } from './socket-options.js';
import type { RunResult } from './result.js';
import { openedResultSchema, reportDeliverySchema, reportFormatSchema, resultIdSchema, resultUploadSchema, type ExportedReport, type OpenedResult, type ReportFormat } from './report-export.js';

/**
 * The one API the renderer talks to, `window.sockscope`. The desktop preload implements it over
 * IPC; the agent's browser bridge implements it over a WebSocket. Both transports carry the
 * calls in `apiCalls` and the events in `apiEvents`, and the receiving side parses every call's
 * arguments with these schemas before acting.
 */

export const runIdSchema = z.string().min(1).max(64);

/** Where a profile lives: shipped with Sockscope, a file on the desktop, or the agent's profiles folder. */
export const profileRefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('builtin'), name: z.string().regex(/^[a-z0-9-]{1,64}$/) }),
  z.strictObject({ kind: z.literal('file'), path: z.string().min(1).max(4096) }),
  z.strictObject({ kind: z.literal('stored'), name: z.string().regex(/^[A-Za-z0-9 _.-]{1,64}$/, 'a stored profile name is letters, digits, space, "_", "-" and "."') }),
]);
export type ProfileRef = z.infer<typeof profileRefSchema>;

export const profileEntrySchema = z.strictObject({ ref: profileRefSchema, name: z.string(), description: z.string() });
export type ProfileEntry = z.infer<typeof profileEntrySchema>;

/** A profile as opened: `profile` is validated by whoever runs it, so a broken file can still be shown and fixed. */
export const openedProfileSchema = z.strictObject({ ref: profileRefSchema, profile: z.unknown() });
export type OpenedProfile = z.infer<typeof openedProfileSchema>;

export const sendPayloadSchema = z
  .strictObject({
    text: z.string().max(1 << 20).optional(),
    hex: z.string().max(2 << 20).regex(/^(?:[0-9a-fA-F]{2}\s*)*$/, 'hex is pairs of hex digits').optional(),
    encoding: z.enum(['utf8', 'utf16le', 'cp949']).default('utf8'),
  })
  .refine((payload) => (payload.text === undefined) !== (payload.hex === undefined), 'send exactly one of "text" or "hex"');
export type SendPayload = z.input<typeof sendPayloadSchema>;

export const engineStatusSchema = z.strictObject({
  state: z.enum(['running', 'restarting', 'down']),
  message: z.string(),
});
export type EngineStatus = z.infer<typeof engineStatusSchema>;

export const startedRunSchema = z.strictObject({ runId: runIdSchema, listen: z.array(z.string().nullable()) });
export type StartedRun = z.infer<typeof startedRunSchema>;

/** Every call: its name, the schema of its arguments (a tuple), and the schema of its answer. */
export const apiCalls = {
  'app.version': { args: z.tuple([]), returns: z.string() },
  'engine.status': { args: z.tuple([]), returns: engineStatusSchema },
  'engine.restart': { args: z.tuple([]), returns: engineStatusSchema },
  'profiles.list': { args: z.tuple([]), returns: z.array(profileEntrySchema) },
  /** null asks the user (a native dialog on the desktop); resolves null when the user cancels. */
  'profiles.open': { args: z.tuple([profileRefSchema.nullable()]), returns: openedProfileSchema.nullable() },
  /** null = save as: asks the user where; resolves the ref saved to, or null when cancelled. */
  'profiles.save': { args: z.tuple([z.unknown(), profileRefSchema.nullable()]), returns: profileRefSchema.nullable() },
  'runs.start': { args: z.tuple([z.unknown()]), returns: startedRunSchema },
  'runs.stop': { args: z.tuple([runIdSchema]), returns: z.unknown().describe('the run result') },
  'connections.send': { args: z.tuple([runIdSchema, commandTargetSchema, sendPayloadSchema]), returns: z.null() },
  'connections.shutdown': { args: z.tuple([runIdSchema, commandTargetSchema, z.enum(['read', 'write', 'both'])]), returns: z.null() },
  'connections.close': { args: z.tuple([runIdSchema, commandTargetSchema, z.strictObject({ abortive: z.boolean() })]), returns: z.null() },
  'connections.setOption': { args: z.tuple([runIdSchema, commandTargetSchema, socketOptionsSchema]), returns: z.null() },
  /** TCP servers: close the listener and listen again at the same address, with these options over the endpoint's; the outcome arrives as a 'listen' event. */
  'endpoints.restartListener': { args: z.tuple([runIdSchema, z.string().min(1), socketOptionsSchema]), returns: z.null() },
  /** Asks the user for a result file with a native dialog and keeps it; null when cancelled. The agent has no dialog (ENOSYS). */
  'results.open': { args: z.tuple([]), returns: openedResultSchema.nullable() },
  /** One part of a result file a browser read and gzipped: null until the last part, then the result, validated and kept. */
  'results.load': { args: z.tuple([resultUploadSchema]), returns: openedResultSchema.nullable() },
  /** Makes a report of a kept result; null when the user cancelled the save dialog. */
  'reports.export': { args: z.tuple([resultIdSchema, reportFormatSchema]), returns: reportDeliverySchema.nullable() },
} as const;
export type ApiCallName = keyof typeof apiCalls;

/** Calls only the agent's browser bridge makes, for what the desktop does with a native dialog; SockscopeApi has no method of that name. */
export const bridgeOnlyCalls: readonly ApiCallName[] = ['results.load'];

/** What the desktop's application menu asks the renderer to do. */
export const menuCommands = ['profile.new', 'profile.open', 'profile.save', 'profile.saveAs', 'result.export', 'report.export'] as const;
export type MenuCommand = (typeof menuCommands)[number];

/** Every event pushed to the renderer. */
export const apiEvents = {
  /** Desktop only: a menu item was chosen. A browser has no application menu. */
  'app.menu': z.strictObject({ command: z.enum(menuCommands) }),
  'runs.batch': z.strictObject({ runId: runIdSchema, batch: liveBatchSchema, progress: runProgressSchema }),
  'runs.finished': z.strictObject({ runId: runIdSchema, result: z.unknown() }),
  'runs.failed': z.strictObject({ runId: runIdSchema, failure: hostFailureSchema }),
  'engine.status': engineStatusSchema,
} as const;
export type ApiEventName = keyof typeof apiEvents;

/** A failed call, as the renderer sees it: the code, a sentence, and the fields at fault if any. */
export const apiErrorSchema = hostFailureSchema;
export type ApiError = HostFailure;

export type Unsubscribe = () => void;

export interface SockscopeApi {
  /** Which implementation this is: the renderer may adapt wording, never behaviour. */
  readonly transport: 'desktop' | 'agent';
  app: {
    version(): Promise<string>;
    onMenu(listener: (command: MenuCommand) => void): Unsubscribe;
  };
  engine: {
    status(): Promise<EngineStatus>;
    restart(): Promise<EngineStatus>;
    onStatus(listener: (status: EngineStatus) => void): Unsubscribe;
  };
  profiles: {
    list(): Promise<ProfileEntry[]>;
    open(ref: ProfileRef | null): Promise<OpenedProfile | null>;
    save(profile: unknown, ref: ProfileRef | null): Promise<ProfileRef | null>;
  };
  runs: {
    start(profile: unknown): Promise<StartedRun>;
    stop(runId: string): Promise<RunResult>;
    onBatch(listener: (runId: string, batch: LiveBatch, progress: RunProgress) => void): Unsubscribe;
    onFinished(listener: (runId: string, result: RunResult) => void): Unsubscribe;
    onFailed(listener: (runId: string, failure: ApiError) => void): Unsubscribe;
  };
  connections: {
    send(runId: string, target: CommandTarget, payload: SendPayload): Promise<void>;
    shutdown(runId: string, target: CommandTarget, how: 'read' | 'write' | 'both'): Promise<void>;
    close(runId: string, target: CommandTarget, options: { abortive: boolean }): Promise<void>;
    setOption(runId: string, target: CommandTarget, options: SocketOptions): Promise<void>;
  };
  endpoints: {
    /** A TCP server endpoint's listener closed and opened again at its address; EINVAL for any other endpoint. */
    restartListener(runId: string, endpoint: string, options: SocketOptions): Promise<void>;
  };
  results: {
    /** Asks the user for a result file (a native dialog, or the browser's file picker) and keeps it for reports; null when cancelled. */
    open(): Promise<OpenedResult | null>;
  };
  reports: {
    /**
     * A report of a kept result (a finished run's id, or an opened file's): saved where the user
     * chooses on the desktop, downloaded in a browser. Resolves what was written, null when cancelled.
     */
    export(resultId: string, format: ReportFormat): Promise<ExportedReport | null>;
  };
}
