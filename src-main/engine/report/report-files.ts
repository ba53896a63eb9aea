import { resultBaseName, type ReportFormat } from '../../../src-shared/report-export.js';
import type { RunResult } from '../../../src-shared/result.js';
import { toCsvFiles } from './csv.js';
import { toHtmlReport } from './html.js';
import { toPcapng } from './pcapng.js';

/** One generated file of a report: the name it is offered under, its media type and its bytes. */
export interface ReportFile {
  name: string;
  mediaType: string;
  bytes: Buffer;
}

/**
 * The files of one report of a result, made by the same generators as `sockscope report`: one
 * HTML page, one pcapng capture, or the CSV files (a samples file per endpoint, events, capture).
 */
export function reportFilesOf(result: RunResult, format: ReportFormat): ReportFile[] {
  const base = resultBaseName(result);
  switch (format) {
    case 'html':
      return [{ name: `${base}.html`, mediaType: 'text/html', bytes: Buffer.from(toHtmlReport(result), 'utf8') }];
    case 'pcapng':
      return [{ name: `${base}.pcapng`, mediaType: 'application/vnd.tcpdump.pcap', bytes: toPcapng(result) }];
    case 'csv':
      return toCsvFiles(result).map((file) => ({ name: file.name, mediaType: 'text/csv', bytes: Buffer.from(file.text, 'utf8') }));
  }
}
