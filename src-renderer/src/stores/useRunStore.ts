import { computed, ref, shallowRef } from 'vue';
import { defineStore } from 'pinia';
import type { ApiError, EngineStatus, SendPayload, Unsubscribe } from '../../../src-shared/api.js';
import type { CommandTarget, LiveBatch, RunProgress } from '../../../src-shared/engine-protocol.js';
import type { Profile } from '../../../src-shared/profile.js';
import type { RunResult } from '../../../src-shared/result.js';
import type { SocketOptions } from '../../../src-shared/socket-options.js';
import { getApi } from '../api/index.js';
import { describeFailure } from '../api/errors.js';
import { useCaptureStore } from './useCaptureStore.js';
import { useProfileStore } from './useProfileStore.js';
import { useSamplesStore } from './useSamplesStore.js';

export type RunStatus = 'idle' | 'starting' | 'running' | 'stopping' | 'finished' | 'failed';

export interface EndpointError {
  code: string;
  message: string;
  count: number;
}

/** What the last listener restarts said, newest last. */
export interface ListenerNote {
  endpoint: string;
  listening: boolean;
  message: string;
}
const maxListenerNotes = 6;

/** Batches that arrive before the start call has answered with their run id; a few suffice. */
const maxEarlyBatches = 64;

/**
 * One run at a time: start and stop, the clock, the engine's status, and every failure kept
 * where the user acted: a start that failed on a field marks the field, an endpoint's errors
 * (an address in use) stay with the endpoint, a live command's failure with the connection.
 */
