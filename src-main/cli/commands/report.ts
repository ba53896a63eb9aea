import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { RunResult } from '../../../src-shared/result.js';
import { toCsvFiles } from '../../engine/report/csv.js';
import { toHtmlReport } from '../../engine/report/html.js';
import { toPcapng } from '../../engine/report/pcapng.js';
import { loadResultFile } from '../../engine/report/result-file.js';
import type { ReportArguments } from '../args.js';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode, type ExitCodeValue, errorCode, isValidationError, withCode } from '../exit-codes.js';
import { formatSummary } from '../summary.js';

/**
 * `sockscope report`: reads a result, then writes the CSV files, the pcapng capture and the HTML
 * report asked for, or prints the summary when none is.
 */
export async function reportCommand(args: ReportArguments, io: CliIo): Promise<ExitCodeValue> {
  if (args.csvDirectory !== undefined) await checkDirectoryPath(args.csvDirectory);
  if (args.pcapngPath !== undefined) await checkFilePath(args.pcapngPath, '--pcapng');
  if (args.htmlPath !== undefined) await checkFilePath(args.htmlPath, '--html');
  const result = await loadResult(args.resultPath);

  if (args.csvDirectory === undefined && args.pcapngPath === undefined && args.htmlPath === undefined) {
    io.stdout.write(formatSummary(result));
    return ExitCode.ok;
  }
  if (args.csvDirectory !== undefined) await writeCsv(result, args.csvDirectory, io);
  if (args.pcapngPath !== undefined) {
    await writeOutput(args.pcapngPath, toPcapng(result));
    io.stderr.write(`pcapng capture written to ${args.pcapngPath} (${result.capture.entries.length} reads and writes)\n`);
  }
  if (args.htmlPath !== undefined) {
    await writeOutput(args.htmlPath, toHtmlReport(result));
    io.stderr.write(`HTML report written to ${args.htmlPath}\n`);
  }
  return ExitCode.ok;
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

async function writeCsv(result: RunResult, directory: string, io: CliIo): Promise<void> {
  try {
    await mkdir(directory, { recursive: true });
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined) throw error;
    throw new CliFailure(ExitCode.cannotRun, withCode(`cannot create the directory ${directory}: ${(error as Error).message}`, code));
  }
  const files = toCsvFiles(result);
  for (const file of files) await writeOutput(join(directory, file.name), file.text);
  io.stderr.write(`CSV written to ${directory}: ${files.map((file) => file.name).join(', ')}\n`);
}

/** Fails before reading the result when --csv names a file. */
async function checkDirectoryPath(directory: string): Promise<void> {
  const target = await stat(directory).catch(() => null);
  if (target !== null && !target.isDirectory()) throw new CliFailure(ExitCode.usage, `--csv ${directory} is a file; name a directory`);
}

/** Fails before reading the result, or before a run, when an output file (--pcapng, --html, --report) cannot be written. */
export async function checkFilePath(path: string, option: string): Promise<void> {
  const directory = dirname(resolve(path));
  const [target, parent] = await Promise.all([stat(path).catch(() => null), stat(directory).catch(() => null)]);
  if (target?.isDirectory()) throw new CliFailure(ExitCode.usage, `${option} ${path} is a directory; name a file`);
  if (!parent?.isDirectory()) throw new CliFailure(ExitCode.usage, `${option} ${path}: the directory ${directory} does not exist`);
}

/** Writes one output file; an I/O failure (permission denied, disk full) exits 3 with its code. */
export async function writeOutput(path: string, content: string | Buffer): Promise<void> {
  try {
    await writeFile(path, content);
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined) throw error;
    throw new CliFailure(ExitCode.cannotRun, withCode(`cannot write ${path}: ${(error as Error).message}`, code));
  }
}
