import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { profileRefSchema, type OpenedProfile, type ProfileEntry, type ProfileRef } from '../../src-shared/api.js';
import { describeIssues } from '../../src-shared/validation.js';
import { ApiCallError } from './api-error.js';

/**
 * Where the API's profiles.* calls find and keep profiles. The desktop implements it with native
 * dialogs and files; the agent with FolderProfileStore. Failures reject with an ApiCallError.
 */
export interface ProfileStore {
  /** Every profile the user can open without a dialog: built-in ones first, then stored ones. */
  list(): Promise<ProfileEntry[]>;
  /** The profile at `ref`, not validated (a broken one can be shown and fixed); null asks the user. */
  open(ref: ProfileRef | null): Promise<OpenedProfile | null>;
  /** Writes `profile` to `ref`; null asks the user where. Resolves the ref saved to, null if cancelled. */
  save(profile: unknown, ref: ProfileRef | null): Promise<ProfileRef | null>;
}

/** The largest profile file read or written: far above any real profile, far below memory trouble. */
const maxProfileBytes = 4 * 1024 * 1024;

/** A built-in profile's list entry, read from `<folder>/<name>.json`. */
export async function builtinProfileEntries(folder: string): Promise<ProfileEntry[]> {
  const names = (await readdir(folder)).filter((file) => file.endsWith('.json')).map((file) => file.slice(0, -'.json'.length));
  const entries: ProfileEntry[] = [];
  for (const name of names.sort()) {
    const parsed = profileRefSchema.safeParse({ kind: 'builtin', name });
    if (!parsed.success) continue;
    entries.push(entryOf(parsed.data, name, await readJson(join(folder, `${name}.json`)).catch(() => undefined)));
  }
  return entries;
}

/**
 * The agent's profiles: the package's built-in ones (read-only) and the ones a browser saved, as
 * `<folder>/<name>.json`. A browser has no file dialog, so open(null) and save(x, null) are
 * refused with EINVAL, and `file` refs, which would reach any file of the agent's machine, too.
 */
export class FolderProfileStore implements ProfileStore {
  private readonly folder: string;
  private readonly builtinFolder: string;

  constructor(folder: string, builtinFolder: string) {
    this.folder = resolve(folder);
    this.builtinFolder = resolve(builtinFolder);
  }

  async list(): Promise<ProfileEntry[]> {
    const builtin = await builtinProfileEntries(this.builtinFolder);
    let files: string[];
    try {
      files = await readdir(this.folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return builtin;
      throw error;
    }
    const stored: ProfileEntry[] = [];
    for (const file of files.filter((name) => name.endsWith('.json')).sort()) {
      const parsed = storedRef(file.slice(0, -'.json'.length));
      if (!parsed) continue;
      stored.push(entryOf(parsed, parsed.name, await readJson(join(this.folder, file)).catch(() => undefined)));
    }
    return [...builtin, ...stored];
  }

  async open(ref: ProfileRef | null): Promise<OpenedProfile | null> {
    if (ref === null) throw new ApiCallError({ code: 'EINVAL', message: 'choose a profile from the list: the agent has no file dialog' });
    const checked = checkRef(ref);
    const path = this.pathOf(checked);
    try {
      return { ref: checked, profile: await readJson(path) };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new ApiCallError({ code: 'ENOENT', message: `there is no ${checked.kind} profile "${checked.kind === 'file' ? checked.path : checked.name}"` });
      }
      throw error;
    }
  }

  async save(profile: unknown, ref: ProfileRef | null): Promise<ProfileRef | null> {
    if (ref === null) throw new ApiCallError({ code: 'EINVAL', message: 'give the profile a name: the agent has no file dialog' });
    const checked = checkRef(ref);
    if (checked.kind === 'builtin') {
      throw new ApiCallError({ code: 'EROFS', message: `built-in profiles are read-only: save "${checked.name}" under a name of your own` });
    }
    const text = `${JSON.stringify(profile, null, 2)}\n`;
    if (Buffer.byteLength(text) > maxProfileBytes) throw new ApiCallError({ code: 'EFBIG', message: `a profile is at most ${maxProfileBytes} bytes` });
    const path = this.pathOf(checked);
    await mkdir(this.folder, { recursive: true });
    // Written beside and renamed over, so a reader never sees half a file.
    const temporary = join(this.folder, `.${basename(path)}.${process.pid}.tmp`);
    await writeFile(temporary, text, { mode: 0o600 });
    await rename(temporary, path);
    return checked;
  }

  /** The file of a builtin or stored ref, checked to lie directly in its folder. */
  private pathOf(ref: ProfileRef): string {
    if (ref.kind === 'file') throw new ApiCallError({ code: 'EINVAL', message: 'the agent opens built-in and stored profiles only, not files by path' });
    const folder = ref.kind === 'builtin' ? this.builtinFolder : this.folder;
    const path = resolve(folder, `${ref.name}.json`);
    if (dirname(path) !== folder) throw new ApiCallError({ code: 'EINVAL', message: `"${ref.name}" is not a profile name` });
    return path;
  }
}

/** Parses a ref again (the store may be called directly) and refuses hidden names such as ".x". */
function checkRef(ref: ProfileRef): ProfileRef {
  const parsed = profileRefSchema.safeParse(ref);
  if (!parsed.success) {
    throw new ApiCallError({ code: 'EINVAL', message: 'not a valid profile reference', problems: describeIssues(parsed.error) });
  }
  if (parsed.data.kind === 'stored' && parsed.data.name.startsWith('.')) {
    throw new ApiCallError({ code: 'EINVAL', message: 'a stored profile name may not start with "."', problems: [{ path: 'name', message: 'may not start with "."' }] });
  }
  return parsed.data;
}

function storedRef(name: string): Extract<ProfileRef, { kind: 'stored' }> | null {
  const parsed = profileRefSchema.safeParse({ kind: 'stored', name });
  if (!parsed.success || parsed.data.kind !== 'stored' || name.startsWith('.')) return null;
  return parsed.data;
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  if (Buffer.byteLength(text) > maxProfileBytes) throw new ApiCallError({ code: 'EFBIG', message: `${basename(path)} is larger than ${maxProfileBytes} bytes` });
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiCallError({
      code: 'EINVAL',
      message: `${basename(path)} is not valid JSON`,
      problems: [{ path: '(root)', message: (error as Error).message }],
    });
  }
}

function entryOf(ref: ProfileRef, fallbackName: string, json: unknown): ProfileEntry {
  const fields = typeof json === 'object' && json !== null ? (json as Record<string, unknown>) : {};
  return {
    ref,
    name: typeof fields['name'] === 'string' ? fields['name'] : fallbackName,
    description: typeof fields['description'] === 'string' ? fields['description'] : json === undefined ? 'could not be read' : '',
  };
}
