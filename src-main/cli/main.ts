import { parseCommandLine } from './args.js';
import { type CliIo, processIo } from './cli-io.js';
import { agentCommand } from './commands/agent.js';
import { compareCommand } from './commands/compare.js';
import { profilesCommand } from './commands/profiles.js';
import { reportCommand } from './commands/report.js';
import { runCommand } from './commands/run.js';
import { CliFailure, ExitCode, UsageError } from './exit-codes.js';
import { helpText } from './help.js';

/**
 * Runs one sockscope command line and returns the process exit code (see ExitCode). Failures the
 * user can act on are printed as one message; only an unexpected error prints its stack.
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  try {
    const commandLine = parseCommandLine(argv);
    switch (commandLine.command) {
      case 'help':
        io.stdout.write(helpText(commandLine.topic));
        return ExitCode.ok;
      case 'run':
        return await runCommand(commandLine.args, io);
      case 'report':
        return await reportCommand(commandLine.args, io);
      case 'compare':
        return await compareCommand(commandLine.args, io);
      case 'profiles':
        return await profilesCommand(io);
      case 'agent':
        return await agentCommand(commandLine.args, io);
    }
  } catch (error) {
    return reportFailure(error, io);
  }
}

function reportFailure(error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    const helpCommand = error.command === null ? 'sockscope --help' : `sockscope ${error.command} --help`;
    io.stderr.write(`sockscope: ${error.message}\nSee "${helpCommand}".\n`);
    return error.exitCode;
  }
  if (error instanceof CliFailure) {
    io.stderr.write(`sockscope: ${error.message}\n`);
    return error.exitCode;
  }
  const detail = error instanceof Error ? (error.stack ?? error.message) : String(error);
  io.stderr.write(`sockscope: internal error, please report it with this output:\n${detail}\n`);
  return ExitCode.internal;
}
