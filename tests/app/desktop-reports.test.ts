// Results and reports on the desktop: main's IPC handlers, the API service and the native-dialog
// outlet, with the dialogs answered by the test and real files in a scratch folder.
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunResult } from '../../src-shared/result.js';
import { maxResultTextBytes } from '../../src-shared/report-export.js';
import type { CallReply } from '../../src-shared/ipc-channels.js';
import { createApiService } from '../../src-main/engine/api-service.js';
import type { EngineHost } from '../../src-main/engine/host-keeper.js';
import type { ProfileStore } from '../../src-main/engine/profile-store.js';
import { toCsvFiles } from '../../src-main/engine/report/csv.js';
import { toPcapng } from '../../src-main/engine/report/pcapng.js';
import { DesktopReportOutlet, type ReportDialogs } from '../../src-main/app/desktop-report-outlet.js';
import { registerApiHandlers, type InvokeEventLike, type IpcMainLike } from '../../src-main/app/ipc-handlers.js';
import { isOwnRendererUrl, resolveRendererSource } from '../../src-main/app/renderer-source.js';
import { connectionOf, endpointResultOf, resultOf } from '../helpers/results.js';

type Handler = (event: InvokeEventLike, ...args: unknown[]) => Promise<CallReply>;

const idleHost: EngineHost = { pid: 1, start: () => Promise.reject(new Error('no runs in this test')), onExit: () => undefined, close: () => undefined };
const noProfiles: ProfileStore = { list: async () => [], open: async () => null, save: async () => null };
const indexHtml = '/opt/Sockscope/resources/app.asar/out/renderer/index.html';
const source = resolveRendererSource(undefined, indexHtml);
const ownUrl = pathToFileURL(indexHtml).href;

/** Dialogs that answer with the next path the test queued, or null (cancel) when none is. */
class ScriptedDialogs implements ReportDialogs {
  answers: (string | null)[] = [];
  asked: string[] = [];
  private next(what: string): Promise<string | null> {
    this.asked.push(what);
    return Promise.resolve(this.answers.shift() ?? null);
  }
  chooseResultToOpen() {
    return this.next('open');
  }
  chooseReportFile(suggestedName: string, format: string) {
    return this.next(`save ${format} ${suggestedName}`);
  }
  chooseCsvFolder(suggestedName: string) {
    return this.next(`folder ${suggestedName}`);
  }
}

function setUp() {
  const handlers = new Map<string, Handler>();
  const ipcMain: IpcMainLike = { handle: (channel, listener) => handlers.set(channel, listener), removeHandler: (channel) => handlers.delete(channel) };
  const dialogs = new ScriptedDialogs();
  const service = createApiService({ host: () => idleHost, restartHost: async () => undefined, profiles: noProfiles, version: '0', reports: new DesktopReportOutlet(dialogs) });
  registerApiHandlers(ipcMain, service, (url) => isOwnRendererUrl(url, source));
  const invoke = (name: string, ...args: unknown[]) => handlers.get(`sockscope:${name}`)!({ senderFrame: { url: ownUrl } }, ...args);
  return { invoke, dialogs };
}

function sampleResult(): RunResult {
  const server = endpointResultOf({ id: 'server', role: 'server', transport: 'tcp', connections: [connectionOf({ id: 1, local: '127.0.0.1:4000', remote: '127.0.0.1:50000' })] });
  const client = endpointResultOf({ id: 'client', role: 'client', transport: 'tcp', connections: [connectionOf({ id: 2, local: '127.0.0.1:50000', remote: '127.0.0.1:4000' })] });
  const result = resultOf([server, client], [
    { atUs: 1000, endpoint: 'client', connection: 2, direction: 'write', bytes: 5, previewHex: '68656c6c6f' },
    { atUs: 1100, endpoint: 'server', connection: 1, direction: 'read', bytes: 5, previewHex: '68656c6c6f' },
  ]);
  return { ...result, profile: { ...result.profile, name: 'desktop report' } };
}