export const useRunStore = defineStore('run', () => {
  const samples = useSamplesStore();
  const capture = useCaptureStore();
  const profile = useProfileStore();

  const status = ref<RunStatus>('idle');
  const runId = ref<string | null>(null);
  const runEndpointIds = ref<string[]>([]);
  /** The profile the current or last run started with (the draft may have changed since). */
  const runProfile = shallowRef<Profile | null>(null);
  const listen = ref<(string | null)[]>([]);
  const progress = shallowRef<RunProgress | null>(null);
  const result = shallowRef<RunResult | null>(null);
  const failure = ref<ApiError | null>(null);
  const endpointErrors = ref<Record<string, EndpointError[]>>({});
  const commandErrors = ref<Record<number, string>>({});
  const commandBusy = ref(false);
  /** The run's TCP servers, whose listeners can be restarted live. */
  const listenerEndpoints = ref<string[]>([]);
  const listenerNotes = ref<ListenerNote[]>([]);
  const listenerError = ref<string | null>(null);
  const engineStatus = ref<EngineStatus | null>(null);
  const startedAtMs = ref<number | null>(null);
  const nowMs = ref(Date.now());
  const durationMs = ref(0);

  const active = computed(() => status.value === 'starting' || status.value === 'running' || status.value === 'stopping');
  /**
   * Elapsed time: the engine's when a batch has told it, the wall clock in between. The clock
   * starts when the engine says the run started (a host that is slow to start is not run time)
   * and stops at the duration (a stop that takes a moment is not either).
   */
  const elapsedMs = computed(() => {
    const reported = progress.value?.elapsedMs ?? 0;
    if (startedAtMs.value === null || !active.value) return reported;
    return Math.max(reported, Math.min(durationMs.value, nowMs.value - startedAtMs.value));
  });

  let unsubscribes: Unsubscribe[] = [];
  let ticker: ReturnType<typeof setInterval> | null = null;
  let earlyBatches: { runId: string; batch: LiveBatch; progress: RunProgress }[] = [];

  function setUp(): void {
    if (unsubscribes.length > 0) return;
    const api = getApi();
    unsubscribes = [
      api.runs.onBatch((id, batch, batchProgress) => {
        if (id === runId.value) acceptBatch(batch, batchProgress);
        else if (status.value === 'starting' && earlyBatches.length < maxEarlyBatches) earlyBatches.push({ runId: id, batch, progress: batchProgress });
      }),
      api.runs.onFinished((id, finished) => {
        if (id !== runId.value) return;
        result.value = finished;
        finish('finished');
      }),
      api.runs.onFailed((id, failed) => {
        if (id !== runId.value) return;
        failure.value = failed;
        finish('failed');
      }),
      api.engine.onStatus((next) => {
        engineStatus.value = next;
      }),
    ];
    void api.engine
      .status()
      .then((next) => {
        engineStatus.value = next;
      })
      .catch((error: unknown) => {
        engineStatus.value = { state: 'down', message: describeFailure(error).message };
      });
  }

  function tearDown(): void {
    for (const unsubscribe of unsubscribes) unsubscribe();
    unsubscribes = [];
    stopTicker();
  }

  function stopTicker(): void {
    if (ticker !== null) clearInterval(ticker);
    ticker = null;
  }

  function finish(next: RunStatus): void {
    status.value = next;
    nowMs.value = Date.now();
    stopTicker();
  }

  function acceptBatch(batch: LiveBatch, batchProgress: RunProgress): void {
    progress.value = batchProgress;
    samples.ingest(batch);
    capture.ingest(batch.capture);
    const errors: Record<string, EndpointError[]> = {};
    batch.endpoints.forEach((live, index) => {
      const id = runEndpointIds.value[index];
      if (id !== undefined && live.errors.length > 0) errors[id] = live.errors;
    });
    if (Object.keys(errors).length > 0 || Object.keys(endpointErrors.value).length > 0) endpointErrors.value = errors;
    const restarts = batch.events.filter((event) => event.type === 'listen');
    if (restarts.length > 0) {
      const notes = restarts.map((event) => ({ endpoint: runEndpointIds.value[event.endpoint] ?? String(event.endpoint), listening: event.code === undefined, message: event.message ?? '' }));
      listenerNotes.value = [...listenerNotes.value, ...notes].slice(-maxListenerNotes);
    }
  }

  async function start(): Promise<boolean> {
    if (active.value) return false;
    setUp();
    failure.value = null;
    commandErrors.value = {};
    if (!profile.parsed.success) {
      failure.value = { code: 'EINVAL', message: `The scenario has ${profile.issueCount} problem(s); they are marked beside their fields.` };
      status.value = 'failed';
      return false;
    }
    const valid = profile.parsed.data;
    runEndpointIds.value = valid.endpoints.map((endpoint) => endpoint.id);
    runProfile.value = valid;
    listenerEndpoints.value = valid.endpoints.filter((endpoint) => endpoint.role === 'server' && endpoint.transport === 'tcp').map((endpoint) => endpoint.id);
    listenerNotes.value = [];
    listenerError.value = null;
    endpointErrors.value = {};
    result.value = null;
    progress.value = null;
    listen.value = [];
    durationMs.value = valid.durationMs;
    samples.reset(valid.sampleEveryMs);
    capture.reset(valid.capture.previewBytes);
    earlyBatches = [];
    status.value = 'starting';
    startedAtMs.value = null;
    nowMs.value = Date.now();
    stopTicker();
    ticker = setInterval(() => {
      nowMs.value = Date.now();
    }, 250);
    try {
      const started = await getApi().runs.start(valid);
      runId.value = started.runId;
      listen.value = started.listen;
      startedAtMs.value = Date.now();
      if (status.value === 'starting') status.value = 'running';
      const queued = earlyBatches.filter((item) => item.runId === started.runId);
      earlyBatches = [];
      for (const item of queued) acceptBatch(item.batch, item.progress);
      return true;
    } catch (error) {
      const failed = describeFailure(error);
      failure.value = failed;
      if (failed.problems) profile.setRemoteIssues(failed.problems);
      finish('failed');
      return false;
    }
  }

  async function stop(): Promise<void> {
    if (!runId.value || (status.value !== 'running' && status.value !== 'starting')) return;
    status.value = 'stopping';
    try {
      result.value = await getApi().runs.stop(runId.value);
      finish('finished');
    } catch (error) {
      failure.value = describeFailure(error);
      finish('failed');
    }
  }

  async function command(connectionId: number, act: (id: string, target: CommandTarget) => Promise<void>): Promise<boolean> {
    if (!runId.value) return false;
    commandBusy.value = true;
    const errors = { ...commandErrors.value };
    delete errors[connectionId];
    commandErrors.value = errors;
    try {
      await act(runId.value, { connectionId });
      return true;
    } catch (error) {
      commandErrors.value = { ...commandErrors.value, [connectionId]: describeFailure(error).message };
      return false;
    } finally {
      commandBusy.value = false;
    }
  }

  const send = (connectionId: number, payload: SendPayload) => command(connectionId, (id, target) => getApi().connections.send(id, target, payload));
  const shutdown = (connectionId: number, how: 'read' | 'write' | 'both') =>
    command(connectionId, (id, target) => getApi().connections.shutdown(id, target, how));
  const close = (connectionId: number, abortive: boolean) => command(connectionId, (id, target) => getApi().connections.close(id, target, { abortive }));
  const setOption = (connectionId: number, options: SocketOptions) =>
    command(connectionId, (id, target) => getApi().connections.setOption(id, target, options));

  /** Restarts a TCP server's listener; its outcome arrives with a batch, in listenerNotes. */
  async function restartListener(endpoint: string, reuseAddr: boolean): Promise<boolean> {
    if (!runId.value) return false;
    commandBusy.value = true;
    listenerError.value = null;
    try {
      await getApi().endpoints.restartListener(runId.value, endpoint, { reuseAddr });
      return true;
    } catch (error) {
      listenerError.value = describeFailure(error).message;
      return false;
    } finally {
      commandBusy.value = false;
    }
  }

  return {
    status,
    runId,
    runEndpointIds,
    runProfile,
    listen,
    progress,
    result,
    failure,
    endpointErrors,
    commandErrors,
    commandBusy,
    listenerEndpoints,
    listenerNotes,
    listenerError,
    engineStatus,
    startedAtMs,
    nowMs,
    durationMs,
    active,
    elapsedMs,
    setUp,
    tearDown,
    start,
    stop,
    send,
    shutdown,
    close,
    setOption,
    restartListener,
  };
});
