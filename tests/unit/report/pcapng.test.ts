import { describe, expect, it } from 'vitest';
import { exportedPduTags, linkTypeUpperPdu, parseSocketAddress, toPcapng } from '../../../src-main/engine/report/pcapng.js';
import { connectionOf, endpointResultOf, resultOf } from '../../helpers/results.js';

describe('exportedPduTags', () => {
  it('encodes big-endian tags, strings padded with nulls counted in their length, then end-of-options', () => {
    const tags = exportedPduTags({
      transport: 'udp',
      source: parseSocketAddress('127.0.0.1:40000'),
      destination: parseSocketAddress('10.1.2.3:53'),
    });
    expect(tags.toString('hex')).toBe(
      [
        '000c0004' + Buffer.from('data').toString('hex'), // EXP_PDU_TAG_DISSECTOR_NAME "data"
        '00210004' + Buffer.from('UDP').toString('hex') + '00', // EXP_PDU_TAG_COL_PROT_TEXT "UDP" + 1 null
        '00140004' + '7f000001', // EXP_PDU_TAG_IPV4_SRC
        '00150004' + '0a010203', // EXP_PDU_TAG_IPV4_DST
        '00180004' + '00000003', // EXP_PDU_TAG_PORT_TYPE: EXP_PDU_PT_UDP
        '00190004' + '00009c40', // EXP_PDU_TAG_SRC_PORT 40000
        '001a0004' + '00000035', // EXP_PDU_TAG_DST_PORT 53
        '00000000', // EXP_PDU_TAG_END_OF_OPT
      ].join(''),
    );
  });

  it('uses the IPv6 tags and leaves out an unknown side', () => {
    const tags = exportedPduTags({ transport: 'tcp', source: parseSocketAddress('[::1]:443'), destination: null });
    const hex = tags.toString('hex');
    expect(hex).toContain(`00160010${'0'.repeat(31)}1`); // EXP_PDU_TAG_IPV6_SRC ::1
    expect(hex).toContain('0018000400000002'); // EXP_PDU_TAG_PORT_TYPE: EXP_PDU_PT_TCP
    expect(hex).toContain('00190004000001bb'); // EXP_PDU_TAG_SRC_PORT 443
    expect(hex).not.toContain('0017'); // no EXP_PDU_TAG_IPV6_DST
    expect(hex).not.toContain('001a0004'); // no EXP_PDU_TAG_DST_PORT
  });
});

describe('parseSocketAddress', () => {
  it('reads IPv4 and bracketed IPv6 addresses', () => {
    expect(parseSocketAddress('127.0.0.1:80')).toEqual({ family: 4, address: Buffer.from([127, 0, 0, 1]), port: 80 });
    expect(parseSocketAddress('[fe80::1:2]:8080')?.address?.toString('hex')).toBe('fe800000000000000000000000010002');
    expect(parseSocketAddress('[::ffff:127.0.0.1]:1')?.address?.toString('hex')).toBe('00000000000000000000ffff7f000001');
  });

  it('treats the wildcard address and port 0 as unknown, and refuses what is not an address', () => {
    expect(parseSocketAddress('0.0.0.0:0')).toEqual({ family: 4, address: null, port: null });
    expect(parseSocketAddress('[::]:5000')).toEqual({ family: 6, address: null, port: 5000 });
    expect(parseSocketAddress('localhost:80')).toBeNull();
    expect(parseSocketAddress('127.0.0.1')).toBeNull();
    expect(parseSocketAddress('127.0.0.1:70000')).toBeNull();
    expect(parseSocketAddress(null)).toBeNull();
  });
});

describe('toPcapng', () => {
  const result = resultOf(
    [endpointResultOf({ id: 'client', role: 'client', transport: 'tcp', connections: [connectionOf({ id: 2, local: '127.0.0.1:40000', remote: '127.0.0.1:5000' })] })],
    [{ atUs: 1_000_001, endpoint: 'client', connection: 2, direction: 'write', bytes: 1000, previewHex: 'aabbcc' }],
  );
  const file = toPcapng(result);

  /** The blocks of a little-endian pcapng file: type and body, each length checked at both ends. */
  function blocksOf(bytes: Buffer): { type: number; body: Buffer }[] {
    const blocks: { type: number; body: Buffer }[] = [];
    for (let offset = 0; offset < bytes.length; ) {
      const type = bytes.readUInt32LE(offset);
      const length = bytes.readUInt32LE(offset + 4);
      expect(length % 4).toBe(0);
      expect(bytes.readUInt32LE(offset + length - 4)).toBe(length);
      blocks.push({ type, body: bytes.subarray(offset + 8, offset + length - 4) });
      offset += length;
    }
    return blocks;
  }

  it('writes a section header, one upper-PDU interface with microsecond stamps, one packet per entry', () => {
    const [section, iface, packet, ...rest] = blocksOf(file);
    expect(rest).toEqual([]);
    expect(section?.type).toBe(0x0a0d0d0a);
    expect(section?.body.readUInt32LE(0)).toBe(0x1a2b3c4d);
    expect([section?.body.readUInt16LE(4), section?.body.readUInt16LE(6)]).toEqual([1, 0]);
    expect(iface?.type).toBe(1);
    expect(iface?.body.readUInt16LE(0)).toBe(linkTypeUpperPdu);
    expect(iface?.body.readUInt32LE(4)).toBe(0);
    expect(iface?.body.toString('hex')).toContain('0900010006000000'); // if_tsresol = 6, padded
    expect(packet?.type).toBe(6);
  });

  it('stamps the packet with startedAt + atUs and gives it the preview as captured, the real size as original', () => {
    const packet = blocksOf(file)[2]?.body as Buffer;
    const stampUs = packet.readUInt32LE(4) * 2 ** 32 + packet.readUInt32LE(8);
    expect(stampUs).toBe(Date.parse(result.startedAt) * 1000 + 1_000_001);
    const capturedLength = packet.readUInt32LE(12);
    const originalLength = packet.readUInt32LE(16);
    expect(originalLength - capturedLength).toBe(1000 - 3);
    const data = packet.subarray(20, 20 + capturedLength);
    expect(data.subarray(-7).toString('hex')).toBe('00000000aabbcc');
  });

  it('refuses a startedAt that is not a date', () => {
    expect(() => toPcapng({ ...result, startedAt: 'yesterday' })).toThrow(/startedAt/);
  });
});
