import type { z } from 'zod';
import { formatPath } from '../../../src-shared/validation.js';

/** Messages by field path, in the contract's path format ("endpoints[0].listen.port"). */
export type FieldIssues = Record<string, string[]>;

export function issuesByPath(issues: readonly Pick<z.core.$ZodIssue, 'path' | 'message'>[]): FieldIssues {
  const out: FieldIssues = {};
  for (const issue of issues) addIssue(out, formatPath(issue.path), issue.message);
  return out;
}

export function addIssue(out: FieldIssues, path: string, message: string): void {
  (out[path] ??= []).push(message);
}

/** The messages for a field, and for every field below it when `nested` is set. */
export function issuesAt(issues: FieldIssues, path: string, nested = false): string[] {
  if (!nested) return issues[path] ?? [];
  const out: string[] = [];
  for (const [key, messages] of Object.entries(issues)) {
    if (key === path || key.startsWith(`${path}.`) || key.startsWith(`${path}[`)) out.push(...messages);
  }
  return out;
}
