import type { ApiError } from '../../../src-shared/api.js';

/** A failed API call as the renderer sees it, whichever transport carried it. */
export class ApiCallError extends Error implements ApiError {
  readonly code: string;
  readonly problems: { path: string; message: string }[] | undefined;

  constructor(failure: ApiError) {
    super(failure.message);
    this.name = 'ApiCallError';
    this.code = failure.code;
    this.problems = failure.problems;
  }
}

/** The code and sentence of anything thrown by a call, for showing next to the control that made it. */
export function describeFailure(error: unknown): ApiError {
  if (error instanceof ApiCallError) return { code: error.code, message: error.message, ...(error.problems ? { problems: error.problems } : {}) };
  if (error && typeof error === 'object' && 'message' in error) {
    const code = 'code' in error && typeof error.code === 'string' ? error.code : 'ERROR';
    const problems = 'problems' in error && Array.isArray(error.problems) ? (error.problems as ApiError['problems']) : undefined;
    return { code, message: String(error.message), ...(problems ? { problems } : {}) };
  }
  return { code: 'ERROR', message: String(error) };
}
