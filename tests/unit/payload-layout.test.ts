// The payload layout language and its decoder: the seed's player packet encoded by hand in both
// byte orders, exact 64-bit values, and the hostile (offset, count) headers a careful server rejects.
import { describe, expect, it } from 'vitest';
import {
  decodeLimits,
  decodePayload,
  frameHeaderLayout,
  layoutLimits,
  parseLayout,
  seedExampleLayout,
  type DecodedField,
  type LayoutParseError,
  type PayloadLayout,
} from '../../src-shared/payload-layout.js';
import { frameFormatSchema } from '../../src-shared/profile.js';

/** Writes values one after another in one byte order, as a C++ serializer would. */
class ByteWriter {
  private readonly bytes: Uint8Array;
  private readonly view: DataView;
  at = 0;

  constructor(
    size: number,
    private readonly little: boolean,
  ) {
    this.bytes = new Uint8Array(size);
    this.view = new DataView(this.bytes.buffer);
  }

  u16(value: number): this {
    this.view.setUint16(this.at, value, this.little);
    this.at += 2;
    return this;
  }

  u32(value: number): this {
    this.view.setUint32(this.at, value, this.little);
    this.at += 4;
    return this;
  }

  u64(value: bigint): this {
    this.view.setBigUint64(this.at, value, this.little);
    this.at += 8;
    return this;
  }

  f32(value: number): this {
    this.view.setFloat32(this.at, value, this.little);
    this.at += 4;
    return this;
  }

  utf16(text: string): this {
    for (let i = 0; i < text.length; i++) this.u16(text.charCodeAt(i));
    return this;
  }

  done(): Uint8Array {
    return this.bytes;
  }
}

/** 2^53 + 1: a double would read it as 2^53. */
const beyondDouble = 9007199254740993n;

/**
 * The seed's packet: fixed part (26 bytes: size, id, playerId, hp, attack, the buffs header and
 * the name header), then two 12-byte buffs at 26, then "Rookiss" in UTF-16 at 50; 64 bytes in all.
 */
function seedPacket(little: boolean, headers: { buffsOffset?: number; buffsCount?: number } = {}): Uint8Array {
  return new ByteWriter(64, little)
    .u16(64)
    .u16(7)
    .u64(beyondDouble)
    .u32(4_000_000_000)
    .u16(31)
    .u16(headers.buffsOffset ?? 26)
    .u16(headers.buffsCount ?? 2)
    .u16(50)
    .u16(7)
    .u64(0xffff_ffff_ffff_ffffn)
    .f32(1.5)
    .u64(42n)
    .f32(0.1)
    .utf16('Rookiss')
    .done();
}

function layoutOf(text: string): PayloadLayout {
  const parsed = parseLayout(text);
  if (!parsed.ok) throw new Error(parsed.error.message);
  return parsed.layout;
}

function errorOf(text: string): LayoutParseError {
  const parsed = parseLayout(text);
  if (parsed.ok) throw new Error(`"${text}" parsed`);
  return parsed.error;
}

function field(fields: DecodedField[], path: string): DecodedField {
  let found: DecodedField | undefined;
  let level = fields;
  for (const name of path.split('/')) {
    found = level.find((candidate) => candidate.name === name);
    if (!found) throw new Error(`no field ${name} of ${path}; have ${level.map((candidate) => candidate.name).join(', ')}`);
    level = found.children;
  }
  return found!;
}

