import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src-main/cli/args.js';
import { main } from '../../../src-main/cli/main.js';
import { connectionOf, endpointResultOf, resultOf } from '../../helpers/results.js';
import { recordingIo } from '../../helpers/cli-io.js';

const result = resultOf(
  [
    endpointResultOf({ id: 'server', role: 'server', transport: 'tcp', listen: '127.0.0.1:5000', connections: [connectionOf({ id: 1, local: '127.0.0.1:5000', remote: '127.0.0.1:40000' })] }),
    endpointResultOf({ id: 'client', role: 'client', transport: 'tcp', connections: [connectionOf({ id: 2, local: '127.0.0.1:40000', remote: '127.0.0.1:5000' })] }),
  ],
  [
    { atUs: 10, endpoint: 'client', connection: 2, direction: 'write', bytes: 4, previewHex: '70696e67' },
    { atUs: 20, endpoint: 'server', connection: 1, direction: 'read', bytes: 4, previewHex: '70696e67' },
  ],
);

let scratch: string;
let resultPath: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'sockscope-report-'));
  resultPath = join(scratch, 'result.json');
  await writeFile(resultPath, JSON.stringify(result));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('parseCommandLine report', () => {
  it('reads the result path and the outputs', () => {
    expect(parseCommandLine(['report', 'r.json', '--csv', 'out', '--pcapng', 'c.pcapng'])).toEqual({
      command: 'report',
      args: { resultPath: 'r.json', csvDirectory: 'out', pcapngPath: 'c.pcapng' },
    });
    expect(parseCommandLine(['report', 'r.json'])).toEqual({ command: 'report', args: { resultPath: 'r.json', csvDirectory: undefined, pcapngPath: undefined } });
  });

  it('asks for the report help in every spelling', () => {
    expect(parseCommandLine(['report', '--help'])).toEqual({ command: 'help', topic: 'report' });
    expect(parseCommandLine(['help', 'report'])).toEqual({ command: 'help', topic: 'report' });
  });
});

describe('sockscope report', () => {
  it('prints its help and exits 0', async () => {
    const io = recordingIo();
    expect(await main(['report', '--help'], io)).toBe(0);
    expect(io.out.join('')).toContain('Usage: sockscope report RESULT.json [--csv DIR] [--pcapng FILE]');
    const topLevel = recordingIo();
    await main(['--help'], topLevel);
    expect(topLevel.out.join('')).toMatch(/^\s+report RESULT\.json/m);
  });

  it('exits 2 without a result, or with two', async () => {
    const io = recordingIo();
    expect(await main(['report'], io)).toBe(2);
    expect(io.err.join('')).toContain('sockscope report --help');
    expect(await main(['report', 'a.json', 'b.json'], recordingIo())).toBe(2);
    expect(await main(['report', 'a.json', '--pcap', 'x'], recordingIo())).toBe(2);
  });

  it('exits 2 for a result that does not parse, naming the field', async () => {
    const bad = JSON.parse(JSON.stringify(result)) as { capture: { entries: { direction: string }[] } };
    (bad.capture.entries[0] as { direction: string }).direction = 'sideways';
    const path = join(scratch, 'bad.json');
    await writeFile(path, JSON.stringify(bad));
    const io = recordingIo();
    expect(await main(['report', path, '--pcapng', join(scratch, 'bad.pcapng')], io)).toBe(2);
    expect(io.err.join('')).toContain('capture.entries[0].direction');
    expect(io.err.join('')).not.toMatch(/^\s+at /m);
    await expect(stat(join(scratch, 'bad.pcapng'))).rejects.toThrow();
  });

  it('exits 2 for a file that is not JSON, or not there', async () => {
    const path = join(scratch, 'not.json');
    await writeFile(path, '{"schema": ');
    const io = recordingIo();
    expect(await main(['report', path], io)).toBe(2);
    expect(io.err.join('')).toContain('not valid JSON');
    const missing = recordingIo();
    expect(await main(['report', join(scratch, 'missing.json')], missing)).toBe(2);
    expect(missing.err.join('')).toContain('ENOENT');
  });

  it('exits 2 when startedAt is not a date', async () => {
    const path = join(scratch, 'undated.json');
    await writeFile(path, JSON.stringify({ ...result, startedAt: 'soon' }));
    const io = recordingIo();
    expect(await main(['report', path], io)).toBe(2);
    expect(io.err.join('')).toContain('startedAt');
  });

  it('prints the summary without options', async () => {
    const io = recordingIo();
    expect(await main(['report', resultPath], io)).toBe(0);
    expect(io.out.join('')).toMatch(/^test: completed after 1\.0 s/);
  });

  it('writes the CSV files and the pcapng capture, and exits 0', async () => {
    const csvDirectory = join(scratch, 'csv', 'nested');
    const pcapngPath = join(scratch, 'capture.pcapng');
    const io = recordingIo();
    expect(await main(['report', resultPath, '--csv', csvDirectory, '--pcapng', pcapngPath], io)).toBe(0);
    expect((await readdir(csvDirectory)).sort()).toEqual(['capture.csv', 'client-samples.csv', 'events.csv', 'server-samples.csv']);
    expect(await readFile(join(csvDirectory, 'capture.csv'), 'utf8')).toContain('20,server,1,read,4,70696e67\r\n');
    const pcapng = await readFile(pcapngPath);
    expect(pcapng.readUInt32LE(0)).toBe(0x0a0d0d0a);
    expect(io.err.join('')).toContain(pcapngPath);
  });

  it('exits 2 when an output path cannot be one', async () => {
    const io = recordingIo();
    expect(await main(['report', resultPath, '--pcapng', join(scratch, 'no-such-dir', 'c.pcapng')], io)).toBe(2);
    expect(io.err.join('')).toContain('does not exist');
    expect(await main(['report', resultPath, '--csv', resultPath], recordingIo())).toBe(2);
  });
});
