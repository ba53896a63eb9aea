import type { z } from 'zod';

/** One problem with an input, located by its JSON path ("endpoints[1].options.linger.seconds"). */
export interface FieldProblem {
  path: string;
  message: string;
}

export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out === '' ? '(root)' : out;
}

export function describeIssues(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({ path: formatPath(issue.path), message: issue.message }));
}

/** Parses with a schema; on failure throws an Error whose message names every bad field. */
export class ValidationError extends Error {
  readonly code = 'EINVAL';
  constructor(readonly what: string, readonly problems: FieldProblem[]) {
    super(`${what} is not valid:\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
    this.name = 'ValidationError';
  }
}

export function parseOrThrow<T extends z.ZodType>(schema: T, input: unknown, what: string): z.infer<T> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new ValidationError(what, describeIssues(parsed.error));
  return parsed.data;
}
