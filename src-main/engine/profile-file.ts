import { readFile } from 'node:fs/promises';
import { migrateProfile } from '../../src-shared/profile-migration.js';
import { profileSchema, type Profile } from '../../src-shared/profile.js';
import { ValidationError, parseOrThrow } from '../../src-shared/validation.js';

/** Reads and validates a profile file. JSON syntax errors name the line and column. */
export async function loadProfileFile(path: string): Promise<Profile> {
  const text = await readFile(path, 'utf8');
  return parseProfileText(text, path);
}

/**
 * Parses a profile, brings an older `schema` version up to the current one
 * (src-shared/profile-migration.ts), then validates it. Throws a ValidationError naming every bad field.
 */
export function parseProfileText(text: string, name = 'the profile'): Profile {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /at position (\d+)/.exec(message);
    const where = position ? lineAndColumn(text, Number(position[1])) : '';
    throw new ValidationError(name, [{ path: '(root)', message: `not valid JSON${where}: ${message}` }]);
  }
  const { profile, migratedFrom } = migrateProfile(json, name);
  return parseOrThrow(profileSchema, profile, migratedFrom === null ? name : `${name} (migrated from ${migratedFrom})`);
}

function lineAndColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return ` at line ${line}, column ${column}`;
}
