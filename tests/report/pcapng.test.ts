// The pcapng export read back by Debian's tshark: a real run's capture, and a hand-made IPv6 one.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runProfile } from '../../src-main/engine/run.js';
import { toPcapng } from '../../src-main/engine/report/pcapng.js';
import type { CaptureEntry, RunResult } from '../../src-shared/result.js';
import { profileOf } from '../helpers/profiles.js';
import { connectionOf, endpointResultOf, resultOf } from '../helpers/results.js';

/** The fields asked of tshark, one column each, in this order. */
const fields = [
  'frame.len',
  'frame.cap_len',
  'frame.time_epoch',
  'exported_pdu.port_type',
  'exported_pdu.ipv4_src',
  'exported_pdu.ipv4_dst',
  'exported_pdu.ipv6_src',
  'exported_pdu.ipv6_dst',
  'exported_pdu.src_port',
  'exported_pdu.dst_port',
  'data.len',
  'data.data',
] as const;
type Field = (typeof fields)[number];
type Frame = Record<Field, string>;

function run(command: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 512 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Every frame of a pcapng file as tshark dissects it. */
async function tsharkFrames(path: string): Promise<Frame[]> {
  const args = ['-r', path, '-T', 'fields', '-E', 'separator=/t', '-E', 'occurrence=f', ...fields.flatMap((field) => ['-e', field])];
  const stdout = await run('tshark', args);
  return stdout
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const cells = line.split('\t');
      return Object.fromEntries(fields.map((field, index) => [field, cells[index] ?? ''])) as Frame;
    });
}

/** The port of "127.0.0.1:40123" or "[::1]:40123". */
function portOf(address: string | null): string {
  if (address === null) throw new Error('an address was expected');
  return address.slice(address.lastIndexOf(':') + 1);
}

let scratch: string;

beforeAll(async () => {
  // This test reads the export with the real dissector: a missing tshark is a failure, not a skip.
  const version = await run('tshark', ['--version']).catch((error: Error) => {
    throw new Error(`tshark is needed by this test and could not be run (Debian: apt-get install tshark): ${error.message}`);
  });
  expect(version).toMatch(/^TShark/);
  scratch = await mkdtemp(join(tmpdir(), 'sockscope-pcapng-'));
});

