// Profiles on the desktop: built-ins, files through (stand-in) native dialogs, the recent list.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DesktopProfileStore, type ProfileDialogs } from '../../src-main/app/desktop-profile-store.js';
import { builtinProfilesDirectory } from '../../src-main/engine/profile-library.js';

let directory: string;
let toOpen: (string | null)[];
let toSave: (string | null)[];
let suggested: string[];
let store: DesktopProfileStore;

const dialogs: ProfileDialogs = {
  chooseFileToOpen: async () => toOpen.shift() ?? null,
  chooseFileToSave: async (name) => {
    suggested.push(name);
    return toSave.shift() ?? null;
  },
};

beforeEach(async () => {
  directory = await mkdtemp(path.join(tmpdir(), 'sockscope-profiles-'));
  toOpen = [];
  toSave = [];
  suggested = [];
  store = new DesktopProfileStore({ builtinDirectory: builtinProfilesDirectory(), userDataDirectory: path.join(directory, 'userData'), dialogs });
});
afterEach(() => rm(directory, { recursive: true, force: true }));

async function profileFile(name: string, content: unknown = { schema: 'sockscope.profile/1', name: `Profile ${name}`, description: `About ${name}.` }): Promise<string> {
  const file = path.join(directory, `${name}.json`);
  await writeFile(file, typeof content === 'string' ? content : JSON.stringify(content));
  return file;
}

describe('the desktop profile store', () => {
  it('lists the built-in profiles, then no recent files on first start', async () => {
    const entries = await store.list();
    expect(entries.length).toBeGreaterThan(5);
    expect(entries.every((entry) => entry.ref.kind === 'builtin' && entry.name !== '')).toBe(true);
    expect(entries.map((entry) => entry.ref)).toContainEqual({ kind: 'builtin', name: 'nagle-delayed-ack' });
  });

  it('opens a built-in profile without validating it, and refuses to save over it', async () => {
    const opened = await store.open({ kind: 'builtin', name: 'echo-epoll' });
    expect(opened?.profile).toMatchObject({ schema: 'sockscope.profile/1' });
    await expect(store.save({}, { kind: 'builtin', name: 'echo-epoll' })).rejects.toMatchObject({ code: 'EROFS' });
    await expect(store.open({ kind: 'stored', name: 'mine' })).rejects.toMatchObject({ code: 'ENOTSUP' });
  });

  it('asks for a file on open(null), resolves null when cancelled, and remembers what was opened', async () => {
    expect(await store.open(null)).toBeNull();
    const file = await profileFile('a');
    toOpen.push(file);
    expect(await store.open(null)).toEqual({ ref: { kind: 'file', path: file }, profile: expect.objectContaining({ name: 'Profile a' }) });
    expect((await store.list()).at(-1)).toEqual({ ref: { kind: 'file', path: file }, name: 'Profile a', description: 'About a.' });
  });

  it('keeps the ten most recent files, newest first, without duplicates', async () => {
    const files: string[] = [];
    for (let i = 0; i < 12; i++) files.push(await profileFile(`p${i}`));
    for (const file of files) await store.open({ kind: 'file', path: file });
    await store.open({ kind: 'file', path: files[5]! });
    const recent = (await store.list()).filter((entry) => entry.ref.kind === 'file').map((entry) => (entry.ref.kind === 'file' ? entry.ref.path : ''));
    expect(recent).toEqual([files[5], files[11], files[10], files[9], files[8], files[7], files[6], files[4], files[3], files[2]]);
    const kept = JSON.parse(await readFile(path.join(directory, 'userData', 'recent.json'), 'utf8')) as string[];
    expect(kept).toEqual(recent);
  });

  it('opens a broken profile as it is, refuses a file that is not JSON, and forgets a vanished file', async () => {
    const broken = await profileFile('broken', { schema: 'sockscope.profile/1', endpoints: 'several' });
    expect(await store.open({ kind: 'file', path: broken })).toMatchObject({ profile: { endpoints: 'several' } });
    const garbage = await profileFile('garbage', '{ "name": ');
    await expect(store.open({ kind: 'file', path: garbage })).rejects.toMatchObject({ code: 'EINVAL', failure: { problems: [expect.objectContaining({ path: '(root)' })] } });
    await rm(broken);
    await expect(store.open({ kind: 'file', path: broken })).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await store.list()).filter((entry) => entry.ref.kind === 'file')).toEqual([]);
  });

  it('saves as pretty JSON: save as asks where (suggesting a name), save writes in place', async () => {
    const profile = { schema: 'sockscope.profile/1', name: 'Nagle meets delayed ACK', endpoints: [] };
    expect(await store.save(profile, null)).toBeNull();
    const target = path.join(directory, 'chosen');
    toSave.push(target);
    const ref = await store.save(profile, null);
    expect(suggested).toEqual(['nagle-meets-delayed-ack.json', 'nagle-meets-delayed-ack.json']);
    expect(ref).toEqual({ kind: 'file', path: `${target}.json` });
    expect(await readFile(`${target}.json`, 'utf8')).toBe(`${JSON.stringify(profile, null, 2)}\n`);

    await store.save({ ...profile, name: 'Renamed' }, ref);
    expect(JSON.parse(await readFile(`${target}.json`, 'utf8'))).toMatchObject({ name: 'Renamed' });
    expect((await store.list()).at(-1)).toMatchObject({ ref, name: 'Renamed' });
  });
});
