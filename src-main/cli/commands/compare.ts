import { basename } from 'node:path';
import type { RunResult } from '../../../src-shared/result.js';
import { toHtmlComparison } from '../../engine/report/html.js';
import { loadResultFile } from '../../engine/report/result-file.js';
import type { CompareArguments } from '../args.js';
import type { CliIo } from '../cli-io.js';
import { type NamedResult, formatComparison } from '../compare-text.js';
import { CliFailure, ExitCode, type ExitCodeValue, errorCode, isValidationError, withCode } from '../exit-codes.js';
import { checkFilePath, writeOutput } from './report.js';

/**
 * `sockscope compare`: reads every result, then prints them side by side (colour only on a
 * terminal), and writes the comparison page when --html asks for it.
 */
export async function compareCommand(args: CompareArguments, io: CliIo): Promise<ExitCodeValue> {
  if (args.htmlPath !== undefined) await checkFilePath(args.htmlPath, '--html');
  const results: NamedResult[] = [];
  for (const path of args.resultPaths) results.push({ name: columnName(path, args.resultPaths), result: await loadResult(path) });
  io.stdout.write(formatComparison(results, { color: io.stdout.isTTY === true }));
  if (args.htmlPath !== undefined) {
    await writeOutput(args.htmlPath, toHtmlComparison(results));
    io.stderr.write(`HTML comparison written to ${args.htmlPath}\n`);
  }
  return ExitCode.ok;
}

/** A column is headed by the file name, or the whole path when two files share a name. */
function columnName(path: string, paths: readonly string[]): string {
  const name = basename(path);
  return paths.filter((other) => basename(other) === name).length > 1 ? path : name;
}

async function loadResult(path: string): Promise<RunResult> {
  try {
    return await loadResultFile(path);
  } catch (error) {
    if (isValidationError(error)) throw new CliFailure(ExitCode.usage, error.message);
    const code = errorCode(error);
    if (code === undefined) throw error;
    throw new CliFailure(ExitCode.usage, withCode(`cannot read the result ${path}: ${(error as Error).message}`, code));
  }
}
