import { z } from 'zod';
import type { RunResult } from './result.js';

/**
 * The contract of the Reports and Compare views: results kept by the API service under an id (a
 * finished run's id, or one given to a file the user opened), and the report files made from
 * them on the Node side. On the desktop main asks where and writes the files; to a browser the
 * agent sends them back to download.
 */

export const resultIdSchema = z.string().min(1).max(64);

/** Results the API service keeps for reports, and the renderer lists: each finished run's and each file opened, the newest few. */
export const resultsKept = 8;

export const reportFormats = ['html', 'csv', 'pcapng'] as const;
export const reportFormatSchema = z.enum(reportFormats);
export type ReportFormat = z.infer<typeof reportFormatSchema>;

/** The largest result the service reads, as JSON text: the file on the desktop, the text after gunzip from a browser. */
export const maxResultTextBytes = 128 * 1024 * 1024;

/**
 * A browser sends a result gzipped, in parts of at most this many base64 characters: each part is
 * one WebSocket frame, and the agent takes frames of at most 4 MiB. A multiple of 4, so every part
 * decodes on its own.
 */
export const resultUploadPartChars = 3 * 1024 * 1024;

/** The largest gzipped result a browser sends, in base64 characters (48 MiB of gzip). */
export const maxResultUploadChars = 64 * 1024 * 1024;
export const maxResultUploadParts = Math.ceil(maxResultUploadChars / resultUploadPartChars);

/** A result kept by the service; `result` is validated by whoever receives it. */
export const openedResultSchema = z.strictObject({
  resultId: resultIdSchema,
  /** The file name, or the scenario's name for a run. */
  name: z.string().min(1).max(4096),
  result: z.unknown(),
});
export type OpenedResultMessage = z.infer<typeof openedResultSchema>;
export interface OpenedResult {
  resultId: string;
  name: string;
  result: RunResult;
}

/**
 * One part of a result file as a browser sends it to the agent: the file's gzip, in base64, cut
 * into `parts` pieces sent in order under one `uploadId`. The service answers null until the last.
 */
export const resultUploadSchema = z
  .strictObject({
    name: z.string().min(1).max(255),
    uploadId: z.string().regex(/^[A-Za-z0-9_-]{8,64}$/, 'an upload id is 8 to 64 letters, digits, "_" or "-"'),
    part: z.int().min(0),
    parts: z.int().min(1).max(maxResultUploadParts, `a gzipped result is at most ${maxResultUploadParts} parts (${maxResultUploadChars / (1024 * 1024)} MiB of base64)`),
    gzipBase64: z
      .string()
      .min(4)
      .max(resultUploadPartChars, `a part is at most ${resultUploadPartChars} base64 characters, one message to the agent`)
      .regex(/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$/, 'base64 in whole groups of 4 characters'),
  })
  .refine((upload) => upload.part < upload.parts, { path: ['part'], message: 'the part number is past the last part' });
export type ResultUpload = z.infer<typeof resultUploadSchema>;

/** One file of a report to download. */
export const reportDownloadSchema = z.strictObject({
  name: z.string().min(1).max(255),
  mediaType: z.string().min(1).max(100),
  base64: z.string(),
});
export type ReportDownload = z.infer<typeof reportDownloadSchema>;

/** How a report reached the user: written by main where the user chose, or sent back for the browser to download. */
export const reportDeliverySchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('saved'), paths: z.array(z.string().min(1)).min(1) }),
  z.strictObject({ kind: z.literal('download'), files: z.array(reportDownloadSchema).min(1) }),
]);
export type ReportDelivery = z.infer<typeof reportDeliverySchema>;

/** What the renderer learns of an export: the paths written, or the names of the downloads. */
export interface ExportedReport {
  files: string[];
}

/** The start of every file name of a result's exports: the scenario's name and the run's start, safe on every system. */
export function resultBaseName(result: Pick<RunResult, 'profile' | 'startedAt'>): string {
  const name = result.profile.name.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60) || 'run';
  const started = result.startedAt.replace(/[:.]/g, '-').replace(/[^A-Za-z0-9_-]+/g, '-').slice(0, 40);
  return `sockscope-${name}-${started}`;
}
