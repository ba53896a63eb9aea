import { computed, ref } from 'vue';
import { defineStore } from 'pinia';
import type { z } from 'zod';
import type { ProfileEntry, ProfileRef } from '../../../src-shared/api.js';
import { actionSchema, profileSchema, profileSchemaId, type EndpointInput, type EndpointRole, type ProfileInput, type WorkloadKind } from '../../../src-shared/profile.js';
import { getApi } from '../api/index.js';
import { describeFailure } from '../api/errors.js';
import { addIssue, issuesAt, issuesByPath, type FieldIssues } from '../lib/field-issues.js';

export type ActionInput = z.input<typeof actionSchema>;
export type ActionKind = ActionInput['do'];
/** The profile being edited: the schema's input shape, so defaults may be left out. */
export type ProfileDraft = Omit<ProfileInput, 'endpoints' | 'actions'> & { endpoints: EndpointInput[]; actions: ActionInput[] };

const recentKey = 'sockscope.recentProfiles';
const maxRecent = 8;

export function emptyProfile(): ProfileDraft {
  return {
    schema: profileSchemaId,
    name: 'New scenario',
    description: '',
    durationMs: 10_000,
    sampleEveryMs: 100,
    endpoints: [],
    actions: [],
  };
}

/** The parameters a new workload of a kind starts with (chat's differ by role). */
export function defaultWorkload(kind: WorkloadKind, role: EndpointInput['role'] = 'client'): EndpointInput['workload'] {
  switch (kind) {
    case 'echo':
      return { kind };
    case 'sink':
      return { kind };
    case 'bulk':
      return { kind, writeBytes: 65536, thenShutdownWrite: false };
    case 'ping-pong':
      return { kind, messageBytes: 64, writesPerMessage: 1 };
    case 'manual':
      return { kind };
    case 'framed-echo':
      return { kind };
    case 'request-response':
      return { kind, maxInFlight: 1, requestsPerSecond: 100 };
    case 'malformed':
      return { kind, violation: 'size-above-maximum', goodFramesBefore: 1 };
    case 'proxy':
      return { kind, toServer: {}, toClient: {}, seed: 1 };
    case 'chat':
      return role === 'server' ? { kind, rooms: 1, overflow: 'drop-messages' } : { kind, messagesPerSecond: 10 };
  }
}

export function defaultAction(kind: ActionKind, endpoint: string, atMs: number): ActionInput {
  switch (kind) {
    case 'shutdown':
      return { do: kind, atMs, endpoint, how: 'write' };
    case 'close':
      return { do: kind, atMs, endpoint, abortive: false };
    case 'set-option':
      return { do: kind, atMs, endpoint, options: { noDelay: true } };
    case 'send':
      return { do: kind, atMs, endpoint, text: 'hello', encoding: 'utf8' };
    case 'restart-listener':
      return { do: kind, atMs, endpoint, options: { reuseAddr: true } };
  }
}

/** Whatever a file held, shaped enough to be edited: arrays where arrays belong, objects in endpoints. */
export function normalizeDraft(input: unknown): ProfileDraft {
  if (!input || typeof input !== 'object') return emptyProfile();
  const draft = structuredClone(input) as Partial<ProfileDraft>;
  const endpoints = Array.isArray(draft.endpoints) ? draft.endpoints : [];
  for (const endpoint of endpoints) {
    endpoint.options ??= {};
    if (!endpoint.workload || typeof endpoint.workload !== 'object') endpoint.workload = { kind: 'manual' };
  }
  return { ...emptyProfile(), ...draft, endpoints, actions: Array.isArray(draft.actions) ? draft.actions : [] } as ProfileDraft;
}

function loadRecent(): ProfileRef[] {
  try {
    const parsed = JSON.parse(globalThis.localStorage?.getItem(recentKey) ?? '[]') as unknown;
    return Array.isArray(parsed) ? (parsed as ProfileRef[]).slice(0, maxRecent) : [];
  } catch {
    return [];
  }
}

function sameRef(a: ProfileRef, b: ProfileRef): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

export function refLabel(ref: ProfileRef): string {
  return ref.kind === 'file' ? ref.path : ref.name;
}

