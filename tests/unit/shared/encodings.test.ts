// The text encodings of live sends: UTF-8, UTF-16LE, and CP949 built from the euc-kr decoder.
import { describe, expect, it } from 'vitest';
import { UnmappableCharacterError, decodeBytes, encodeText, toHex } from '../../../src-shared/encodings.js';

describe('CP949', () => {
  it('encodes Hangul as the KS X 1001 pairs and decodes them back', () => {
    // 안 is 0xBEC8 (row 0xBE: 아 BEC6, 악 BEC7, 안 BEC8), as Python's cp949 codec and iconv agree;
    // c5c8 is 탯.
    expect(toHex(encodeText('안녕', 'cp949'))).toBe('bec8b3e7');
    expect(decodeBytes(Uint8Array.from([0xbe, 0xc8, 0xb3, 0xe7]), 'cp949')).toBe('안녕');
    expect(decodeBytes(Uint8Array.from([0xc5, 0xc8]), 'cp949')).toBe('탯');
  });

  it('encodes the unified Hangul extension (CP949 beyond EUC-KR)', () => {
    // 똠 is not in KS X 1001; CP949 places it at 0x8C63.
    expect(toHex(encodeText('똠', 'cp949'))).toBe('8c63');
    expect(decodeBytes(encodeText('똠방각하', 'cp949'), 'cp949')).toBe('똠방각하');
  });

  it('passes ASCII through byte for byte', () => {
    const ascii = 'GET / HTTP/1.1\r\n~';
    expect(Array.from(encodeText(ascii, 'cp949'))).toEqual(Array.from(ascii, (c) => c.charCodeAt(0)));
    expect(toHex(encodeText('a안b', 'cp949'))).toBe('61bec862');
  });

  it('refuses a character CP949 cannot represent, naming it and its position', () => {
    // Documented behaviour: no silent "?"; the caller shows the error where the user typed.
    expect(() => encodeText('ok 😀', 'cp949')).toThrow(UnmappableCharacterError);
    try {
      encodeText('ok 😀', 'cp949');
    } catch (error) {
      expect(error).toMatchObject({ code: 'EILSEQ', character: '😀', index: 3 });
      expect((error as Error).message).toContain('U+1F600');
    }
  });

  it('decodes an invalid sequence to U+FFFD instead of throwing', () => {
    expect(decodeBytes(Uint8Array.from([0xc5]), 'cp949')).toBe('\ufffd');
  });
});

describe('UTF-8 and UTF-16LE', () => {
  it('round-trip text', () => {
    expect(toHex(encodeText('é', 'utf8'))).toBe('c3a9');
    expect(toHex(encodeText('안', 'utf16le'))).toBe('48c5');
    expect(decodeBytes(encodeText('안녕 😀', 'utf16le'), 'utf16le')).toBe('안녕 😀');
    expect(decodeBytes(encodeText('안녕 😀', 'utf8'), 'utf8')).toBe('안녕 😀');
  });
});

describe('the whole CP949 table', () => {
  it('agrees with reference encodings across the unified Hangul extension and KS X 1001', () => {
    // Values from Python's cp949 codec (which matched every one of the 11,172 syllables and every
    // other BMP character when this table was written): the first and last extension syllables,
    // both lead ranges, KS X 1001 syllables, and the two symbols added in 1998.
    const reference: Record<string, string> = {
      갂: '8141',
      똠: '8c63',
      쓔: '9d6f',
      쓕: '9d70',
      힢: 'c651',
      가: 'b0a1',
      힣: 'c652',
      힝: 'c8fe',
      '€': 'a2e6',
      '®': 'a2e7',
    };
    for (const [character, hex] of Object.entries(reference)) {
      expect(toHex(encodeText(character, 'cp949')), character).toBe(hex);
      expect(decodeBytes(encodeText(character, 'cp949'), 'cp949')).toBe(character);
    }
  });

  it('leaves the user-defined rows unmapped', () => {
    expect(() => encodeText('\ue000', 'cp949')).toThrow(UnmappableCharacterError);
    expect(decodeBytes(Uint8Array.from([0xc9, 0xa1]), 'cp949')).toBe('\ufffd');
  });
});
