import type { RunResult } from '../../../src-shared/result.js';

/** A file name for a result: the scenario's name and the run's start, safe on every system. */
export function resultFileName(result: RunResult): string {
  const name = result.profile.name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  const started = result.startedAt.replace(/[:.]/g, '-');
  return `sockscope-${name}-${started}.json`;
}

/**
 * Hands the result to the browser as a download (a JSON file, sockscope.result/1), which the
 * command line's `report`, `compare` and the HTML report read. Electron shows its save dialog
 * for it; a browser saves it where the user keeps downloads.
 */
export function downloadResult(result: RunResult): void {
  const blob = new Blob([JSON.stringify(result, null, 2)], { type: 'application/json' });
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = resultFileName(result);
  document.body.append(link);
  link.click();
  link.remove();
  // The download has taken its copy once click() returned.
  setTimeout(() => URL.revokeObjectURL(url), 0);
}
