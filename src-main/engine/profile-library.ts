import { existsSync, readFileSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Profile } from '../../src-shared/profile.js';
import { parseProfileText } from './profile-file.js';

/** A profile shipped in the package's profiles/ folder, named after its file. */
export interface BuiltinProfile {
  /** The file name without ".json": what `sockscope run --profile NAME` takes. */
  name: string;
  fileName: string;
  path: string;
  profile: Profile;
}

/** Thrown for a name that is not one of the built-in profiles; `names` lists the ones there are. */
export class UnknownProfileError extends Error {
  readonly code = 'ENOENT';
  constructor(
    readonly profileName: string,
    readonly names: readonly string[],
  ) {
    super(`unknown profile "${profileName}"; the built-in profiles are ${names.join(', ')}`);
    this.name = 'UnknownProfileError';
  }
}

/**
 * The package's profiles/ folder, found from this module's own location (src-main/engine in the
 * sources, out/node/src-main/engine when built), never from the working directory.
 */
export function builtinProfilesDirectory(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (isPackageRoot(directory)) return join(directory, 'profiles');
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no sockscope package.json above ${fileURLToPath(import.meta.url)}`);
    directory = parent;
  }
}

function isPackageRoot(directory: string): boolean {
  const manifest = join(directory, 'package.json');
  if (!existsSync(manifest)) return false;
  try {
    return (JSON.parse(readFileSync(manifest, 'utf8')) as { name?: unknown }).name === 'sockscope';
  } catch {
    return false;
  }
}

/** The names of the built-in profiles, sorted. */
export async function builtinProfileNames(directory = builtinProfilesDirectory()): Promise<string[]> {
  const files = await readdir(directory);
  return files
    .filter((file) => file.endsWith('.json'))
    .map((file) => file.slice(0, -'.json'.length))
    .sort();
}

/** Every built-in profile, parsed; a profile that does not validate throws a ValidationError naming its file. */
export async function loadBuiltinProfiles(directory = builtinProfilesDirectory()): Promise<BuiltinProfile[]> {
  const names = await builtinProfileNames(directory);
  return Promise.all(
    names.map(async (name) => {
      const fileName = `${name}.json`;
      const path = join(directory, fileName);
      return { name, fileName, path, profile: parseProfileText(await readFile(path, 'utf8'), fileName) };
    }),
  );
}

/** The file of a built-in profile; throws UnknownProfileError for a name that is not one. */
export async function builtinProfilePath(name: string, directory = builtinProfilesDirectory()): Promise<string> {
  const names = await builtinProfileNames(directory);
  if (!names.includes(name)) throw new UnknownProfileError(name, names);
  return join(directory, `${name}.json`);
}

/** The first sentence of a description: up to the first full stop followed by a space, or all of it. */
export function firstSentence(text: string): string {
  const trimmed = text.trim();
  const end = /[.!?](?=\s|$)/.exec(trimmed);
  return end ? trimmed.slice(0, end.index + 1) : trimmed;
}
