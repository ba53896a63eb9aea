import { readFile } from 'node:fs/promises';
import { type RunResult, resultSchema } from '../../../src-shared/result.js';
import { ValidationError, parseOrThrow } from '../../../src-shared/validation.js';

/** Reads and validates a result file; a ValidationError names every bad field. */
export async function loadResultFile(path: string): Promise<RunResult> {
  return parseResultText(await readFile(path, 'utf8'), path);
}

/**
 * Parses a result as `sockscope run --out` writes it. Beyond the schema, startedAt must be a date,
 * since report timestamps are counted from it.
 */
export function parseResultText(text: string, name = 'the result'): RunResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ValidationError(name, [{ path: '(root)', message: `not valid JSON: ${(error as Error).message}` }]);
  }
  const result = parseOrThrow(resultSchema, json, name);
  if (Number.isNaN(Date.parse(result.startedAt))) {
    throw new ValidationError(name, [{ path: 'startedAt', message: `not a date: "${result.startedAt}"` }]);
  }
  return result;
}
