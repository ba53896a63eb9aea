// The agent's profile store: built-in profiles read-only, stored ones in a folder, names checked.
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ProfileRef } from '../../../src-shared/api.js';
import { toApiError } from '../../../src-main/engine/api-error.js';
import { builtinProfilesDirectory } from '../../../src-main/engine/profile-library.js';
import { FolderProfileStore } from '../../../src-main/engine/profile-store.js';

let folder: string;
let store: FolderProfileStore;

beforeEach(async () => {
  folder = await mkdtemp(join(tmpdir(), 'sockscope-profiles-'));
  store = new FolderProfileStore(join(folder, 'stored'), builtinProfilesDirectory());
});
afterEach(() => rm(folder, { recursive: true, force: true }));

const profile = { schema: 'sockscope.profile/1', name: 'Mine', description: 'a test', endpoints: [] };

describe('FolderProfileStore', () => {
  it('lists the built-in profiles with their names and descriptions, and opens them', async () => {
    const entries = await store.list();
    const nagle = entries.find((entry) => entry.ref.kind === 'builtin' && entry.ref.name === 'nagle-delayed-ack');
    expect(nagle?.name).toBe('Nagle against delayed ACK');
    expect(nagle?.description.length).toBeGreaterThan(20);
    const opened = await store.open({ kind: 'builtin', name: 'nagle-delayed-ack' });
    expect(opened?.profile).toMatchObject({ schema: 'sockscope.profile/1' });
  });

  it('saves, lists and opens a stored profile', async () => {
    const ref: ProfileRef = { kind: 'stored', name: 'My test 1.0' };
    expect(await store.save(profile, ref)).toEqual(ref);
    expect(await store.list()).toContainEqual({ ref, name: 'Mine', description: 'a test' });
    expect(await store.open(ref)).toEqual({ ref, profile });
    expect(await readdir(join(folder, 'stored'))).toEqual(['My test 1.0.json']);
  });

  it('refuses names that leave the folder or hide the file, and file paths', async () => {
    for (const name of ['../x', '..\\x', 'a/b', '', '.hidden']) {
      expect(await store.save(profile, { kind: 'stored', name }).catch(toApiError)).toMatchObject({ code: 'EINVAL' });
      expect(await store.open({ kind: 'stored', name }).catch(toApiError)).toMatchObject({ code: 'EINVAL' });
    }
    expect(await store.open({ kind: 'builtin', name: '../package' }).catch(toApiError)).toMatchObject({ code: 'EINVAL' });
    expect(await store.open({ kind: 'file', path: '/etc/passwd' }).catch(toApiError)).toMatchObject({ code: 'EINVAL' });
    expect(await store.save(profile, { kind: 'file', path: join(folder, 'x.json') }).catch(toApiError)).toMatchObject({ code: 'EINVAL' });
    expect(await readdir(folder)).toEqual([]);
  });

  it('has no dialog: open(null) and save(x, null) ask for a choice, built-in profiles stay read-only', async () => {
    expect(await store.open(null).catch(toApiError)).toMatchObject({ code: 'EINVAL', message: expect.stringContaining('choose a profile from the list') });
    expect(await store.save(profile, null).catch(toApiError)).toMatchObject({ code: 'EINVAL', message: expect.stringContaining('give the profile a name') });
    expect(await store.save(profile, { kind: 'builtin', name: 'half-close' }).catch(toApiError)).toMatchObject({ code: 'EROFS' });
  });

  it('answers ENOENT for a missing profile and EINVAL for a file that is not JSON', async () => {
    expect(await store.open({ kind: 'stored', name: 'nothing' }).catch(toApiError)).toMatchObject({ code: 'ENOENT' });
    await store.save(profile, { kind: 'stored', name: 'broken' });
    await writeFile(join(folder, 'stored', 'broken.json'), '{ nope');
    expect(await store.open({ kind: 'stored', name: 'broken' }).catch(toApiError)).toMatchObject({ code: 'EINVAL', problems: [{ path: '(root)' }] });
    expect(await store.list()).toContainEqual({ ref: { kind: 'stored', name: 'broken' }, name: 'broken', description: 'could not be read' });
  });
});
