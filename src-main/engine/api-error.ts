import type { ApiError } from '../../src-shared/api.js';
import { ValidationError } from '../../src-shared/validation.js';

/** A call that failed with an ApiError: thrown by the API service and the profile stores. */
export class ApiCallError extends Error {
  constructor(readonly failure: ApiError) {
    super(failure.message);
    this.name = 'ApiCallError';
  }

  get code(): string {
    return this.failure.code;
  }
}

/**
 * Any error as the renderer sees it: a ValidationError keeps its field problems (code EINVAL), an
 * error with a string `code` (EngineError, Node's fs errors) keeps it, anything else is EINTERNAL.
 */
export function toApiError(error: unknown): ApiError {
  if (error instanceof ApiCallError) return error.failure;
  if (error instanceof ValidationError) return { code: 'EINVAL', message: error.message, problems: error.problems };
  if (error instanceof Error) {
    const code = (error as Error & { code?: unknown }).code;
    return { code: typeof code === 'string' ? code : 'EINTERNAL', message: error.message };
  }
  return { code: 'EINTERNAL', message: String(error) };
}
