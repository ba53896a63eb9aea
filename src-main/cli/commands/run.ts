import { stat, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { findingsOf } from '../../../src-shared/findings.js';
import type { Profile } from '../../../src-shared/profile.js';
import type { RunResult } from '../../../src-shared/result.js';
import { loadProfileFile } from '../../engine/profile-file.js';
import { UnknownProfileError, builtinProfilePath } from '../../engine/profile-library.js';
import { toHtmlReport } from '../../engine/report/html.js';
import { runProfile } from '../../engine/run.js';
import type { RunArguments } from '../args.js';
import type { CliIo } from '../cli-io.js';
import { CliFailure, ExitCode, type ExitCodeValue, UsageError, errorCode, isValidationError, withCode } from '../exit-codes.js';
import { formatFindings } from '../findings-text.js';
import { ProgressLine } from '../progress-line.js';
import { formatSummary } from '../summary.js';
import { checkFilePath, writeOutput } from './report.js';

/**
 * `sockscope run`: loads the profile, runs it, then writes the result or prints its summary, and
 * the HTML report when --report asks for it.
 */
export async function runCommand(args: RunArguments, io: CliIo): Promise<ExitCodeValue> {
  if (args.outPath !== undefined && args.outPath !== '-') await checkOutputPath(args.outPath);
  if (args.reportPath !== undefined) await checkFilePath(args.reportPath, '--report');
  const profile = await loadProfile(await profileFile(args));

  const progressLine = io.stderr.isTTY && !args.quiet ? new ProgressLine(io.stderr) : null;
  const controller = new AbortController();
  const stopListening = io.onInterrupt(() => {
    const note = 'stopping early; the result will still be written (Ctrl-C again quits without it)';
    if (progressLine) progressLine.note(note);
    else io.stderr.write(`${note}\n`);
    controller.abort();
  });
  let result: RunResult;
  try {
    result = await runProfile(profile, {
      durationMs: args.durationMs,
      onProgress: progressLine ? (progress) => progressLine.update(progress) : undefined,
      signal: controller.signal,
    });
  } catch (error) {
    throw runFailure(error, profile);
  } finally {
    progressLine?.clear();
    stopListening();
  }

  await writeResult(result, args, io);
  if (args.reportPath !== undefined) {
    await writeOutput(args.reportPath, toHtmlReport(result));
    if (!args.quiet) io.stderr.write(`HTML report written to ${args.reportPath}\n`);
  }
  return controller.signal.aborted ? ExitCode.interrupted : ExitCode.ok;
}

/** Fails before the run, not after it, when --out cannot be written. */
async function checkOutputPath(outPath: string): Promise<void> {
  const directory = dirname(resolve(outPath));
  const [target, parent] = await Promise.all([stat(outPath).catch(() => null), stat(directory).catch(() => null)]);
  if (target?.isDirectory()) throw new CliFailure(ExitCode.usage, `--out ${outPath} is a directory; name a file`);
  if (!parent?.isDirectory()) throw new CliFailure(ExitCode.usage, `--out ${outPath}: the directory ${directory} does not exist`);
}

/** The file to load: the one named on the command line, or the built-in profile's for --profile. */
async function profileFile(args: RunArguments): Promise<string> {
  if (args.profileName === undefined) {
    if (args.profilePath === undefined) throw new UsageError('missing the profile: sockscope run PROFILE.json', 'run');
    return args.profilePath;
  }
  try {
    return await builtinProfilePath(args.profileName);
  } catch (error) {
    if (error instanceof UnknownProfileError) throw new CliFailure(ExitCode.usage, `${error.message} ("sockscope profiles" says what each shows)`);
    throw error;
  }
}

async function loadProfile(path: string): Promise<Profile> {
  try {
    return await loadProfileFile(path);
  } catch (error) {
    if (isValidationError(error)) throw new CliFailure(ExitCode.usage, error.message);
    const code = errorCode(error);
    if (code === undefined) throw error;
    throw new CliFailure(ExitCode.usage, withCode(`cannot read the profile ${path}: ${(error as Error).message}`, code));
  }
}

/** An invalid profile is a usage problem (2); an error with a code means the run could not be carried out (3). */
function runFailure(error: unknown, profile: Profile): unknown {
  if (isValidationError(error)) return new CliFailure(ExitCode.usage, error.message);
  const code = errorCode(error);
  if (code === undefined) return error;
  return new CliFailure(ExitCode.cannotRun, withCode(`cannot run "${profile.name}": ${(error as Error).message}`, code));
}

async function writeResult(result: RunResult, args: RunArguments, io: CliIo): Promise<void> {
  if (args.outPath === undefined) {
    io.stdout.write(`${formatSummary(result)}\n${formatFindings(findingsOf(result))}`);
    return;
  }
  const json = `${JSON.stringify(result, null, 2)}\n`;
  if (args.outPath === '-') {
    io.stdout.write(json);
    return;
  }
  try {
    await writeFile(args.outPath, json);
  } catch (error) {
    const code = errorCode(error);
    if (code === undefined) throw error;
    throw new CliFailure(ExitCode.cannotRun, withCode(`the run finished but the result could not be written to ${args.outPath}: ${(error as Error).message}`, code));
  }
  if (!args.quiet) io.stderr.write(`result written to ${args.outPath}\n`);
}
