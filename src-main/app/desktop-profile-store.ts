import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { z } from 'zod';
import type { OpenedProfile, ProfileEntry, ProfileRef } from '../../src-shared/api.js';
import { ApiCallError } from '../engine/api-error.js';
import { builtinProfileEntries, type ProfileStore } from '../engine/profile-store.js';

/** The native file dialogs the store asks the user through; each resolves null when cancelled. */
export interface ProfileDialogs {
  chooseFileToOpen(): Promise<string | null>;
  chooseFileToSave(suggestedName: string): Promise<string | null>;
}

export interface DesktopProfileStoreOptions {
  /** The app's profiles/ folder. */
  builtinDirectory: string;
  /** Electron's userData folder; recent.json lives there. */
  userDataDirectory: string;
  dialogs: ProfileDialogs;
}

const MAX_RECENT_FILES = 10;
const recentFilesSchema = z.array(z.string().min(1)).max(MAX_RECENT_FILES);

/**
 * Profiles on the desktop: the built-in library, read-only, and profile files anywhere on disk,
 * the last ten of which are remembered in userData/recent.json. Profiles are read as JSON and
 * not validated here (whoever runs one validates it), so a broken file can be opened and fixed.
 */
export class DesktopProfileStore implements ProfileStore {
  private readonly recentPath: string;
  /** recent.json is rewritten one change at a time. */
  private recentWrites: Promise<void> = Promise.resolve();

  constructor(private readonly options: DesktopProfileStoreOptions) {
    this.recentPath = join(options.userDataDirectory, 'recent.json');
  }

  /** The built-in profiles, by name, then the recent files, most recent first; unreadable files are left out. */
  async list(): Promise<ProfileEntry[]> {
    const builtins = await builtinProfileEntries(this.options.builtinDirectory);
    const recent = await Promise.all((await this.recentFiles()).map((path) => this.recentEntryOf(path)));
    return [...builtins, ...recent.filter((entry): entry is ProfileEntry => entry !== null)];
  }

  /** Reads a profile; null asks the user for a file and resolves null when they cancel. */
  async open(ref: ProfileRef | null): Promise<OpenedProfile | null> {
    if (ref === null) {
      const path = await this.options.dialogs.chooseFileToOpen();
      if (path === null) return null;
      ref = { kind: 'file', path };
    }
    const path = this.pathOf(ref);
    let profile: unknown;
    try {
      profile = await readJson(path);
    } catch (error) {
      if (ref.kind === 'file' && (error as NodeJS.ErrnoException).code === 'ENOENT') await this.forgetRecent(path);
      throw error;
    }
    if (ref.kind === 'file') await this.rememberRecent(path);
    return { ref, profile };
  }

  /** Writes a profile as pretty JSON; null asks the user where, and resolves null when they cancel. */
  async save(profile: unknown, ref: ProfileRef | null): Promise<ProfileRef | null> {
    if (ref === null) {
      const chosen = await this.options.dialogs.chooseFileToSave(suggestedFileName(profile));
      if (chosen === null) return null;
      ref = { kind: 'file', path: extname(chosen) === '' ? `${chosen}.json` : chosen };
    }
    if (ref.kind !== 'file') throw new ApiCallError({ code: 'EROFS', message: `${describeRef(ref)} is read-only: save it as a file of your own` });
    const text = JSON.stringify(profile, null, 2) as string | undefined;
    if (text === undefined) throw new ApiCallError({ code: 'EINVAL', message: 'there is no profile to save', problems: [{ path: 'args[0]', message: 'not JSON' }] });
    await writeFile(ref.path, `${text}\n`, 'utf8');
    await this.rememberRecent(ref.path);
    return ref;
  }

  private pathOf(ref: ProfileRef): string {
    switch (ref.kind) {
      case 'builtin':
        return join(this.options.builtinDirectory, `${ref.name}.json`);
      case 'file':
        return ref.path;
      case 'stored':
        throw new ApiCallError({ code: 'ENOTSUP', message: `${describeRef(ref)}: stored profiles live on a Sockscope agent, not on the desktop` });
    }
  }

  /** A recent file's entry, or null when it can no longer be read. */
  private async recentEntryOf(path: string): Promise<ProfileEntry | null> {
    try {
      const profile = await readJson(path);
      const fields = typeof profile === 'object' && profile !== null ? (profile as Record<string, unknown>) : {};
      return {
        ref: { kind: 'file', path },
        name: typeof fields['name'] === 'string' ? fields['name'] : basename(path, '.json'),
        description: typeof fields['description'] === 'string' ? fields['description'] : '',
      };
    } catch {
      return null;
    }
  }

  private async recentFiles(): Promise<string[]> {
    await this.recentWrites;
    try {
      const parsed = recentFilesSchema.safeParse(JSON.parse(await readFile(this.recentPath, 'utf8')));
      return parsed.success ? parsed.data : [];
    } catch {
      return [];
    }
  }

  private rememberRecent(path: string): Promise<void> {
    return this.updateRecent((files) => [path, ...files.filter((file) => file !== path)].slice(0, MAX_RECENT_FILES));
  }

  private forgetRecent(path: string): Promise<void> {
    return this.updateRecent((files) => files.filter((file) => file !== path));
  }

  private updateRecent(change: (files: string[]) => string[]): Promise<void> {
    const write = async () => {
      let files: string[] = [];
      try {
        const parsed = recentFilesSchema.safeParse(JSON.parse(await readFile(this.recentPath, 'utf8')));
        if (parsed.success) files = parsed.data;
      } catch {
        // A missing or damaged recent.json starts a new list.
      }
      await mkdir(dirname(this.recentPath), { recursive: true });
      // Written aside and renamed, so a crash never leaves half a list.
      const scratch = `${this.recentPath}.tmp`;
      await writeFile(scratch, `${JSON.stringify(change(files), null, 2)}\n`, 'utf8');
      await rename(scratch, this.recentPath);
    };
    // The list is a convenience: failing to keep it never fails the open or save it follows.
    this.recentWrites = this.recentWrites.then(write).catch((error: unknown) => {
      console.warn(`Sockscope: could not update ${this.recentPath}:`, error);
    });
    return this.recentWrites;
  }
}

async function readJson(path: string): Promise<unknown> {
  const text = await readFile(path, 'utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ApiCallError({ code: 'EINVAL', message: `${basename(path)} is not valid JSON`, problems: [{ path: '(root)', message: (error as Error).message }] });
  }
}

function describeRef(ref: ProfileRef): string {
  switch (ref.kind) {
    case 'builtin':
      return `the built-in profile "${ref.name}"`;
    case 'stored':
      return `the stored profile "${ref.name}"`;
    case 'file':
      return ref.path;
  }
}

/** "Nagle meets delayed ACK" → "nagle-meets-delayed-ack.json". */
function suggestedFileName(profile: unknown): string {
  const name = typeof profile === 'object' && profile !== null ? (profile as Record<string, unknown>)['name'] : undefined;
  const slug = typeof name === 'string' ? name.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') : '';
  return `${slug || 'profile'}.json`;
}
