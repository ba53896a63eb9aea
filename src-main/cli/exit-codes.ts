import { ValidationError } from '../../src-shared/validation.js';

/** The process exit codes of every command, as `sockscope --help` and the README list them. */
export const ExitCode = {
  /** The command did what was asked. */
  ok: 0,
  /** A bug in sockscope: the only case that prints a stack trace. */
  internal: 1,
  /** Bad usage or an invalid profile. */
  usage: 2,
  /** The run could not be carried out: address in use, permission denied, host not found. */
  cannotRun: 3,
  /** Stopped with Ctrl-C (128 + SIGINT, as shells report it); the result is still written. */
  interrupted: 130,
} as const;
export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** A failure the user can act on: main prints the message as it is, without a stack, and exits with the code. */
export class CliFailure extends Error {
  constructor(
    readonly exitCode: ExitCodeValue,
    message: string,
  ) {
    super(message);
    this.name = 'CliFailure';
  }
}

/** Bad arguments. `command` names the command whose help would have helped (null: the top level). */
export class UsageError extends CliFailure {
  constructor(
    message: string,
    readonly command: string | null,
  ) {
    super(ExitCode.usage, message);
    this.name = 'UsageError';
  }
}

/** The errno-style code of an error ("EADDRINUSE"), when it has one. */
export function errorCode(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null || !('code' in error)) return undefined;
  return typeof error.code === 'string' ? error.code : undefined;
}

/** True for a ValidationError, also one from a second copy of src-shared (as a test runner may load). */
export function isValidationError(error: unknown): error is ValidationError {
  if (error instanceof ValidationError) return true;
  return errorCode(error) === 'EINVAL' && Array.isArray((error as { problems?: unknown }).problems);
}

/** The message with its code in it, so that a user can search for either. */
export function withCode(message: string, code: string): string {
  return message.includes(code) ? message : `${message} (${code})`;
}
