import { gunzip } from 'node:zlib';
import { promisify } from 'node:util';
import { maxResultTextBytes, resultBaseName, type ReportDelivery, type ReportFormat } from '../../src-shared/report-export.js';
import type { RunResult } from '../../src-shared/result.js';
import { ApiCallError } from './api-error.js';
import type { ReportFile } from './report/report-files.js';
import { toZip } from './report/zip.js';

const gunzipAsync = promisify(gunzip);

/**
 * Where results come from and reports go, which differs by host: the desktop asks with native
 * dialogs and main writes the files; the agent has no dialog, so a browser picks the file itself
 * and downloads what the agent sends back.
 */
export interface ReportOutlet {
  /** Asks the user for a result file: its name and text, or null when cancelled. */
  chooseResultFile(): Promise<{ name: string; text: string } | null>;
  /** Hands a report's files to the user; null when the user cancelled. */
  deliver(result: RunResult, format: ReportFormat, files: ReportFile[]): Promise<ReportDelivery | null>;
}

/** The agent's outlet: no dialogs; every report comes back as one download, CSV files zipped. */
export const downloadOutlet: ReportOutlet = {
  chooseResultFile() {
    return Promise.reject(new ApiCallError({ code: 'ENOSYS', message: 'the agent has no file dialog: the browser reads a result file and sends it (results.load)' }));
  },
  async deliver(result, format, files) {
    const download =
      format === 'csv'
        ? { name: `${resultBaseName(result)}-csv.zip`, mediaType: 'application/zip', bytes: toZip(files.map((file) => ({ name: file.name, data: file.bytes }))) }
        : files[0];
    if (download === undefined) throw new ApiCallError({ code: 'EINTERNAL', message: `the ${format} report has no file` });
    return { kind: 'download', files: [{ name: download.name, mediaType: download.mediaType, base64: download.bytes.toString('base64') }] };
  },
};

/** The text of a result a browser sent gzipped; EFBIG past maxResultTextBytes, EINVAL when it is not gzip. */
export async function unpackResultUpload(name: string, packed: Buffer): Promise<string> {
  let text: Buffer;
  try {
    text = await gunzipAsync(packed, { maxOutputLength: maxResultTextBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new ApiCallError({ code: 'EFBIG', message: `the result ${name} is larger than ${maxResultTextBytes / (1024 * 1024)} MiB` });
    }
    throw new ApiCallError({ code: 'EINVAL', message: `the result ${name} did not arrive as gzip: ${(error as Error).message}`, problems: [{ path: 'args[0].gzipBase64', message: 'not gzip' }] });
  }
  return text.toString('utf8');
}
