// The API service's results and reports: a real run's result sent as a browser sends it (gzip,
// base64), validated, kept, and exported through the same generators as `sockscope report`.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resultSchemaId, type RunResult } from '../../../src-shared/result.js';
import { maxResultTextBytes, maxResultUploadParts, resultUploadPartChars, reportDeliverySchema, type ReportDelivery, type ResultUpload } from '../../../src-shared/report-export.js';
import { toApiError } from '../../../src-main/engine/api-error.js';
import { createApiService, type ApiService } from '../../../src-main/engine/api-service.js';
import type { EngineHost, EngineRun } from '../../../src-main/engine/host-keeper.js';
import type { ProfileStore } from '../../../src-main/engine/profile-store.js';
import { toCsvFiles } from '../../../src-main/engine/report/csv.js';
import { toPcapng } from '../../../src-main/engine/report/pcapng.js';
import { runProfile } from '../../../src-main/engine/run.js';
import { ResultUploads } from '../../../src-main/engine/result-uploads.js';
import { profileOf } from '../../helpers/profiles.js';

const noProfiles: ProfileStore = { list: async () => [], open: async () => null, save: async () => null };

/** A host whose one run ends with the given result as soon as it starts. */
function hostFinishingWith(result: RunResult): EngineHost {
  return {
    pid: 1,
    start: async (): Promise<EngineRun> => ({ runId: 'run-1', listen: [], finished: Promise.resolve(result), stop: async () => result, command: async () => undefined }),
    onExit: () => undefined,
    close: () => undefined,
  };
}

function serviceOver(host: EngineHost): ApiService {
  return createApiService({ host: () => host, restartHost: async () => undefined, profiles: noProfiles, version: '0' });
}

let uploadsMade = 0;

/** A file as a browser sends it: gzipped, in base64, in parts of at most partChars (a multiple of 4). */
function uploadParts(name: string, text: string | Buffer, partChars = resultUploadPartChars): ResultUpload[] {
  const gzipBase64 = gzipSync(text, { level: 1 }).toString('base64');
  const uploadId = `upload-${++uploadsMade}`;
  const parts = Math.ceil(gzipBase64.length / partChars);
  return Array.from({ length: parts }, (_, part) => ({ name, uploadId, part, parts, gzipBase64: gzipBase64.slice(part * partChars, (part + 1) * partChars) }));
}

/** A file small enough for one part. */
function upload(name: string, text: string | Buffer): ResultUpload {
  const [only, ...rest] = uploadParts(name, text);
  if (only === undefined || rest.length > 0) throw new Error(`${name} does not fit one part`);
  return only;
}

async function failureOf(promise: Promise<unknown>) {
  try {
    await promise;
  } catch (error) {
    return toApiError(error);
  }
  throw new Error('the call was expected to fail');
}

function downloadOf(delivery: unknown): { name: string; mediaType: string; bytes: Buffer } {
  const parsed: ReportDelivery = reportDeliverySchema.parse(delivery);
  if (parsed.kind !== 'download') throw new Error('expected a download');
  expect(parsed.files).toHaveLength(1);
  const [file] = parsed.files;
  return { name: file!.name, mediaType: file!.mediaType, bytes: Buffer.from(file!.base64, 'base64') };
}