/** The scenario being edited: its draft, its validation by field path, and where it is stored. */
export const useProfileStore = defineStore('profile', () => {
  const draft = ref<ProfileDraft>(emptyProfile());
  const source = ref<ProfileRef | null>(null);
  const savedJson = ref(JSON.stringify(draft.value));
  const library = ref<ProfileEntry[]>([]);
  const recent = ref<ProfileRef[]>(loadRecent());
  /** Problems the other side found (a start or save that failed), by field path, until the next edit. */
  const remoteIssues = ref<FieldIssues>({});
  const remoteIssuesFor = ref('');
  const fileError = ref<string | null>(null);
  const busy = ref(false);

  const parsed = computed(() => profileSchema.safeParse(draft.value));
  const valid = computed(() => parsed.value.success);
  const dirty = computed(() => JSON.stringify(draft.value) !== savedJson.value);
  const issues = computed<FieldIssues>(() => {
    const out = parsed.value.success ? {} : issuesByPath(parsed.value.error.issues);
    if (remoteIssuesFor.value === JSON.stringify(draft.value)) {
      for (const [path, messages] of Object.entries(remoteIssues.value)) for (const message of messages) addIssue(out, path, message);
    }
    return out;
  });
  const issueCount = computed(() => Object.values(issues.value).reduce((sum, list) => sum + list.length, 0));
  const endpointIds = computed(() => draft.value.endpoints.map((endpoint) => endpoint.id));
  const serverIds = computed(() => draft.value.endpoints.filter((endpoint) => endpoint.role === 'server').map((endpoint) => endpoint.id));
  const proxyIds = computed(() => draft.value.endpoints.filter((endpoint) => endpoint.role === 'proxy').map((endpoint) => endpoint.id));

  function messagesAt(path: string, nested = false): string[] {
    return issuesAt(issues.value, path, nested);
  }

  function setRemoteIssues(problems: readonly { path: string; message: string }[]): void {
    const out: FieldIssues = {};
    for (const problem of problems) addIssue(out, problem.path, problem.message);
    remoteIssues.value = out;
    remoteIssuesFor.value = JSON.stringify(draft.value);
  }

  function freshId(base: string): string {
    let n = 1;
    while (endpointIds.value.includes(`${base}${n === 1 ? '' : n}`)) n += 1;
    return `${base}${n === 1 ? '' : n}`;
  }

  function addEndpoint(role: EndpointRole): void {
    if (role === 'proxy') {
      const server = serverIds.value[0];
      draft.value.endpoints.push({
        id: freshId('proxy'),
        role,
        transport: 'tcp',
        model: 'epoll',
        listen: { host: '127.0.0.1', port: 0 },
        connect: server ? { endpoint: server } : { host: '127.0.0.1', port: 7000 },
        options: {},
        workload: defaultWorkload('proxy'),
      });
    } else if (role === 'server') {
      draft.value.endpoints.push({
        id: freshId('server'),
        role,
        transport: 'tcp',
        model: 'epoll',
        listen: { host: '127.0.0.1', port: 0 },
        options: {},
        workload: defaultWorkload('echo'),
      });
    } else {
      const server = serverIds.value[0];
      draft.value.endpoints.push({
        id: freshId('client'),
        role,
        transport: 'tcp',
        model: 'epoll',
        connect: server ? { endpoint: server } : { host: '127.0.0.1', port: 7000 },
        connections: 1,
        options: {},
        workload: defaultWorkload('ping-pong'),
      });
    }
  }

  function removeEndpoint(index: number): void {
    draft.value.endpoints.splice(index, 1);
  }

  /** A role change moves listen/connect along, so the endpoint stays valid where it can. */
  function setRole(index: number, role: EndpointRole): void {
    const endpoint = draft.value.endpoints[index];
    if (!endpoint || endpoint.role === role) return;
    const wasProxy = endpoint.role === 'proxy';
    endpoint.role = role;
    const server = serverIds.value.find((id) => id !== endpoint.id);
    if (role !== 'client') {
      delete endpoint.connections;
      endpoint.listen ??= { host: '127.0.0.1', port: 0 };
    }
    if (role === 'server') delete endpoint.connect;
    if (role === 'client') delete endpoint.listen;
    if (role !== 'server') endpoint.connect ??= server ? { endpoint: server } : { host: '127.0.0.1', port: 7000 };
    // A proxy runs only the proxy workload, on TCP and a reactor model.
    if (role === 'proxy') {
      endpoint.workload = defaultWorkload('proxy');
      endpoint.transport = 'tcp';
      if (endpoint.model !== 'select') endpoint.model = 'epoll';
    } else if (wasProxy) {
      endpoint.workload = defaultWorkload(role === 'server' ? 'echo' : 'ping-pong');
    }
  }

  function setWorkloadKind(index: number, kind: WorkloadKind): void {
    const endpoint = draft.value.endpoints[index];
    if (endpoint && endpoint.workload.kind !== kind) endpoint.workload = defaultWorkload(kind, endpoint.role);
  }

  function addAction(): void {
    const last = draft.value.actions[draft.value.actions.length - 1];
    draft.value.actions.push(defaultAction('shutdown', endpointIds.value[0] ?? '', (last?.atMs ?? 0) + 1000));
  }

  function setActionKind(index: number, kind: ActionKind): void {
    const action = draft.value.actions[index];
    if (!action || action.do === kind) return;
    const replacement = defaultAction(kind, action.endpoint, action.atMs);
    if (action.connection !== undefined) replacement.connection = action.connection;
    draft.value.actions[index] = replacement;
  }

  function removeAction(index: number): void {
    draft.value.actions.splice(index, 1);
  }

  function replace(profile: unknown, ref: ProfileRef | null): void {
    draft.value = normalizeDraft(profile);
    source.value = ref;
    savedJson.value = JSON.stringify(draft.value);
    remoteIssues.value = {};
    if (ref) remember(ref);
  }

  function newProfile(): void {
    replace(emptyProfile(), null);
  }

  function remember(ref: ProfileRef): void {
    recent.value = [ref, ...recent.value.filter((item) => !sameRef(item, ref))].slice(0, maxRecent);
    try {
      globalThis.localStorage?.setItem(recentKey, JSON.stringify(recent.value));
    } catch {
      // Without storage the recent list lasts for the session.
    }
  }

  async function loadLibrary(): Promise<void> {
    try {
      library.value = await getApi().profiles.list();
    } catch (error) {
      fileError.value = `Could not list the profiles: ${describeFailure(error).message}`;
    }
  }

  /** Opens a profile; null asks the user (a dialog on the desktop). */
  async function open(ref: ProfileRef | null): Promise<boolean> {
    busy.value = true;
    fileError.value = null;
    try {
      const opened = await getApi().profiles.open(ref);
      if (!opened) return false;
      replace(opened.profile, opened.ref);
      return true;
    } catch (error) {
      fileError.value = `Could not open the profile: ${describeFailure(error).message}`;
      return false;
    } finally {
      busy.value = false;
    }
  }

  /**
   * Saves to where the profile came from; `as` (or a built-in source) saves elsewhere: to `target`
   * when given (the agent's stored profiles), otherwise wherever the user picks in a dialog.
   */
  async function save(as = false, target: ProfileRef | null = null): Promise<boolean> {
    busy.value = true;
    fileError.value = null;
    try {
      const where = as || !source.value || source.value.kind === 'builtin' ? target : source.value;
      const saved = await getApi().profiles.save(JSON.parse(JSON.stringify(draft.value)) as unknown, where);
      if (!saved) return false;
      source.value = saved;
      savedJson.value = JSON.stringify(draft.value);
      remember(saved);
      return true;
    } catch (error) {
      const failure = describeFailure(error);
      if (failure.problems) setRemoteIssues(failure.problems);
      fileError.value = `Could not save the profile: ${failure.message}`;
      return false;
    } finally {
      busy.value = false;
    }
  }

  return {
    draft,
    source,
    library,
    recent,
    remoteIssues,
    remoteIssuesFor,
    fileError,
    busy,
    parsed,
    valid,
    dirty,
    issues,
    issueCount,
    endpointIds,
    serverIds,
    proxyIds,
    messagesAt,
    setRemoteIssues,
    addEndpoint,
    removeEndpoint,
    setRole,
    setWorkloadKind,
    addAction,
    setActionKind,
    removeAction,
    replace,
    newProfile,
    loadLibrary,
    open,
    save,
  };
});
