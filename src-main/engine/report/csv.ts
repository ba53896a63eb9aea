import {
  type ConnectionEvent,
  type ConnectionSample,
  type RunResult,
  type TcpInfo,
  connectionSampleSchema,
  tcpInfoSchema,
} from '../../../src-shared/result.js';

/**
 * A run's series as CSV files (RFC 4180: CRLF line ends, a header row, cells quoted when they
 * hold a comma, a quote or a line break). Empty cells stand for null or absent values.
 */

/** One file of a report: its name within the report directory and its text. */
export interface CsvFile {
  name: string;
  text: string;
}

export type CsvCell = string | number | boolean | null | undefined;

/** The sample columns before the TCP_INFO ones, in the result schema's order. */
const sampleFields = Object.keys(connectionSampleSchema.shape).filter((field) => field !== 'tcp') as Exclude<keyof ConnectionSample, 'tcp'>[];
const tcpFields = Object.keys(tcpInfoSchema.shape) as (keyof TcpInfo)[];
const eventFields = ['atMs', 'type', 'state', 'how', 'abortive', 'code', 'message', 'local', 'remote'] as const satisfies readonly (keyof ConnectionEvent)[];

/** The header of `<endpoint>-samples.csv`: connection, every sample field, then tcp.state, tcp.rttUs, ... */
export const sampleColumns: readonly string[] = ['connection', ...sampleFields, ...tcpFields.map((field) => `tcp.${field}`)];
export const eventColumns: readonly string[] = ['endpoint', 'connection', ...eventFields];
export const captureColumns: readonly string[] = ['atUs', 'endpoint', 'connection', 'direction', 'bytes', 'previewHex'];

/** Every file of the CSV report: one `<endpoint>-samples.csv` per endpoint, then events.csv and capture.csv. */
export function toCsvFiles(result: RunResult): CsvFile[] {
  const files = result.endpoints.map((endpoint) => {
    const rows = endpoint.connections.flatMap((connection) =>
      connection.samples.map((sample) => [
        connection.id,
        ...sampleFields.map((field) => sample[field]),
        ...tcpFields.map((field) => (sample.tcp === null ? null : sample.tcp[field])),
      ]),
    );
    return { name: samplesFileName(endpoint.id), text: csvText(sampleColumns, rows) };
  });

  const eventRows = result.endpoints.flatMap((endpoint) =>
    endpoint.connections.flatMap((connection) =>
      connection.events.map((event) => [endpoint.id, connection.id, ...eventFields.map((field) => event[field])]),
    ),
  );
  files.push({ name: 'events.csv', text: csvText(eventColumns, eventRows) });

  const captureRows = result.capture.entries.map((entry) => [entry.atUs, entry.endpoint, entry.connection, entry.direction, entry.bytes, entry.previewHex]);
  files.push({ name: 'capture.csv', text: csvText(captureColumns, captureRows) });
  return files;
}

/** `<endpoint>-samples.csv`; characters a profile's ids never hold become "_", so the name stays in its directory. */
export function samplesFileName(endpointId: string): string {
  return `${endpointId.replace(/[^A-Za-z0-9_-]/g, '_')}-samples.csv`;
}

/** A header row and data rows as CSV text, each line ended by CRLF. */
export function csvText(header: readonly string[], rows: readonly (readonly CsvCell[])[]): string {
  return [header, ...rows].map((row) => `${row.map(csvCell).join(',')}\r\n`).join('');
}

/** One cell: null and undefined are empty; text with a comma, quote or line break is quoted, quotes doubled. */
export function csvCell(value: CsvCell): string {
  if (value === null || value === undefined) return '';
  const text = String(value);
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}