let result: RunResult;
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sockscope-reports-'));
  result = await runProfile(
    profileOf(
      [
        { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, options: { noDelay: true }, workload: { kind: 'echo' } },
        { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'server' }, options: { noDelay: true }, workload: { kind: 'ping-pong', messageBytes: 100, messagesPerSecond: 500 } },
      ],
      { name: 'reports: echo', durationMs: 300 },
    ),
  );
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('results and reports in the API service', () => {
  it('keeps a result file a browser sent and exports its HTML, pcapng and CSV as downloads', async () => {
    const service = serviceOver(hostFinishingWith(result));
    const opened = (await service.call('results.load', [upload('echo.json', JSON.stringify(result))])) as { resultId: string; name: string; result: RunResult };
    expect(opened.name).toBe('echo.json');
    expect(opened.result.schema).toBe(resultSchemaId);
    expect(result.capture.entries.length).toBeGreaterThan(100);
    expect(result.cpuTime!.userMs + result.cpuTime!.systemMs).toBeGreaterThan(0);
    expect(opened.result.capture.entries.length).toBe(result.capture.entries.length);

    const html = downloadOf(await service.call('reports.export', [opened.resultId, 'html']));
    expect(html.name).toMatch(/^sockscope-reports-echo-.+\.html$/);
    expect(html.mediaType).toBe('text/html');
    expect(html.bytes.toString('utf8')).toContain('reports: echo');

    const pcapng = downloadOf(await service.call('reports.export', [opened.resultId, 'pcapng']));
    expect(pcapng.name).toMatch(/\.pcapng$/);
    expect(pcapng.bytes.equals(toPcapng(result))).toBe(true);

    // The CSV files travel as one zip; Python's zipfile checks every CRC and reads them back.
    const zip = downloadOf(await service.call('reports.export', [opened.resultId, 'csv']));
    expect(zip.name).toMatch(/-csv\.zip$/);
    const zipPath = join(scratch, zip.name);
    await writeFile(zipPath, zip.bytes);
    const script = 'import json,sys,zipfile\nz=zipfile.ZipFile(sys.argv[1])\nassert z.testzip() is None\nprint(json.dumps({n: z.read(n).decode() for n in z.namelist()}))';
    const { stdout } = await promisify(execFile)('python3', ['-c', script, zipPath], { maxBuffer: 256 * 1024 * 1024 });
    const unpacked = JSON.parse(stdout) as Record<string, string>;
    const expected = toCsvFiles(result);
    expect(Object.keys(unpacked)).toEqual(expected.map((file) => file.name));
    for (const file of expected) expect(unpacked[file.name]).toBe(file.text);
  });

  it('keeps a finished run\'s result under its run id', async () => {
    const service = serviceOver(hostFinishingWith(result));
    const started = (await service.call('runs.start', [{}])) as { runId: string };
    await new Promise((resolve) => setTimeout(resolve, 0));
    const pcapng = downloadOf(await service.call('reports.export', [started.runId, 'pcapng']));
    expect(pcapng.bytes.equals(toPcapng(result))).toBe(true);
  });

  it('puts a result sent in parts back together, and makes a sender whose parts are out of place start again', async () => {
    const service = serviceOver(hostFinishingWith(result));
    const text = JSON.stringify(result);
    const parts = uploadParts('parts.json', text, 4096);
    expect(parts.length).toBeGreaterThan(3);
    for (const part of parts.slice(0, -1)) expect(await service.call('results.load', [part])).toBeNull();
    const opened = (await service.call('results.load', [parts.at(-1)])) as { resultId: string; result: RunResult };
    expect(JSON.stringify(opened.result)).toBe(text);

    const again = uploadParts('again.json', text, 4096);
    expect(await service.call('results.load', [again[0]])).toBeNull();
    const skipped = await failureOf(service.call('results.load', [again[2]]));
    expect(skipped).toMatchObject({ code: 'EINVAL', problems: [{ path: 'args[0].part' }] });
    expect(skipped.message).toContain('expected part 1');
    // The upload was dropped: even the right next part is refused until part 0 comes again.
    expect(await failureOf(service.call('results.load', [again[1]]))).toMatchObject({ code: 'EINVAL' });
    for (const part of again.slice(0, -1)) expect(await service.call('results.load', [part])).toBeNull();
    expect(await service.call('results.load', [again.at(-1)])).toMatchObject({ name: 'again.json' });
  });

  it('bounds the uploads in progress and forgets an abandoned one', () => {
    let nowMs = 0;
    const uploads = new ResultUploads(() => nowMs);
    const firsts = [1, 2, 3, 4, 5].map((n) => uploadParts(`f${n}.json`, `{"n":${n}}`.repeat(2000), 64));
    for (const parts of firsts.slice(0, 4)) expect(uploads.add(parts[0]!)).toBeNull();
    expect(() => uploads.add(firsts[4]![0]!)).toThrow(expect.objectContaining({ code: 'EBUSY' }));
    nowMs += 61_000;
    // The four idle uploads are forgotten: the fifth starts, and a late part of the first is refused.
    expect(uploads.add(firsts[4]![0]!)).toBeNull();
    expect(() => uploads.add(firsts[0]![1]!)).toThrow(/not in progress/);
  });

  it('refuses a malformed result with the file and the field at fault, and keeps serving', async () => {
    const service = serviceOver(hostFinishingWith(result));
    const broken = { ...result, endpoints: [{ ...result.endpoints[0], throughput: { bitsPerSecondIn: 'fast' } }] };
    const failure = await failureOf(service.call('results.load', [upload('broken.json', JSON.stringify(broken))]));
    expect(failure.code).toBe('EINVAL');
    expect(failure.message).toContain('broken.json');
    expect(failure.problems?.map((problem) => problem.path)).toContain('endpoints[0].throughput.bitsPerSecondIn');

    const notJson = await failureOf(service.call('results.load', [upload('notes.json', 'not json at all')]));
    expect(notJson).toMatchObject({ code: 'EINVAL', problems: [{ path: '(root)' }] });
    expect(notJson.message).toContain('notes.json');

    const badDate = await failureOf(service.call('results.load', [upload('date.json', JSON.stringify({ ...result, startedAt: 'yesterday' }))]));
    expect(badDate.problems).toEqual([{ path: 'startedAt', message: 'not a date: "yesterday"' }]);

    expect(await service.call('app.version', [])).toBe('0');
  });

  it('refuses what is not gzip, an upload over one message, and a result that unpacks too large', async () => {
    const service = serviceOver(hostFinishingWith(result));
    const single = { name: 'a.json', uploadId: 'not-gzip-1', part: 0, parts: 1 };
    const notGzip = await failureOf(service.call('results.load', [{ ...single, gzipBase64: Buffer.from('{}').toString('base64') }]));
    expect(notGzip).toMatchObject({ code: 'EINVAL', problems: [{ path: 'args[0].gzipBase64' }] });
    expect(notGzip.message).toContain('a.json');

    const tooLong = await failureOf(service.call('results.load', [{ ...single, gzipBase64: 'A'.repeat(resultUploadPartChars + 4) }]));
    expect(tooLong).toMatchObject({ code: 'EINVAL', problems: [{ path: 'args[0].gzipBase64' }] });
    const tooManyParts = await failureOf(service.call('results.load', [{ ...single, parts: maxResultUploadParts + 1, gzipBase64: 'AAAA' }]));
    expect(tooManyParts).toMatchObject({ code: 'EINVAL', problems: [{ path: 'args[0].parts' }] });

    // A gzip bomb: 129 MiB of spaces pack into about 130 kB.
    const bomb = await failureOf(service.call('results.load', [upload('bomb.json', Buffer.alloc(maxResultTextBytes + 1024 * 1024, 0x20))]));
    expect(bomb.code).toBe('EFBIG');
    expect(bomb.message).toContain('bomb.json');
  });

  it('refuses an export of an unknown result or format, naming the argument', async () => {
    const service = serviceOver(hostFinishingWith(result));
    expect(await failureOf(service.call('reports.export', ['file-9', 'html']))).toMatchObject({ code: 'ENOENT' });
    expect(await failureOf(service.call('reports.export', ['run-1', 'pdf']))).toMatchObject({ code: 'EINVAL', problems: [{ path: 'args[1]' }] });
    expect(await failureOf(service.call('results.load', [{ name: '', uploadId: 'empty-name', part: 0, parts: 1, gzipBase64: 'AA==' }]))).toMatchObject({ code: 'EINVAL', problems: [{ path: 'args[0].name' }] });
    // The agent has no dialog: the browser reads files itself.
    expect(await failureOf(service.call('results.open', []))).toMatchObject({ code: 'ENOSYS' });
  });
});
