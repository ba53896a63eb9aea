import { resultsKept } from '../../src-shared/report-export.js';
import type { RunResult } from '../../src-shared/result.js';
import { ApiCallError } from './api-error.js';

/**
 * The results the API service keeps so that a report names one by id instead of sending it
 * back: a result can be tens of megabytes. Bounded: the oldest goes when a ninth arrives.
 */
export class ResultShelf {
  private readonly results = new Map<string, RunResult>();
  private openedCount = 0;

  put(resultId: string, result: RunResult): void {
    this.results.delete(resultId);
    this.results.set(resultId, result);
    for (const oldest of this.results.keys()) {
      if (this.results.size <= resultsKept) break;
      this.results.delete(oldest);
    }
  }

  /** A new id for an opened file; run ids come from the engine host and never look like it. */
  nextOpenedId(): string {
    this.openedCount += 1;
    return `file-${this.openedCount}`;
  }

  /** The result under this id; ENOENT when it never was here or was dropped for newer ones. */
  get(resultId: string): RunResult {
    const result = this.results.get(resultId);
    if (result === undefined) {
      throw new ApiCallError({ code: 'ENOENT', message: `the result "${resultId}" is not kept here (the newest ${resultsKept} are): open its file again` });
    }
    return result;
  }
}
