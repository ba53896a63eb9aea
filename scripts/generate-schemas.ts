// Writes schemas/*.schema.json from the zod schemas; with --check, exits 1 when they are out of date.
// Run from the compiled output: node out/node/scripts/generate-schemas.js [--check]
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { renderSchemaFiles } from './schema-files.js';

/** The nearest folder above this file with a package.json: the repository, from source or from out/node. */
function repositoryRoot(): string {
  let directory = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(directory, 'package.json'))) {
    const parent = dirname(directory);
    if (parent === directory) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    directory = parent;
  }
  return directory;
}

async function main(argv: string[]): Promise<number> {
  let check: boolean;
  try {
    check = parseArgs({ args: argv, options: { check: { type: 'boolean' } }, strict: true }).values.check ?? false;
  } catch (error) {
    console.error(`generate-schemas: ${(error as Error).message}\nUsage: node out/node/scripts/generate-schemas.js [--check]`);
    return 2;
  }
  const root = repositoryRoot();
  let stale = 0;
  for (const file of renderSchemaFiles()) {
    const path = join(root, file.path);
    if (check) {
      const onDisk = await readFile(path, 'utf8').catch(() => null);
      if (onDisk !== file.text) {
        console.error(`${file.path} is ${onDisk === null ? 'missing' : 'out of date'}`);
        stale += 1;
      }
    } else {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(path, file.text);
      console.log(`wrote ${file.path}`);
    }
  }
  if (stale > 0) {
    console.error('Regenerate them with: npm run schemas');
    return 1;
  }
  if (check) console.log('schemas are up to date');
  return 0;
}

process.exitCode = await main(process.argv.slice(2));
