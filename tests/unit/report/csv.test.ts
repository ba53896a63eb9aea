import { describe, expect, it } from 'vitest';
import { captureColumns, csvCell, csvText, eventColumns, sampleColumns, samplesFileName, toCsvFiles } from '../../../src-main/engine/report/csv.js';
import type { ConnectionSample, TcpInfo } from '../../../src-shared/result.js';
import { connectionOf, endpointResultOf, resultOf } from '../../helpers/results.js';

const tcp: TcpInfo = {
  state: 'ESTABLISHED',
  rttUs: 52,
  rttVarUs: 20,
  cwndSegments: 10,
  ssthreshSegments: 2147483647,
  mssBytes: 32768,
  retransmits: 0,
  totalRetrans: 0,
  segsIn: 7,
  segsOut: 8,
  dataSegsOut: 3,
  notsentBytes: 0,
  deliveryRateBytesPerS: 123456,
  sndWndBytes: 65536,
  rcvWndBytes: null,
  busyTimeUs: 10,
  rwndLimitedUs: 0,
  sndbufLimitedUs: 0,
  probes: 0,
};

const sample: ConnectionSample = {
  atMs: 50.5,
  bytesIn: 100,
  bytesOut: 200,
  kernelSendQueueBytes: 3,
  kernelUnsentBytes: null,
  kernelRecvQueueBytes: 0,
  appSendQueueBytes: 0,
  tcp,
};

/** The rows of a CSV text without quoted line breaks, split into cells. */
function rowsOf(text: string): string[][] {
  expect(text.endsWith('\r\n')).toBe(true);
  return text
    .slice(0, -2)
    .split('\r\n')
    .map((line) => line.split(','));
}

function fileNamed(files: { name: string; text: string }[], name: string): string {
  const file = files.find((candidate) => candidate.name === name);
  if (!file) throw new Error(`no ${name} among ${files.map((candidate) => candidate.name).join(', ')}`);
  return file.text;
}

describe('csvCell', () => {
  it('leaves plain values as they are and empties null and undefined', () => {
    expect(csvCell('ESTABLISHED')).toBe('ESTABLISHED');
    expect(csvCell(12.5)).toBe('12.5');
    expect(csvCell(false)).toBe('false');
    expect(csvCell(null)).toBe('');
    expect(csvCell(undefined)).toBe('');
  });

  it('quotes commas, quotes and line breaks, doubling the quotes', () => {
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('two\nlines')).toBe('"two\nlines"');
    expect(csvCell('cr\r')).toBe('"cr\r"');
  });

  it('ends every line, the last one too, with CRLF', () => {
    expect(csvText(['a', 'b'], [[1, null], ['x,y', 2]])).toBe('a,b\r\n1,\r\n"x,y",2\r\n');
  });
});

describe('toCsvFiles', () => {
  const result = resultOf(
    [
      endpointResultOf({
        id: 'server',
        role: 'server',
        transport: 'tcp',
        connections: [
          connectionOf({
            id: 4,
            samples: [sample, { ...sample, atMs: 100, tcp: null }],
            events: [
              { atMs: 1.25, type: 'open', local: '127.0.0.1:5000', remote: '127.0.0.1:40000' },
              { atMs: 2, type: 'closed', abortive: true, code: 'ECONNRESET', message: 'reset by peer, "hard"\nthen closed' },
            ],
          }),
        ],
      }),
      endpointResultOf({ id: 'client', role: 'client', transport: 'tcp', connections: [connectionOf({ id: 2, samples: [{ ...sample, atMs: 75 }] })] }),
    ],
    [{ atUs: 1500, endpoint: 'client', connection: 2, direction: 'write', bytes: 100, previewHex: '00ff' }],
  );
  const files = toCsvFiles(result);

  it('writes one samples file per endpoint, then events.csv and capture.csv', () => {
    expect(files.map((file) => file.name)).toEqual(['server-samples.csv', 'client-samples.csv', 'events.csv', 'capture.csv']);
  });

  it('has a row per sample with every TCP_INFO field flattened, empty where null', () => {
    const [header, first, second, ...rest] = rowsOf(fileNamed(files, 'server-samples.csv'));
    expect(rest).toEqual([]);
    expect(header).toEqual([...sampleColumns]);
    expect(header?.slice(0, 10)).toEqual([
      'connection',
      'atMs',
      'bytesIn',
      'bytesOut',
      'kernelSendQueueBytes',
      'kernelUnsentBytes',
      'kernelRecvQueueBytes',
      'appSendQueueBytes',
      'tcp.state',
      'tcp.rttUs',
    ]);
    expect(header).toHaveLength(8 + Object.keys(tcp).length);
    const cell = (row: string[] | undefined, column: string): string | undefined => row?.[sampleColumns.indexOf(column)];
    expect(cell(first, 'connection')).toBe('4');
    expect(cell(first, 'atMs')).toBe('50.5');
    expect(cell(first, 'kernelUnsentBytes')).toBe('');
    expect(cell(first, 'tcp.state')).toBe('ESTABLISHED');
    expect(cell(first, 'tcp.ssthreshSegments')).toBe('2147483647');
    expect(cell(first, 'tcp.rcvWndBytes')).toBe('');
    expect(cell(first, 'tcp.probes')).toBe('0');
    // A sample without TCP_INFO (UDP, or a socket already closed) has every tcp cell empty.
    expect(second?.slice(8).every((value) => value === '')).toBe(true);
    expect(second).toHaveLength(header?.length ?? -1);
  });

  it('lists every event with its fields, quoting a message with a comma, quotes and a line break', () => {
    const text = fileNamed(files, 'events.csv');
    expect(text.startsWith(`${eventColumns.join(',')}\r\n`)).toBe(true);
    expect(eventColumns.slice(0, 9)).toEqual(['endpoint', 'connection', 'atMs', 'type', 'state', 'how', 'abortive', 'code', 'message']);
    expect(text).toContain('server,4,1.25,open,,,,,,127.0.0.1:5000,127.0.0.1:40000\r\n');
    expect(text).toContain('server,4,2,closed,,,true,ECONNRESET,"reset by peer, ""hard""\nthen closed",,\r\n');
  });

  it('lists the capture', () => {
    expect(fileNamed(files, 'capture.csv')).toBe(`${captureColumns.join(',')}\r\n1500,client,2,write,100,00ff\r\n`);
  });

  it('keeps file names inside the report directory', () => {
    expect(samplesFileName('client-1_a')).toBe('client-1_a-samples.csv');
    expect(samplesFileName('../etc/x')).toBe('___etc_x-samples.csv');
  });
});