let scratch: string;
let resultPath: string;
const result = sampleResult();

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sockscope-desktop-reports-'));
  resultPath = join(scratch, 'run.json');
  await writeFile(resultPath, JSON.stringify(result));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('results and reports on the desktop', () => {
  it('opens a result through the dialog and writes each report where the user chose', async () => {
    const { invoke, dialogs } = setUp();
    dialogs.answers = [resultPath];
    const opened = await invoke('results.open');
    expect(opened).toMatchObject({ ok: true, value: { name: 'run.json', result: { profile: { name: 'desktop report' } } } });
    const { resultId } = (opened as { value: { resultId: string } }).value;

    const htmlPath = join(scratch, 'report.html');
    const pcapngPath = join(scratch, 'capture.pcapng');
    const csvFolder = join(scratch, 'new', 'csv');
    dialogs.answers = [htmlPath, pcapngPath, csvFolder];
    expect(await invoke('reports.export', resultId, 'html')).toEqual({ ok: true, value: { kind: 'saved', paths: [htmlPath] } });
    expect(await invoke('reports.export', resultId, 'pcapng')).toEqual({ ok: true, value: { kind: 'saved', paths: [pcapngPath] } });
    const csv = await invoke('reports.export', resultId, 'csv');
    const expected = toCsvFiles(result);
    expect(csv).toEqual({ ok: true, value: { kind: 'saved', paths: expected.map((file) => join(csvFolder, file.name)) } });

    expect(dialogs.asked).toEqual([
      'open',
      expect.stringMatching(/^save html sockscope-desktop-report-.+\.html$/),
      expect.stringMatching(/^save pcapng sockscope-desktop-report-.+\.pcapng$/),
      expect.stringMatching(/^folder sockscope-desktop-report-.+-csv$/),
    ]);
    expect(await readFile(htmlPath, 'utf8')).toContain('desktop report');
    expect((await readFile(pcapngPath)).equals(toPcapng(result))).toBe(true);
    expect((await readdir(csvFolder)).sort()).toEqual(expected.map((file) => file.name).sort());
    for (const file of expected) expect(await readFile(join(csvFolder, file.name), 'utf8')).toBe(file.text);
  });

  it('writes nothing when the user cancels a dialog', async () => {
    const { invoke, dialogs } = setUp();
    expect(await invoke('results.open')).toEqual({ ok: true, value: null });
    dialogs.answers = [resultPath];
    const { resultId } = ((await invoke('results.open')) as { value: { resultId: string } }).value;
    const before = await readdir(scratch);
    expect(await invoke('reports.export', resultId, 'html')).toEqual({ ok: true, value: null });
    expect(await invoke('reports.export', resultId, 'csv')).toEqual({ ok: true, value: null });
    expect(await readdir(scratch)).toEqual(before);
  });

  it('refuses a malformed, a missing and an oversized result file with the file and the field', async () => {
    const { invoke, dialogs } = setUp();
    const brokenPath = join(scratch, 'broken.json');
    await writeFile(brokenPath, JSON.stringify({ ...result, endpoints: 'none' }));
    dialogs.answers = [brokenPath];
    const broken = await invoke('results.open');
    expect(broken).toMatchObject({ ok: false, error: { code: 'EINVAL', problems: [{ path: 'endpoints' }] } });
    expect((broken as { error: { message: string } }).error.message).toContain('broken.json');

    dialogs.answers = [join(scratch, 'gone.json')];
    expect(await invoke('results.open')).toMatchObject({ ok: false, error: { code: 'ENOENT', message: expect.stringContaining('gone.json') } });

    // A sparse file: its size is checked before a byte is read.
    const hugePath = join(scratch, 'huge.json');
    await writeFile(hugePath, '');
    await truncate(hugePath, maxResultTextBytes + 1);
    dialogs.answers = [hugePath];
    expect(await invoke('results.open')).toMatchObject({ ok: false, error: { code: 'EFBIG', message: expect.stringContaining('huge.json') } });
    await rm(hugePath);
  });

  it('refuses a report path that cannot be written, with its code, and keeps serving', async () => {
    const { invoke, dialogs } = setUp();
    dialogs.answers = [resultPath];
    const { resultId } = ((await invoke('results.open')) as { value: { resultId: string } }).value;
    const folder = join(scratch, 'a-folder');
    await mkdir(folder, { recursive: true });
    dialogs.answers = [folder];
    expect(await invoke('reports.export', resultId, 'html')).toMatchObject({ ok: false, error: { code: 'EISDIR' } });
    expect(await invoke('reports.export', 'file-99', 'html')).toMatchObject({ ok: false, error: { code: 'ENOENT' } });
    expect(await invoke('reports.export', resultId, 'docx')).toMatchObject({ ok: false, error: { code: 'EINVAL', problems: [{ path: 'args[1]' }] } });
    expect(await invoke('app.version')).toEqual({ ok: true, value: '0' });
  });
});
