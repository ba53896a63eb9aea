import { mkdir, open, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { maxResultTextBytes, resultBaseName, type ReportDelivery, type ReportFormat } from '../../src-shared/report-export.js';
import type { RunResult } from '../../src-shared/result.js';
import { ApiCallError } from '../engine/api-error.js';
import type { ReportOutlet } from '../engine/report-outlet.js';
import type { ReportFile } from '../engine/report/report-files.js';

/** The native dialogs of the Reports view; each resolves null when the user cancels. */
export interface ReportDialogs {
  chooseResultToOpen(): Promise<string | null>;
  /** Where to save one report file, suggesting its name. */
  chooseReportFile(suggestedName: string, format: Exclude<ReportFormat, 'csv'>): Promise<string | null>;
  /** The folder the CSV files go in (created when missing), suggesting a name for it. */
  chooseCsvFolder(suggestedName: string): Promise<string | null>;
}

/**
 * Result files and reports on the desktop: main reads and writes only paths the user has just
 * chosen in a native dialog; the renderer never names a path.
 */
export class DesktopReportOutlet implements ReportOutlet {
  constructor(private readonly dialogs: ReportDialogs) {}

  async chooseResultFile(): Promise<{ name: string; text: string } | null> {
    const path = await this.dialogs.chooseResultToOpen();
    if (path === null) return null;
    return { name: basename(path), text: await readBoundedText(path) };
  }

  async deliver(result: RunResult, format: ReportFormat, files: ReportFile[]): Promise<ReportDelivery | null> {
    if (format === 'csv') {
      const folder = await this.dialogs.chooseCsvFolder(`${resultBaseName(result)}-csv`);
      if (folder === null) return null;
      await mkdir(folder, { recursive: true });
      const paths = files.map((file) => join(folder, file.name));
      await Promise.all(files.map((file, index) => writeFile(paths[index] ?? '', file.bytes)));
      return { kind: 'saved', paths };
    }
    const [file] = files;
    if (file === undefined) throw new ApiCallError({ code: 'EINTERNAL', message: `the ${format} report has no file` });
    const path = await this.dialogs.chooseReportFile(file.name, format);
    if (path === null) return null;
    await writeFile(path, file.bytes);
    return { kind: 'saved', paths: [path] };
  }
}

/** A result file's text; EFBIG, naming the file, when it is larger than any result the service reads. */
async function readBoundedText(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const { size } = await handle.stat();
    if (size > maxResultTextBytes) {
      throw new ApiCallError({ code: 'EFBIG', message: `the result ${basename(path)} is ${(size / (1024 * 1024)).toFixed(0)} MiB; at most ${maxResultTextBytes / (1024 * 1024)} MiB is read` });
    }
    return await handle.readFile('utf8');
  } finally {
    await handle.close();
  }
}