afterAll(async () => {
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

describe('toPcapng read by tshark', () => {
  let result: RunResult;
  let frames: Frame[];
  /** The capture in the file's order: by time, ties kept in capture order. */
  let entries: CaptureEntry[];

  beforeAll(async () => {
    result = await runProfile(
      profileOf(
        [
          { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, options: { noDelay: true }, workload: { kind: 'echo' } },
          {
            id: 'client',
            role: 'client',
            transport: 'tcp',
            model: 'epoll',
            connect: { endpoint: 'server' },
            options: { noDelay: true },
            // Longer than the 64-byte previews: the frames must still report 100 bytes.
            workload: { kind: 'ping-pong', messageBytes: 100 },
          },
          { id: 'userver', role: 'server', transport: 'udp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
          { id: 'uclient', role: 'client', transport: 'udp', model: 'epoll', connect: { endpoint: 'userver' }, udpConnected: false, workload: { kind: 'ping-pong', messageBytes: 200 } },
        ],
        { durationMs: 300, capture: { maxEntries: 50_000, previewBytes: 64 } },
      ),
    );
    const path = join(scratch, 'run.pcapng');
    await writeFile(path, toPcapng(result));
    frames = await tsharkFrames(path);
    entries = [...result.capture.entries].sort((a, b) => a.atUs - b.atUs);
  });

  it('has one exported PDU per capture entry, over TCP and UDP', () => {
    expect(result.capture.entries.length).toBeGreaterThan(100);
    expect(frames).toHaveLength(result.capture.entries.length);
    const endpoints = new Set(entries.map((entry) => entry.endpoint));
    expect([...endpoints].sort()).toEqual(['client', 'server', 'uclient', 'userver']);
  });

  it('reports the real size of every read and write, and carries the previewed bytes', () => {
    // tshark finds the payload after the tags it parsed itself: the frame's tag bytes are its
    // captured length minus the payload it shows. The original length less those tags is the
    // size tshark reports for the payload, to compare with the bytes the socket moved.
    const tagBytes = frames.map((frame) => Number(frame['frame.cap_len']) - Number(frame['data.len'] || 0));
    const reportedBytes = frames.map((frame, index) => Number(frame['frame.len']) - (tagBytes[index] as number));
    const capturedBytes = frames.map((frame) => Number(frame['data.len'] || 0));
    expect(reportedBytes.reduce((sum, bytes) => sum + bytes, 0)).toBe(entries.reduce((sum, entry) => sum + entry.bytes, 0));
    expect(capturedBytes.reduce((sum, bytes) => sum + bytes, 0)).toBe(entries.reduce((sum, entry) => sum + entry.previewHex.length / 2, 0));
    expect(reportedBytes).toEqual(entries.map((entry) => entry.bytes));
    expect(frames.map((frame) => frame['data.data'])).toEqual(entries.map((entry) => entry.previewHex));
    // Previews keep the first 64 bytes, so 100-byte messages and 200-byte datagrams are cut.
    expect(capturedBytes).toEqual(entries.map((entry) => Math.min(entry.bytes, 64)));
    expect(reportedBytes.filter((bytes, index) => bytes > (capturedBytes[index] as number)).length).toBeGreaterThan(0);
  });

  it('gives each PDU the transport, addresses and ports of its direction', () => {
    const byId = new Map(result.endpoints.map((endpoint) => [endpoint.id, endpoint]));
    const udpServerPort = portOf(byId.get('userver')?.listen ?? null);
    // One line per frame, what tshark shows against what the result says; the first mismatches
    // are reported (a diff of every frame would take longer than the test).
    const mismatches: { shown: string; expected: string }[] = [];
    let compared = 0;
    const check = (shown: string, expected: string): void => {
      compared += 1;
      if (shown !== expected && mismatches.length < 5) mismatches.push({ shown, expected });
    };
    frames.forEach((frame, index) => {
      const entry = entries[index] as CaptureEntry;
      const endpoint = byId.get(entry.endpoint);
      const where = `frame ${index + 1} ${entry.endpoint} ${entry.direction}`;
      if (endpoint?.transport === 'tcp') {
        const connection = endpoint.connections.find((candidate) => candidate.id === entry.connection);
        const [source, destination] = entry.direction === 'write' ? [connection?.local, connection?.remote] : [connection?.remote, connection?.local];
        check(
          `${where}: ${frame['exported_pdu.port_type']} ${frame['exported_pdu.ipv4_src']}:${frame['exported_pdu.src_port']} > ${frame['exported_pdu.ipv4_dst']}:${frame['exported_pdu.dst_port']}`,
          `${where}: 2 127.0.0.1:${portOf(source ?? null)} > 127.0.0.1:${portOf(destination ?? null)}`,
        );
      } else {
        // UDP: the server's port is known; the unconnected client's own port is not in the result.
        const serverIsSource = entry.endpoint === 'userver' ? entry.direction === 'write' : entry.direction === 'read';
        const serverPort = serverIsSource ? frame['exported_pdu.src_port'] : frame['exported_pdu.dst_port'];
        check(`${where}: ${frame['exported_pdu.port_type']} server port ${serverPort}`, `${where}: 3 server port ${udpServerPort}`);
      }
    });
    expect(mismatches).toEqual([]);
    expect(compared).toBe(entries.length);
  });

  it('stamps each PDU with startedAt plus its atUs', () => {
    const startUs = Date.parse(result.startedAt) * 1000;
    [0, frames.length - 1].forEach((index) => {
      const epochUs = Math.round(Number(frames[index]?.['frame.time_epoch']) * 1e6);
      expect(Math.abs(epochUs - (startUs + (entries[index] as CaptureEntry).atUs))).toBeLessThanOrEqual(1);
    });
  });
});

describe('toPcapng with IPv6, empty previews and unknown connections', () => {
  it('writes IPv6 address tags and leaves out what the result does not know', async () => {
    const result = resultOf(
      [
        endpointResultOf({
          id: 'server',
          role: 'server',
          transport: 'tcp',
          listen: '[::1]:5000',
          connections: [connectionOf({ id: 1, local: '[::1]:5000', remote: '[::1]:40000' })],
        }),
        endpointResultOf({ id: 'client', role: 'client', transport: 'tcp', connections: [connectionOf({ id: 2, local: '[::1]:40000', remote: '[::1]:5000' })] }),
      ],
      [
        { atUs: 10, endpoint: 'client', connection: 2, direction: 'write', bytes: 3, previewHex: 'abcdef' },
        { atUs: 20, endpoint: 'server', connection: 1, direction: 'read', bytes: 3000, previewHex: '' },
        { atUs: 30, endpoint: 'server', connection: 9, direction: 'write', bytes: 5, previewHex: '0102030405' },
      ],
    );
    const path = join(scratch, 'ipv6.pcapng');
    await writeFile(path, toPcapng(result));
    const [write, read, unknown, ...rest] = await tsharkFrames(path);
    expect(rest).toEqual([]);
    expect(write).toMatchObject({
      'exported_pdu.ipv6_src': '::1',
      'exported_pdu.ipv6_dst': '::1',
      'exported_pdu.src_port': '40000',
      'exported_pdu.dst_port': '5000',
      'data.data': 'abcdef',
    });
    expect(Number(write?.['frame.len']) - Number(write?.['frame.cap_len'])).toBe(0);
    // A read with no preview: no payload captured, the full size still on the frame.
    expect(read).toMatchObject({ 'exported_pdu.src_port': '40000', 'exported_pdu.dst_port': '5000', 'data.data': '' });
    expect(Number(read?.['frame.len']) - Number(read?.['frame.cap_len'])).toBe(3000);
    // A connection the result does not list: the transport and payload, no addresses or ports.
    expect(unknown).toMatchObject({ 'exported_pdu.port_type': '2', 'exported_pdu.ipv6_src': '', 'exported_pdu.src_port': '', 'data.data': '0102030405' });
  });
});
