/**
 * Text to bytes and back for live sends and the payload inspector: UTF-8, UTF-16LE and CP949
 * (Korean; the WHATWG "euc-kr" encoding, which is CP949's unified Hangul superset of EUC-KR).
 * Runs in Node and in Chromium: both decode euc-kr, neither encodes it, so CP949 uses tables built
 * once, on first use, by decoding every two-byte sequence and inverting the answer.
 */

export const textEncodings = ['utf8', 'utf16le', 'cp949'] as const;
export type TextEncoding = (typeof textEncodings)[number];

/** A character the encoding cannot represent; `index` is its position in the text (UTF-16 units). */
export class UnmappableCharacterError extends Error {
  readonly code = 'EILSEQ';
  constructor(
    readonly character: string,
    readonly index: number,
    readonly encoding: TextEncoding,
  ) {
    const codePoint = `U+${(character.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
    super(`"${character}" (${codePoint}) at position ${index} has no ${encoding.toUpperCase()} encoding; send it as hex or in UTF-8`);
    this.name = 'UnmappableCharacterError';
  }
}

/**
 * The bytes of `text` in `encoding`. UTF-8 and UTF-16LE represent every string (a lone surrogate
 * becomes U+FFFD in UTF-8, as TextEncoder does). CP949 throws UnmappableCharacterError for a
 * character outside it (emoji, most of Unicode) rather than sending a silent "?".
 */
export function encodeText(text: string, encoding: TextEncoding): Uint8Array {
  switch (encoding) {
    case 'utf8':
      return new TextEncoder().encode(text);
    case 'utf16le': {
      const bytes = new Uint8Array(text.length * 2);
      for (let i = 0; i < text.length; i++) {
        const unit = text.charCodeAt(i);
        bytes[2 * i] = unit & 0xff;
        bytes[2 * i + 1] = unit >> 8;
      }
      return bytes;
    }
    case 'cp949':
      return encodeCp949(text);
  }
}

/** The text of `bytes` in `encoding`; bytes that are not valid there become U+FFFD. */
export function decodeBytes(bytes: Uint8Array, encoding: TextEncoding): string {
  if (encoding === 'cp949') return decodeCp949(bytes);
  return new TextDecoder(encoding === 'utf8' ? 'utf-8' : 'utf-16le', { fatal: false }).decode(bytes);
}

interface Cp949Tables {
  /** Each mapped BMP code unit to its two bytes (lead << 8 | trail). */
  encode: Map<number, number>;
  /** Each two-byte sequence (lead << 8 | trail) to its code unit. */
  decode: Map<number, number>;
}

let cp949: Cp949Tables | null = null;

const firstSyllable = 0xac00;
const lastSyllable = 0xd7a3;

function cp949Tables(): Cp949Tables {
  if (cp949) return cp949;
  const encode = new Map<number, number>();
  const decode = new Map<number, number>();
  const add = (unit: number, pair: number): void => {
    // The first sequence of a character wins, as in the WHATWG encoder (lowest index pointer).
    if (!encode.has(unit)) encode.set(unit, pair);
    decode.set(pair, unit);
  };

  // Every two-byte sequence (lead 0x81-0xFE, trail 0x41-0xFE), each followed by a line feed, in one
  // decode. An unmapped pair decodes to U+FFFD, plus the trail byte itself when that is ASCII, so
  // the line feeds keep every pair on its own line either way.
  const input = new Uint8Array((0xfe - 0x81 + 1) * (0xfe - 0x41 + 1) * 3);
  let offset = 0;
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x41; trail <= 0xfe; trail++) {
      input[offset++] = lead;
      input[offset++] = trail;
      input[offset++] = 0x0a;
    }
  }
  const lines = new TextDecoder('euc-kr', { fatal: false }).decode(input).split('\n');
  let line = 0;
  for (let lead = 0x81; lead <= 0xfe; lead++) {
    for (let trail = 0x41; trail <= 0xfe; trail++) {
      const text = lines[line++] ?? '';
      const unit = text.charCodeAt(0);
      // ICU maps the user-defined rows to the Private Use Area; CP949 leaves them unmapped.
      if (text.length === 1 && unit !== 0xfffd && (unit < 0xe000 || unit > 0xf8ff)) add(unit, (lead << 8) | trail);
    }
  }
  // Two symbols CP949 gained after KS X 1001:1998, which ICU's EUC-KR lacks.
  if (!encode.has(0x20ac)) add(0x20ac, 0xa2e6);
  if (!encode.has(0xae)) add(0xae, 0xa2e7);

  // Node's ICU decodes euc-kr as plain EUC-KR (KS X 1001), without CP949's unified Hangul code.
  // That extension is regular: the 8,822 syllables KS X 1001 lacks, in Unicode order, fill the
  // sequences from 0x8141 (trails 41-5A, 61-7A, 81-FE under leads 81-A0; 41-5A, 61-7A, 81-A0
  // under leads A1-C6), so it is computed here when the decoder does not know it.
  const inKsX1001 = (unit: number): boolean => {
    const pair = encode.get(unit);
    return pair !== undefined && pair >> 8 >= 0xa1 && (pair & 0xff) >= 0xa1;
  };
  const slots = unifiedHangulSlots();
  let slot = 0;
  for (let unit = firstSyllable; unit <= lastSyllable; unit++) {
    if (inKsX1001(unit)) continue;
    const pair = slots[slot++];
    if (pair !== undefined && !decode.has(pair)) add(unit, pair);
  }
  cp949 = { encode, decode };
  return cp949;
}

function unifiedHangulSlots(): number[] {
  const slots: number[] = [];
  for (let lead = 0x81; lead <= 0xc6; lead++) {
    const lastTrail = lead <= 0xa0 ? 0xfe : 0xa0;
    for (let trail = 0x41; trail <= lastTrail; trail++) {
      if ((trail > 0x5a && trail < 0x61) || (trail > 0x7a && trail < 0x81)) continue;
      slots.push((lead << 8) | trail);
    }
  }
  return slots;
}

function decodeCp949(bytes: Uint8Array): string {
  const table = cp949Tables().decode;
  const units: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte < 0x80) {
      units.push(byte);
      continue;
    }
    const trail = bytes[i + 1];
    const unit = byte >= 0x81 && byte <= 0xfe && trail !== undefined ? table.get((byte << 8) | trail) : undefined;
    if (unit !== undefined) {
      units.push(unit);
      i += 1;
      continue;
    }
    units.push(0xfffd);
    // As in the WHATWG decoder, a lead with an ASCII trail loses only the lead.
    if (trail !== undefined && trail >= 0x80 && byte >= 0x81 && byte <= 0xfe) i += 1;
  }
  let text = '';
  for (let i = 0; i < units.length; i += 0x8000) text += String.fromCharCode(...units.slice(i, i + 0x8000));
  return text;
}

function encodeCp949(text: string): Uint8Array {
  const table = cp949Tables().encode;
  const bytes = new Uint8Array(text.length * 2);
  let length = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    if (unit < 0x80) {
      bytes[length++] = unit;
      continue;
    }
    const pair = table.get(unit);
    if (pair === undefined) throw new UnmappableCharacterError(String.fromCodePoint(text.codePointAt(i) ?? unit), i, 'cp949');
    bytes[length++] = pair >> 8;
    bytes[length++] = pair & 0xff;
  }
  return bytes.slice(0, length);
}

/** Bytes as lowercase hex pairs without separators ("c5c8"). */
export function toHex(bytes: Uint8Array): string {
  let hex = '';
  for (const byte of bytes) hex += byte.toString(16).padStart(2, '0');
  return hex;
}
