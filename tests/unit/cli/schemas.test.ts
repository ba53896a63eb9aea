import { readFile, readdir } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { renderSchemaFiles } from '../../../scripts/schema-files.js';
import { profileSchema } from '../../../src-shared/profile.js';

const root = new URL('../../../', import.meta.url);

describe('schemas/', () => {
  it('matches what scripts/generate-schemas would write (run "npm run schemas" after changing src-shared)', async () => {
    for (const file of renderSchemaFiles()) {
      expect(await readFile(new URL(file.path, root), 'utf8'), file.path).toBe(file.text);
    }
  });

  it('gives each schema an $id and leaves fields with defaults optional in profiles', () => {
    const [profile, result] = renderSchemaFiles().map((file) => JSON.parse(file.text) as Record<string, unknown>);
    expect(profile?.$id).toBe('urn:sockscope:profile/1');
    expect(result?.$id).toBe('urn:sockscope:result/1');
    expect(profile?.required).toEqual(['schema', 'name', 'durationMs', 'endpoints']);
  });
});

describe('profiles/', () => {
  it('holds only valid profiles that point editors at the schema', async () => {
    const names = (await readdir(new URL('profiles/', root))).filter((name) => name.endsWith('.json'));
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      const json = JSON.parse(await readFile(new URL(`profiles/${name}`, root), 'utf8')) as Record<string, unknown>;
      const parsed = profileSchema.safeParse(json);
      expect(parsed.success ? [] : parsed.error.issues, name).toEqual([]);
      expect(json.$schema, name).toBe('../schemas/profile.schema.json');
    }
  });
});
