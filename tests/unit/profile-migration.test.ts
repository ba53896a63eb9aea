// Older profile versions are migrated before validation; unknown versions and bad /1 fields are refused by path.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadProfileFile, parseProfileText } from '../../src-main/engine/profile-file.js';
import { runProfile } from '../../src-main/engine/run.js';
import { draftProfileSchemaId, knownProfileSchemaIds, migrateProfile } from '../../src-shared/profile-migration.js';
import { profileSchemaId } from '../../src-shared/profile.js';
import { ValidationError } from '../../src-shared/validation.js';
import { endpointOf } from '../helpers/profiles.js';

/** An echo server and a ping-pong client in the draft format: seconds and C-style option names. */
const draftProfile = {
  schema: draftProfileSchemaId,
  name: 'draft echo',
  duration: 0.4,
  sampleEveryMs: 50,
  endpoints: [
    { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, options: { nodelay: true }, workload: { kind: 'echo' } },
    {
      id: 'client',
      role: 'client',
      transport: 'tcp',
      model: 'epoll',
      connect: { endpoint: 'server' },
      options: { nodelay: true, sndbuf: 65536, rcvbuf: 65536 },
      workload: { kind: 'ping-pong', messageBytes: 32, messagesPerSecond: 100 },
    },
  ],
  actions: [{ atMs: 100, endpoint: 'client', do: 'set-option', options: { sndbuf: 131072 } }],
};

/** The problems of a ValidationError thrown by `action`, as "path: message" lines. */
function problemsOf(action: () => unknown): string[] {
  try {
    action();
  } catch (error) {
    if (!(error instanceof ValidationError)) throw error;
    return error.problems.map((problem) => `${problem.path}: ${problem.message}`);
  }
  throw new Error('expected a ValidationError');
}

describe('sockscope.profile/0', () => {
  let scratch: string;
  beforeAll(async () => {
    scratch = await mkdtemp(join(tmpdir(), 'sockscope-migration-'));
  });
  afterAll(async () => {
    if (scratch) await rm(scratch, { recursive: true, force: true });
  });

  it('is migrated to /1: seconds to durationMs, option names to the /1 ones', () => {
    const profile = parseProfileText(JSON.stringify(draftProfile));
    expect(profile.schema).toBe(profileSchemaId);
    expect(profile.durationMs).toBe(400);
    expect(profile.endpoints[0]?.options).toEqual({ noDelay: true });
    expect(profile.endpoints[1]?.options).toEqual({ noDelay: true, sndBufBytes: 65536, rcvBufBytes: 65536 });
    expect(profile.actions[0]).toMatchObject({ do: 'set-option', options: { sndBufBytes: 131072 } });
  });

  it('loads from a file through the migration and runs', async () => {
    const path = join(scratch, 'draft.json');
    await writeFile(path, JSON.stringify(draftProfile, null, 2));
    const profile = await loadProfileFile(path);
    const result = await runProfile(profile);
    expect(result.completed).toBe(true);
    const client = endpointOf(result, 'client');
    expect(client.requestedOptions).toMatchObject({ noDelay: true, sndBufBytes: 65536 });
    expect(client.appliedOptions?.noDelay).toBe(true);
    expect(client.counters.messages).toBeGreaterThan(5);
    expect(client.counters.errors).toBe(0);
  });

  it('leaves a /1 profile as it is', () => {
    const input = { schema: profileSchemaId, name: 'x' };
    expect(migrateProfile(input)).toEqual({ profile: input, migratedFrom: null });
  });

  it('refuses a draft profile that gives an option under both names, naming the field', () => {
    const endpoints = draftProfile.endpoints.map((endpoint, index) =>
      index === 1 ? { ...endpoint, options: { nodelay: true, noDelay: false } } : endpoint,
    );
    expect(problemsOf(() => parseProfileText(JSON.stringify({ ...draftProfile, endpoints })))).toEqual([
      'endpoints[1].options.nodelay: give "nodelay" (/0) or "noDelay" (/1), not both',
    ]);
  });

  it('refuses a duration that is not a number, naming the /0 field', () => {
    expect(problemsOf(() => parseProfileText(JSON.stringify({ ...draftProfile, duration: '2s' })))).toEqual([
      'duration: the run length in seconds, a number',
    ]);
  });

  it('reports /1 validation problems of a migrated profile with the migration in the message', () => {
    const text = JSON.stringify({ ...draftProfile, duration: 0 });
    expect(() => parseProfileText(text, 'draft.json')).toThrow(/draft\.json \(migrated from sockscope\.profile\/0\) is not valid:\n {2}durationMs:/);
  });
});

describe('schema versions', () => {
  it('refuses an unknown version, naming schema and listing the known ones', () => {
    const problems = problemsOf(() => parseProfileText(JSON.stringify({ ...draftProfile, schema: 'sockscope.profile/7' })));
    expect(problems).toEqual(['schema: unknown version "sockscope.profile/7"; the versions known are sockscope.profile/0, sockscope.profile/1']);
    expect(knownProfileSchemaIds).toEqual([draftProfileSchemaId, profileSchemaId]);
  });

  it('refuses a missing schema through validation, naming schema', () => {
    const withoutSchema: Partial<typeof draftProfile> = { ...draftProfile };
    delete withoutSchema.schema;
    expect(problemsOf(() => parseProfileText(JSON.stringify(withoutSchema))).some((line) => line.startsWith('schema:'))).toBe(true);
  });
});

describe('sockscope.profile/1 validation', () => {
  const v1 = {
    schema: profileSchemaId,
    name: 'v1',
    durationMs: 500,
    endpoints: [
      { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
      { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, options: { noDelay: true }, workload: { kind: 'ping-pong' } },
    ],
  };

  it('accepts the valid profile', () => {
    expect(parseProfileText(JSON.stringify(v1)).endpoints).toHaveLength(2);
  });

  it('refuses an unknown field, naming where it is', () => {
    const endpoints = [v1.endpoints[0], { ...v1.endpoints[1], options: { nodelay: true } }];
    const problems = problemsOf(() => parseProfileText(JSON.stringify({ ...v1, endpoints })));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^endpoints\[1\]\.options: .*"nodelay"/);
  });

  it('refuses a /0 field in a /1 profile at the top level', () => {
    const problems = problemsOf(() => parseProfileText(JSON.stringify({ ...v1, duration: 2 })));
    expect(problems).toEqual([expect.stringMatching(/^\(root\): .*"duration"/)]);
  });

  it('refuses a wrong type with the field path', () => {
    const endpoints = [v1.endpoints[0], { ...v1.endpoints[1], options: { sndBufBytes: '64k' } }];
    const problems = problemsOf(() => parseProfileText(JSON.stringify({ ...v1, endpoints })));
    expect(problems).toEqual([expect.stringMatching(/^endpoints\[1\]\.options\.sndBufBytes: .*number/)]);
  });
});