describe('parseLayout', () => {
  it('reads the seed example: fixed fields, an (offset, count) list and a text run', () => {
    const layout = layoutOf(seedExampleLayout);
    expect(layout.byteOrder).toBe('little');
    expect(layout.fields.map((item) => `${item.name}:${item.typeText}/${item.sizeBytes}`)).toEqual([
      'size:u16/2', 'id:u16/2', 'playerId:u64/8', 'hp:u32/4', 'attack:u16/2', 'buffs:list(u16,u16)/4', 'name:utf16le(u16)/4',
    ]);
    expect(layout.fixedBytes).toBe(26);
    const buffs = layout.fields[5]!.type;
    expect(buffs.kind === 'list' && buffs.elementBytes).toBe(12);
  });

  it('takes a leading @big, per-field suffixes, fixed runs, comments and several lines', () => {
    const layout = layoutOf('# a header\n@big\nsize:u16 kind:u16le  # little, whatever the default\ntag:bytes[4]\nnick:utf8[12] wide:utf16le[3] ko:cp949(u32,u16)');
    expect(layout.byteOrder).toBe('big');
    const orders = layout.fields.map((item) => (item.type.kind === 'scalar' ? item.type.byteOrder : item.type.kind));
    expect(orders).toEqual(['big', 'little', 'fixed-run', 'fixed-run', 'fixed-run', 'variable-run']);
    expect(layout.fields.map((item) => item.sizeBytes)).toEqual([2, 2, 4, 12, 6, 6]);
    expect(layout.fields[5]!.typeText).toBe('cp949(u32,u16)');
    expect(layoutOf('a:u8, b:u8; c:list(u8){d:u8,e:u8}').fields.map((item) => item.name)).toEqual(['a', 'b', 'c']);
  });

  it('names the position and what was expected in a bad layout', () => {
    expect(errorOf('size:u16 id:x32')).toMatchObject({ position: 12, line: 1, column: 13, found: '"x32"' });
    expect(errorOf('size:u16 id:x32').message).toMatch(/^line 1, column 13: expected a type \(u8\.\.u64.*found "x32"$/);
    expect(errorOf('size:u16\nid:u16\nname utf8[3]')).toMatchObject({ position: 21, line: 3, column: 6, expected: '":" and a type after "name"', found: '"utf8"' });
    expect(errorOf('a:list(i16,u16){b:u8}')).toMatchObject({ position: 7, found: '"i16"' });
    expect(errorOf('a:list(i16,u16){b:u8}').expected).toMatch(/offset's type.*u8, u16, u32 or u64/);
    expect(errorOf('a:list(u16,u16){')).toMatchObject({ position: 16, expected: 'at least one field in the list element', found: 'the end of the layout' });
    expect(errorOf('a:list(u16,u16){b:u8')).toMatchObject({ position: 20, expected: '"}" closing the list element' });
    expect(errorOf('a:u8 a:u16')).toMatchObject({ position: 5, found: '"a"' });
    expect(errorOf('a:list(u8){b:bytes[0]}')).toMatchObject({ position: 11, expected: 'a list element of at least one byte' });
    expect(errorOf('a:bytes[]')).toMatchObject({ position: 8, found: '"]"' });
    expect(errorOf('a:bytes')).toMatchObject({ position: 7, found: 'the end of the layout' });
    expect(errorOf('@middle a:u8')).toMatchObject({ position: 1, expected: '"big" or "little" after "@"', found: '"middle"' });
    expect(errorOf('a:u8 }')).toMatchObject({ position: 5 });
    expect(errorOf('a:u8,,b:u8')).toMatchObject({ position: 5, found: '","' });
    expect(errorOf('  # only a comment\n')).toMatchObject({ line: 2, column: 1, found: 'the end of the layout' });
    expect(errorOf(`a:bytes[${layoutLimits.maxFixedRunElements + 1}]`)).toMatchObject({ position: 8 });
    expect(errorOf('x'.repeat(layoutLimits.maxChars + 1)).expected).toMatch(/at most 4000 characters/);
    const deep = 'a:list(u8){b:list(u8){c:list(u8){d:list(u8){e:list(u8){f:u8}}}}}';
    expect(errorOf(deep)).toMatchObject({ position: deep.indexOf('e:') + 2, expected: 'lists nested at most 4 deep' });
  });

  it('builds the frame header of a framed workload in its byte order and widths', () => {
    const little = layoutOf(frameHeaderLayout(frameFormatSchema.parse({})));
    expect(little.fields.map((item) => item.typeText)).toEqual(['u16', 'u16']);
    expect(little.byteOrder).toBe('little');
    const big = layoutOf(frameHeaderLayout(frameFormatSchema.parse({ sizeBytes: 4, idBytes: 1, byteOrder: 'big', sizeIncludesHeader: false })));
    expect(big.byteOrder).toBe('big');
    expect(big.fields.map((item) => item.typeText)).toEqual(['u32', 'u8']);
    expect(frameHeaderLayout(frameFormatSchema.parse({ sizeIncludesHeader: false }))).toMatch(/counts the payload only/);
  });
});

describe('decodePayload', () => {
  it('decodes the seed example little-endian, 64-bit values exactly', () => {
    const packet = seedPacket(true);
    // Spot-check the hand encoding: size 64 little-endian, then id 7.
    expect(Array.from(packet.subarray(0, 4))).toEqual([0x40, 0x00, 0x07, 0x00]);
    const decoded = decodePayload(layoutOf(seedExampleLayout), packet, packet.length);
    const values = (path: string): string | null => field(decoded.fields, path).value;
    expect(values('size')).toBe('64');
    expect(values('id')).toBe('7');
    expect(values('playerId')).toBe('9007199254740993');
    expect(values('hp')).toBe('4000000000');
    expect(values('attack')).toBe('31');
    expect(values('buffs')).toBe('2 × 12 B at offset 26');
    expect(field(decoded.fields, 'buffs').target).toEqual({ offsetBytes: 26, sizeBytes: 24 });
    expect(values('buffs/[0]/buffId')).toBe('18446744073709551615');
    expect(values('buffs/[0]/remainS')).toBe('1.5');
    expect(values('buffs/[1]/buffId')).toBe('42');
    expect(values('buffs/[1]/remainS')).toBe('0.1');
    expect(field(decoded.fields, 'buffs/[1]/remainS').offsetBytes).toBe(46);
    expect(values('name')).toBe('"Rookiss"');
    expect(field(decoded.fields, 'name').target).toEqual({ offsetBytes: 50, sizeBytes: 14 });
    const problems = JSON.stringify(decoded.fields).match(/"problem":"[^"]+"/g);
    expect(problems).toBeNull();
    expect(decoded.limitsHit).toEqual([]);
  });

  it('decodes the same packet big-endian under @big, and a per-field suffix overrides it', () => {
    const packet = seedPacket(false);
    expect(Array.from(packet.subarray(0, 4))).toEqual([0x00, 0x40, 0x00, 0x07]);
    const decoded = decodePayload(layoutOf(`@big ${seedExampleLayout}`), packet, packet.length);
    expect(field(decoded.fields, 'playerId').value).toBe('9007199254740993');
    expect(field(decoded.fields, 'buffs/[0]/buffId').value).toBe('18446744073709551615');
    expect(field(decoded.fields, 'buffs/[1]/remainS').value).toBe('0.1');
    // The UTF-16 text is little-endian by name; written big-endian it reads as other characters.
    expect(field(decoded.fields, 'name').value).not.toBe('"Rookiss"');
    // Read little-endian, the big-endian size 64 is 0x4000.
    const mixed = decodePayload(layoutOf('@big size:u16le id:u16'), packet, packet.length);
    expect(mixed.fields.map((item) => item.value)).toEqual(['16384', '7']);
  });

  it('reads signed and floating-point fields', () => {
    const bytes = new Uint8Array(23);
    const view = new DataView(bytes.buffer);
    view.setInt8(0, -2);
    view.setInt16(1, -300, true);
    view.setInt32(3, -70000, true);
    view.setBigInt64(7, -9007199254740993n, true);
    view.setFloat64(15, -0.1, true);
    const decoded = decodePayload(layoutOf('a:i8 b:i16 c:i32 d:i64 e:f64'), bytes, bytes.length);
    expect(decoded.fields.map((item) => item.value)).toEqual(['-2', '-300', '-70000', '-9007199254740993', '-0.1']);
  });

  it('shows a list or text with count 0 as empty, whatever its offset', () => {
    const packet = seedPacket(true, { buffsOffset: 0xffff, buffsCount: 0 });
    const buffs = field(decodePayload(layoutOf(seedExampleLayout), packet, packet.length).fields, 'buffs');
    expect(buffs).toMatchObject({ value: 'empty (count 0 at offset 65535)', problem: null, children: [], target: null });
    const empty = decodePayload(layoutOf('t:utf8(u8) b:bytes(u8)'), new Uint8Array([9, 0, 9, 0]), 4);
    expect(empty.fields.map((item) => [item.value, item.problem])).toEqual([['""', null], ['empty', null]]);
  });

  it('rejects a list that points past the end of the message and does not follow it', () => {
    const packet = seedPacket(true, { buffsOffset: 60, buffsCount: 3 });
    const buffs = field(decodePayload(layoutOf(seedExampleLayout), packet, packet.length).fields, 'buffs');
    expect(buffs.problem).toBe('would be rejected: 3 × 12 B at offset 60 ends at byte 96, past the end of the 64-byte message');
    expect(buffs.children).toEqual([]);
    expect(buffs.target).toBeNull();
    // The real size, not the preview, decides: the same header in a longer message is fine, but unseen.
    const longer = decodePayload(layoutOf(seedExampleLayout), packet, 200);
    expect(field(longer.fields, 'buffs').problem).toBe('overlaps "name" (bytes 50–63): both parts read the same bytes');
    expect(field(longer.fields, 'buffs/[0]/buffId').problem).toBe('not previewed (64 bytes kept)');
    expect(field(longer.fields, 'buffs/[1..2]')).toMatchObject({ offsetBytes: 72, sizeBytes: 24, problem: 'not previewed (64 bytes kept)' });
  });

  it('rejects a part that begins inside the fixed part', () => {
    const packet = seedPacket(true, { buffsOffset: 4, buffsCount: 2 });
    const buffs = field(decodePayload(layoutOf(seedExampleLayout), packet, packet.length).fields, 'buffs');
    expect(buffs.problem).toBe('would be rejected: offset 4 lies inside the 26-byte fixed part');
    expect(buffs.children).toEqual([]);
  });

  it('marks parts that overlap one another, each still decoded', () => {
    // The name's header points into the second buff: 4 code units at byte 38 (its buffId).
    const packet = seedPacket(true);
    new DataView(packet.buffer).setUint16(22, 38, true);
    new DataView(packet.buffer).setUint16(24, 4, true);
    const decoded = decodePayload(layoutOf(seedExampleLayout), packet, packet.length);
    expect(field(decoded.fields, 'buffs').problem).toBeNull();
    expect(field(decoded.fields, 'name')).toMatchObject({
      target: { offsetBytes: 38, sizeBytes: 8 },
      value: '"*\\u0000\\u0000\\u0000"',
      problem: 'overlaps "buffs" (bytes 26–49): both parts read the same bytes',
    });
    // Laid out one after another, as a serializer writes them, nothing is marked.
    const clean = decodePayload(layoutOf(seedExampleLayout), seedPacket(true), 64);
    expect(field(clean.fields, 'name').problem).toBeNull();
    // Nested parts count too: two elements whose texts share bytes.
    const nested = new ByteWriter(32, true).u16(4).u16(2).u16(12).u16(3).u16(14).u16(3).utf16('abcd').done();
    const elements = decodePayload(layoutOf('items:list(u16,u16){t:utf16le(u16,u16)}'), nested, nested.length);
    expect(field(elements.fields, 'items/[0]/t')).toMatchObject({ value: '"abc"', problem: null });
    expect(field(elements.fields, 'items/[1]/t')).toMatchObject({ value: '"bcd"', problem: 'overlaps "items[0].t" (bytes 12–17): both parts read the same bytes' });
  });

  it('rejects a count whose size overflows 32 bits', () => {
    const bytes = new ByteWriter(16, true).u32(8).u32(0xffff_ffff).done();
    const decoded = decodePayload(layoutOf('items:list(u32,u32){a:u64 b:f32}'), bytes, bytes.length);
    // 4294967295 × 12 = 51539607540, which a 32-bit size computation wraps to 4294967284.
    expect(decoded.fields[0]!.problem).toBe('would be rejected: count 4294967295 × 12 bytes overflows a 32-bit size (it wraps to 4294967284)');
    expect(decoded.fields[0]!.children).toEqual([]);
    // A 64-bit header with a huge offset is past the end without losing precision.
    const wide = new ByteWriter(16, true).u64(0xffff_ffff_ffff_fff0n).u64(1n).done();
    expect(decodePayload(layoutOf('t:utf8(u64)'), wide, 16).fields[0]!.problem).toBe(
      'would be rejected: 1 × 1 B at offset 18446744073709551600 ends at byte 18446744073709551601, past the end of the 16-byte message',
    );
  });

  it('marks what lies beyond the preview as not previewed rather than reading it', () => {
    const packet = seedPacket(true);
    const decoded = decodePayload(layoutOf(seedExampleLayout), packet.subarray(0, 36), 64);
    expect(decoded.previewBytes).toBe(36);
    expect(field(decoded.fields, 'attack').value).toBe('31');
    expect(field(decoded.fields, 'buffs/[0]/buffId').value).toBe('18446744073709551615');
    // Bytes 36..38 were not kept: no value, however plausible zeros would look.
    expect(field(decoded.fields, 'buffs/[0]/remainS')).toMatchObject({ value: null, problem: 'not previewed (36 bytes kept)' });
    expect(field(decoded.fields, 'buffs').children.map((item) => item.name)).toEqual(['[0]', '[1..1]']);
    expect(field(decoded.fields, 'buffs/[1..1]')).toMatchObject({ offsetBytes: 38, sizeBytes: 12, problem: 'not previewed (36 bytes kept)' });
    expect(field(decoded.fields, 'name')).toMatchObject({ value: null, problem: 'not previewed (36 bytes kept)', target: { offsetBytes: 50, sizeBytes: 14 } });
    // A header that was itself not kept cannot be checked at all.
    const headerLost = decodePayload(layoutOf(seedExampleLayout), packet.subarray(0, 20), 64);
    expect(field(headerLost.fields, 'buffs')).toMatchObject({ value: null, problem: 'not previewed (20 bytes kept)', children: [] });
  });

  it('rejects fixed fields past the end of a message shorter than the layout', () => {
    const packet = seedPacket(true).subarray(0, 20);
    const decoded = decodePayload(layoutOf(seedExampleLayout), packet, 20);
    expect(field(decoded.fields, 'attack').value).toBe('31');
    expect(field(decoded.fields, 'buffs')).toMatchObject({ value: null, problem: 'would be rejected: ends at byte 22, past the end of the 20-byte message' });
  });

  it(`decodes at most ${decodeLimits.maxListElements} elements of a list and says so`, () => {
    const bytes = new Uint8Array(4 + 300);
    new DataView(bytes.buffer).setUint16(0, 4, true);
    new DataView(bytes.buffer).setUint16(2, 300, true);
    bytes.forEach((_, i) => {
      if (i >= 4) bytes[i] = (i - 4) & 0xff;
    });
    const decoded = decodePayload(layoutOf('v:list(u16){b:u8}'), bytes, bytes.length);
    const children = decoded.fields[0]!.children;
    expect(children).toHaveLength(decodeLimits.maxListElements + 1);
    expect(children[255]!.children[0]!.value).toBe('255');
    expect(children[256]).toMatchObject({ name: '[256..299]', offsetBytes: 260, sizeBytes: 44, value: '44 more not decoded (at most 256 per list)' });
    expect(decoded.limitsHit).toEqual(['lists decoded up to 256 elements']);
  });

  it(`stops at ${decodeLimits.maxRows} rows when nested lists multiply`, () => {
    // 256 outer elements, each pointing at the same 256-element inner list: 131,000 rows unbounded.
    const writer = new ByteWriter(4 + 256 * 4 + 256, true).u16(4).u16(256);
    for (let i = 0; i < 256; i++) writer.u16(4 + 256 * 4).u16(256);
    const bytes = writer.done();
    const decoded = decodePayload(layoutOf('outer:list(u16){inner:list(u16){v:u8}}'), bytes, bytes.length);
    const count = (fields: DecodedField[]): number => fields.reduce((sum, item) => sum + 1 + count(item.children), 0);
    expect(count(decoded.fields)).toBe(decodeLimits.maxRows);
    expect(decoded.limitsHit).toContain(`decoding stopped after ${decodeLimits.maxRows} rows`);
    expect(field(decoded.fields, 'outer/[0]/inner/[255]/v').value).toBe('0');
  });
});
