import { computed, ref, shallowRef, watch } from 'vue';
import { defineStore } from 'pinia';
import type { ApiError } from '../../../src-shared/api.js';
import { resultsKept, type ReportFormat } from '../../../src-shared/report-export.js';
import type { RunResult } from '../../../src-shared/result.js';
import { getApi } from '../api/index.js';
import { describeFailure } from '../api/errors.js';
import { useRunStore } from './useRunStore.js';

/** A result the Reports and Compare views can show: a finished run's, or a file the user opened. */
export interface ResultEntry {
  /** The id the API service keeps it under: the run's id, or the one given to the opened file. */
  resultId: string;
  /** What the user calls it: the file name, or the scenario and the time of the run. */
  name: string;
  source: 'run' | 'file';
  result: RunResult;
}

/** The outcome of the last export, shown beside the export buttons. */
export interface ExportOutcome {
  format: ReportFormat;
  files: string[] | null;
  failure: ApiError | null;
}

function runEntryName(result: RunResult): string {
  const started = new Date(result.startedAt);
  const time = Number.isNaN(started.getTime()) ? result.startedAt : started.toLocaleTimeString([], { hour12: false });
  return `${result.profile.name} (run at ${time})`;
}

/**
 * The results of this session, newest first and as many as the API service keeps (so each can
 * still be exported): every run that finishes, every file opened. Which one the Reports view
 * shows, which ones the Compare view puts side by side (the first chosen is the base), and the
 * outcome of opening and exporting.
 */
export const useResultsStore = defineStore('results', () => {
  const run = useRunStore();

  const entries = shallowRef<ResultEntry[]>([]);
  const selectedId = ref<string | null>(null);
  const comparedIds = ref<string[]>([]);
  const opening = ref(false);
  const openFailure = ref<ApiError | null>(null);
  const exporting = ref<ReportFormat | null>(null);
  const lastExport = shallowRef<ExportOutcome | null>(null);

  const selected = computed(() => entries.value.find((entry) => entry.resultId === selectedId.value) ?? null);
  const compared = computed(() =>
    comparedIds.value.flatMap((id) => {
      const entry = entries.value.find((candidate) => candidate.resultId === id);
      return entry ? [entry] : [];
    }),
  );

  /** Adds a result, replacing one under the same id (a restarted engine host counts runs from 1 again). */
  function add(entry: ResultEntry): void {
    const kept = [entry, ...entries.value.filter((other) => other.resultId !== entry.resultId)].slice(0, resultsKept);
    entries.value = kept;
    const ids = new Set(kept.map((other) => other.resultId));
    comparedIds.value = comparedIds.value.filter((id) => ids.has(id));
    selectedId.value = entry.resultId;
  }

  // Each run's result joins the list as it finishes, and is what the Reports view shows next.
  watch(
    () => run.result,
    (result) => {
      if (result && run.runId) add({ resultId: run.runId, name: runEntryName(result), source: 'run', result });
    },
  );

  function select(resultId: string): void {
    if (entries.value.some((entry) => entry.resultId === resultId)) selectedId.value = resultId;
    lastExport.value = null;
  }

  function setCompared(resultId: string, included: boolean): void {
    const others = comparedIds.value.filter((id) => id !== resultId);
    comparedIds.value = included && entries.value.some((entry) => entry.resultId === resultId) ? [...others, resultId] : others;
  }

  /** Asks the user for a result file; it joins the list and is selected, and compared when `compare` says so. */
  async function open(compare = false): Promise<boolean> {
    opening.value = true;
    openFailure.value = null;
    try {
      const opened = await getApi().results.open();
      if (opened === null) return false;
      add({ resultId: opened.resultId, name: opened.name, source: 'file', result: opened.result });
      if (compare) setCompared(opened.resultId, true);
      return true;
    } catch (error) {
      openFailure.value = describeFailure(error);
      return false;
    } finally {
      opening.value = false;
    }
  }

  /** Exports the selected result's report in one format; the outcome is kept in lastExport. */
  async function exportReport(format: ReportFormat): Promise<boolean> {
    const entry = selected.value;
    if (entry === null || exporting.value !== null) return false;
    exporting.value = format;
    lastExport.value = null;
    try {
      const exported = await getApi().reports.export(entry.resultId, format);
      lastExport.value = { format, files: exported?.files ?? null, failure: null };
      return exported !== null;
    } catch (error) {
      lastExport.value = { format, files: null, failure: describeFailure(error) };
      return false;
    } finally {
      exporting.value = null;
    }
  }

  return { entries, selectedId, comparedIds, opening, openFailure, exporting, lastExport, selected, compared, add, select, setCompared, open, exportReport };
});
