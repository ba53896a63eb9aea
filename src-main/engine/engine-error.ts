/**
 * A run that could not be carried out: the address is in use, a port needs privileges, a host
 * does not resolve. `code` is the errno-style name ("EADDRINUSE"); the message names the address.
 */
export class EngineError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'EngineError';
  }
}

export function isEngineError(error: unknown): error is EngineError {
  return error instanceof EngineError;
}

/** Wraps an error thrown by the addon (an Error with a `code` property) as an EngineError. */
export function toEngineError(error: unknown): EngineError {
  if (error instanceof EngineError) return error;
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return new EngineError(typeof code === 'string' ? code : 'EENGINE', error.message);
  }
  return new EngineError('EENGINE', String(error));
}
