import { maxResultUploadChars, type ResultUpload } from '../../src-shared/report-export.js';
import { ApiCallError } from './api-error.js';

/** Uploads in progress at once; a browser sends one file at a time. */
const maxPendingUploads = 4;
/** An upload with no part for this long is forgotten, so an abandoned one holds no memory. */
const uploadIdleMs = 60_000;

interface PendingUpload {
  name: string;
  parts: number;
  received: Buffer[];
  base64Chars: number;
  lastPartAtMs: number;
}

/**
 * Puts together the parts of the result files browsers send (`results.load`): in order, one
 * upload id each, bounded in number, size and idle time. A part out of place drops its upload
 * with EINVAL, so a confused sender starts again rather than getting a spliced file.
 */
export class ResultUploads {
  private readonly pending = new Map<string, PendingUpload>();

  constructor(private readonly nowMs: () => number = Date.now) {}

  /** Takes one part; the whole gzip once the last part has arrived, else null. */
  add(upload: ResultUpload): Buffer | null {
    this.forgetIdle();
    if (upload.part === 0) this.pending.delete(upload.uploadId);
    const current = upload.part === 0 ? this.start(upload) : this.pending.get(upload.uploadId);
    if (current === undefined) {
      throw refused(`upload ${upload.uploadId} of ${upload.name} is not in progress (it began with part 0 more than ${uploadIdleMs / 1000} s ago, or never): send it again`, 'args[0].part');
    }
    if (current.name !== upload.name || current.parts !== upload.parts || current.received.length !== upload.part) {
      this.pending.delete(upload.uploadId);
      throw refused(`upload ${upload.uploadId} expected part ${current.received.length} of ${current.parts} of ${current.name}, got part ${upload.part} of ${upload.parts} of ${upload.name}: send it again`, 'args[0].part');
    }
    current.base64Chars += upload.gzipBase64.length;
    if (current.base64Chars > maxResultUploadChars) {
      this.pending.delete(upload.uploadId);
      throw new ApiCallError({ code: 'EFBIG', message: `the result ${upload.name} is larger than ${maxResultUploadChars / (1024 * 1024)} MiB of gzip in base64` });
    }
    current.received.push(Buffer.from(upload.gzipBase64, 'base64'));
    current.lastPartAtMs = this.nowMs();
    if (current.received.length < current.parts) return null;
    this.pending.delete(upload.uploadId);
    return Buffer.concat(current.received);
  }

  private start(upload: ResultUpload): PendingUpload {
    if (this.pending.size >= maxPendingUploads) {
      throw new ApiCallError({ code: 'EBUSY', message: `${maxPendingUploads} result files are being sent already: wait for one to finish` });
    }
    const started: PendingUpload = { name: upload.name, parts: upload.parts, received: [], base64Chars: 0, lastPartAtMs: this.nowMs() };
    this.pending.set(upload.uploadId, started);
    return started;
  }

  private forgetIdle(): void {
    const now = this.nowMs();
    for (const [uploadId, upload] of this.pending) {
      if (now - upload.lastPartAtMs > uploadIdleMs) this.pending.delete(uploadId);
    }
  }
}

function refused(message: string, path: string): ApiCallError {
  return new ApiCallError({ code: 'EINVAL', message, problems: [{ path, message }] });
}
