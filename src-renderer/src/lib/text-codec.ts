/** The encodings a user may send and inspect in. */
export const textEncodings = ['utf8', 'utf16le', 'cp949'] as const;
export type TextEncodingName = (typeof textEncodings)[number];

export const encodingLabels: Record<TextEncodingName, string> = { utf8: 'UTF-8', utf16le: 'UTF-16LE', cp949: 'CP949' };

const decoderLabels: Record<TextEncodingName, string> = { utf8: 'utf-8', utf16le: 'utf-16le', cp949: 'euc-kr' };

/** Bytes as text; undecodable bytes become U+FFFD, control characters a visible middle dot. */
export function decodeBytes(bytes: Uint8Array, encoding: TextEncodingName): string {
  const text = new TextDecoder(decoderLabels[encoding], { fatal: false }).decode(bytes);
  let out = '';
  for (const char of text) {
    const code = char.codePointAt(0) ?? 0;
    out += (code < 0x20 && code !== 0x0a && code !== 0x09) || code === 0x7f ? '·' : char;
  }
  return out;
}

/** Bytes as "48 65 6c", sixteen to a line. */
export function formatHex(bytes: Uint8Array, perLine = 16): string {
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += perLine) {
    const row = Array.from(bytes.subarray(offset, offset + perLine), (byte) => byte.toString(16).padStart(2, '0'));
    lines.push(`${offset.toString(16).padStart(4, '0')}  ${row.join(' ')}`);
  }
  return lines.join('\n');
}

/** Checks what a user typed as hex: pairs of digits, spaces allowed. */
export function isHexText(text: string): boolean {
  return /^(?:[0-9a-fA-F]{2}\s*)*$/.test(text.trim()) && text.trim().length > 0;
}
