#!/usr/bin/env node
// Starts the compiled CLI. `npm install` builds it (the native engine and the TypeScript in out/node).
import { existsSync } from 'node:fs';
import process from 'node:process';
import { URL, fileURLToPath } from 'node:url';

const entry = new URL('../out/node/src-main/cli/main.js', import.meta.url);
if (!existsSync(entry)) {
  const root = fileURLToPath(new URL('..', import.meta.url));
  process.stderr.write(`sockscope is not built: run "npm install" in ${root} (it builds the native engine and the TypeScript).\n`);
  process.exit(1);
}
const { main } = await import(entry.href);
// Setting exitCode instead of calling exit() lets stdout drain when it is a pipe.
process.exitCode = await main(process.argv.slice(2));
