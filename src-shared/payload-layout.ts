/**
 * A layout language for messages, and a decoder that reads a captured payload against it: the
 * seed's packet serialization, a fixed part first, then variable parts each found through an
 * (offset, count) header kept in the fixed part. Pure, so the renderer's inspector, the command
 * line and the HTML report can all use it.
 *
 * A layout is fields separated by white space (spaces or lines), a comma or a semicolon; `#`
 * starts a comment to the end of the line:
 *
 *     @big                                  optional, first: the default byte order (little if absent)
 *     name:u8 u16 u32 u64 i8 i16 i32 i64 f32 f64
 *     name:u16be  name:u32le                a suffix sets one field's byte order
 *     name:bytes[8]  utf8[12]  utf16le[6]  cp949[10]
 *                                           a fixed run of N elements: bytes, or code units of the text
 *     name:utf16le(u16,u16)  utf8(u32)  bytes(u16)
 *                                           a variable run: its (offset, count) header here, the
 *                                           elements at that offset; one type serves for both
 *     name:list(u16,u16){buffId:u64 remainS:f32}
 *                                           a variable list of elements of the layout in braces,
 *                                           found the same way; lists nest
 *
 * Offsets count from the first byte of the decoded bytes, which for a capture record of a framed
 * workload is the frame's [size][id] header, as in the seed, where an offset counts from the start
 * of the packet. A count counts elements: list elements, bytes, or UTF-16 code units.
 *
 * Decoding never throws. Every (offset, count) is checked as a careful server checks what a client
 * sends: a count whose size overflows 32 bits, a part that ends past the message's real size or
 * begins inside the fixed part is reported as "would be rejected: ..." and not followed. Parts that
 * pass on their own but overlap one another are each marked with the part they overlap. A field
 * that lies beyond the bytes a capture kept is reported as not previewed rather than read as zeros.
 */

import { decodeBytes } from './encodings.js';
import type { FrameFormat } from './profile.js';

export type ByteOrder = 'little' | 'big';

export const scalarKinds = ['u8', 'u16', 'u32', 'u64', 'i8', 'i16', 'i32', 'i64', 'f32', 'f64'] as const;
export type ScalarKind = (typeof scalarKinds)[number];

/** What a run's elements are: raw bytes, or text in one of the inspector's encodings. */
export const runEncodings = ['bytes', 'utf8', 'utf16le', 'cp949'] as const;
export type RunEncoding = (typeof runEncodings)[number];

export interface ScalarType {
  kind: 'scalar';
  scalar: ScalarKind;
  byteOrder: ByteOrder;
}

/** N elements in place. */
export interface FixedRunType {
  kind: 'fixed-run';
  encoding: RunEncoding;
  count: number;
}

/** Elements elsewhere, found through an (offset, count) header in place. */
export interface VariableRunType {
  kind: 'variable-run';
  encoding: RunEncoding;
  offset: ScalarType;
  count: ScalarType;
}

export interface ListType {
  kind: 'list';
  offset: ScalarType;
  count: ScalarType;
  element: LayoutField[];
  elementBytes: number;
}

export type FieldType = ScalarType | FixedRunType | VariableRunType | ListType;

export interface LayoutField {
  name: string;
  type: FieldType;
  /** The type as it reads back, e.g. `u16be`, `utf16le(u16,u16)`. */
  typeText: string;
  /** Bytes the field takes in place: a variable part's in-place share is its header. */
  sizeBytes: number;
  /** Where the field starts in the layout text. */
  position: number;
}

export interface PayloadLayout {
  byteOrder: ByteOrder;
  fields: LayoutField[];
  /** The size of the fixed part: every top-level field in place. */
  fixedBytes: number;
}

export interface LayoutParseError {
  /** Index into the text (UTF-16 units), with its 1-based line and column. */
  position: number;
  line: number;
  column: number;
  expected: string;
  found: string;
  /** "line 1, column 14: expected a type ..., found "x32"" */
  message: string;
}

export type LayoutParse = { ok: true; layout: PayloadLayout } | { ok: false; error: LayoutParseError };

/** Bounds on what a layout may declare, so a typed layout cannot make the decoder allocate without end. */
export const layoutLimits = { maxChars: 4000, maxFields: 256, maxListDepth: 4, maxFixedRunElements: 65536 } as const;

/** Bounds on one decode: elements per list and rows in all. */
export const decodeLimits = { maxListElements: 256, maxRows: 4096 } as const;

const scalarBytes: Record<ScalarKind, number> = { u8: 1, u16: 2, u32: 4, u64: 8, i8: 1, i16: 2, i32: 4, i64: 8, f32: 4, f64: 8 };
const runElementBytes: Record<RunEncoding, number> = { bytes: 1, utf8: 1, utf16le: 2, cp949: 1 };
const scalarPattern = /^(u8|u16|u32|u64|i8|i16|i32|i64|f32|f64)(le|be)?$/;
const wordPattern = /[A-Za-z0-9_]+/y;
const typeExpectation = 'a type (u8..u64, i8..i64, f32, f64, bytes, utf8, utf16le, cp949 or list)';

class ParseFailure extends Error {
  constructor(
    readonly position: number,
    readonly expected: string,
    readonly found: string,
  ) {
    super(expected);
  }
}

/** A recursive-descent reader over the layout text; positions are string indexes. */
class LayoutReader {
  private at = 0;
  private fieldCount = 0;

  constructor(private readonly text: string) {}

  parse(): PayloadLayout {
    this.skipBlank();
    let byteOrder: ByteOrder = 'little';
    if (this.text[this.at] === '@') {
      const start = this.at;
      this.at += 1;
      const word = this.word();
      if (word !== 'big' && word !== 'little') throw new ParseFailure(start + 1, '"big" or "little" after "@"', this.describe(word, start + 1));
      byteOrder = word;
    }
    const fields = this.fields(byteOrder, 0);
    this.skipBlank();
    if (this.at < this.text.length) throw this.failure(this.text[this.at] === '}' ? 'a field (this "}" closes no list)' : 'a field name');
    return { byteOrder, fields, fixedBytes: sumBytes(fields) };
  }

  /** Fields up to a closing brace or the end; names are unique among siblings. */
  private fields(byteOrder: ByteOrder, depth: number): LayoutField[] {
    const fields: LayoutField[] = [];
    const names = new Set<string>();
    for (;;) {
      this.skipBlank();
      if (fields.length > 0 && (this.text[this.at] === ',' || this.text[this.at] === ';')) {
        this.at += 1;
        this.skipBlank();
      }
      if (this.at >= this.text.length || this.text[this.at] === '}') return fields;
      const position = this.at;
      const name = this.word();
      if (!name) throw this.failure('a field name (letters, digits, _)');
      if (/^[0-9]/.test(name)) throw new ParseFailure(position, 'a field name that starts with a letter or _', this.describe(name, position));
      if (names.has(name)) throw new ParseFailure(position, `a name not used before at this level ("${name}" is)`, this.describe(name, position));
      names.add(name);
      this.fieldCount += 1;
      if (this.fieldCount > layoutLimits.maxFields) throw new ParseFailure(position, `at most ${layoutLimits.maxFields} fields`, this.describe(name, position));
      this.skipBlank();
      this.expect(':', `":" and a type after "${name}"`);
      this.skipBlank();
      const type = this.type(byteOrder, depth);
      fields.push({ name, position, ...type });
    }
  }

  private type(byteOrder: ByteOrder, depth: number): Omit<LayoutField, 'name' | 'position'> {
    const start = this.at;
    const word = this.word();
    if (!word) throw this.failure(typeExpectation);
    if (scalarPattern.test(word)) {
      const type = scalarOf(word, byteOrder);
      return { type, typeText: word, sizeBytes: scalarBytes[type.scalar] };
    }
    if ((runEncodings as readonly string[]).includes(word)) {
      const encoding = word as RunEncoding;
      this.skipBlank();
      if (this.text[this.at] === '[') {
        this.at += 1;
        this.skipBlank();
        const countAt = this.at;
        const digits = /^[0-9]+/.exec(this.text.slice(this.at))?.[0] ?? '';
        if (!digits) throw this.failure(`a count of ${encoding === 'utf16le' ? 'code units' : encoding === 'bytes' ? 'bytes' : 'bytes of text'} in "${word}[...]"`);
        const count = Number(digits);
        if (count > layoutLimits.maxFixedRunElements) throw new ParseFailure(countAt, `a count of at most ${layoutLimits.maxFixedRunElements}`, digits);
        this.at += digits.length;
        this.skipBlank();
        this.expect(']', `"]" after "${word}[${digits}"`);
        return { type: { kind: 'fixed-run', encoding, count }, typeText: `${word}[${count}]`, sizeBytes: count * runElementBytes[encoding] };
      }
      if (this.text[this.at] === '(') {
        const header = this.header(word, byteOrder);
        return { type: { kind: 'variable-run', encoding, ...header }, typeText: `${word}(${header.text})`, sizeBytes: header.sizeBytes };
      }
      throw this.failure(`"[" and a count, or "(" and offset and count types, after "${word}"`);
    }
    if (word === 'list') {
      if (depth >= layoutLimits.maxListDepth) throw new ParseFailure(start, `lists nested at most ${layoutLimits.maxListDepth} deep`, 'list');
      this.skipBlank();
      if (this.text[this.at] !== '(') throw this.failure('"(" and offset and count types after "list"');
      const header = this.header(word, byteOrder);
      this.skipBlank();
      this.expect('{', `"{" and the element's fields after "list(${header.text})"`);
      const elementAt = this.at;
      const element = this.fields(byteOrder, depth + 1);
      if (element.length === 0) throw this.failure('at least one field in the list element');
      // Zero-byte elements would let any count pass every check; no real format has them.
      if (sumBytes(element) === 0) throw new ParseFailure(elementAt, 'a list element of at least one byte', `${element.length} field(s) of 0 bytes`);
      this.expect('}', '"}" closing the list element');
      return { type: { kind: 'list', offset: header.offset, count: header.count, element, elementBytes: sumBytes(element) }, typeText: `list(${header.text})`, sizeBytes: header.sizeBytes };
    }
    throw new ParseFailure(start, typeExpectation, this.describe(word, start));
  }

  /** "(offsetType, countType)" or "(type)" for both; unsigned integers only. */
  private header(owner: string, byteOrder: ByteOrder): { offset: ScalarType; count: ScalarType; text: string; sizeBytes: number } {
    this.expect('(', `"(" after "${owner}"`);
    this.skipBlank();
    const offsetText = this.headerType(`the offset's type in "${owner}(...)": u8, u16, u32 or u64`);
    this.skipBlank();
    let countText = offsetText;
    const countTyped = this.text[this.at] === ',';
    if (countTyped) {
      this.at += 1;
      this.skipBlank();
      countText = this.headerType(`the count's type in "${owner}(${offsetText}, ...)": u8, u16, u32 or u64`);
      this.skipBlank();
    }
    this.expect(')', `")" or "," and the count's type after "${owner}(${offsetText}"`);
    const offset = scalarOf(offsetText, byteOrder);
    const count = scalarOf(countText, byteOrder);
    const text = countTyped ? `${offsetText},${countText}` : offsetText;
    return { offset, count, text, sizeBytes: scalarBytes[offset.scalar] + scalarBytes[count.scalar] };
  }

  private headerType(expected: string): string {
    const start = this.at;
    const word = this.word();
    if (!/^u(8|16|32|64)(le|be)?$/.test(word)) throw new ParseFailure(start, expected, this.describe(word, start));
    return word;
  }

  private word(): string {
    wordPattern.lastIndex = this.at;
    const word = wordPattern.exec(this.text)?.[0] ?? '';
    this.at += word.length;
    return word;
  }

  private expect(char: string, expected: string): void {
    if (this.text[this.at] !== char) throw this.failure(expected);
    this.at += 1;
  }

  /** White space and comments. */
  private skipBlank(): void {
    for (;;) {
      const char = this.text[this.at];
      if (char === undefined) return;
      if (char === '#') {
        const end = this.text.indexOf('\n', this.at);
        this.at = end < 0 ? this.text.length : end + 1;
      } else if (/\s/.test(char)) this.at += 1;
      else return;
    }
  }

  /** A failure at the current position, naming the word or character found there. */
  private failure(expected: string): ParseFailure {
    wordPattern.lastIndex = this.at;
    const word = wordPattern.exec(this.text)?.[0] ?? '';
    return new ParseFailure(this.at, expected, this.describe(word, this.at));
  }

  private describe(token: string, position: number): string {
    if (position >= this.text.length) return 'the end of the layout';
    return token ? `"${token}"` : `"${this.text[position] ?? ''}"`;
  }
}

function scalarOf(word: string, byteOrder: ByteOrder): ScalarType {
  const match = scalarPattern.exec(word);
  const scalar = (match?.[1] ?? 'u8') as ScalarKind;
  const suffix = match?.[2];
  return { kind: 'scalar', scalar, byteOrder: suffix === 'be' ? 'big' : suffix === 'le' ? 'little' : byteOrder };
}

function sumBytes(fields: LayoutField[]): number {
  return fields.reduce((sum, field) => sum + field.sizeBytes, 0);
}

function lineAndColumn(text: string, position: number): { line: number; column: number } {
  const before = text.slice(0, position);
  const lineStart = before.lastIndexOf('\n') + 1;
  return { line: before.split('\n').length, column: position - lineStart + 1 };
}

/** Parses a layout; a mistake comes back as a value naming its position and what was expected there. */
export function parseLayout(text: string): LayoutParse {
  const fail = (position: number, expected: string, found: string): LayoutParse => {
    const { line, column } = lineAndColumn(text, position);
    return { ok: false, error: { position, line, column, expected, found, message: `line ${line}, column ${column}: expected ${expected}, found ${found}` } };
  };
  if (text.length > layoutLimits.maxChars) return fail(layoutLimits.maxChars, `a layout of at most ${layoutLimits.maxChars} characters`, `${text.length} characters`);
  try {
    const layout = new LayoutReader(text).parse();
    if (layout.fields.length === 0) return fail(text.length, 'at least one field, e.g. "size:u16 id:u16"', 'the end of the layout');
    return { ok: true, layout };
  } catch (error) {
    if (error instanceof ParseFailure) return fail(error.position, error.expected, error.found);
    throw error;
  }
}

/** The seed's example: a player's fixed fields, a list of buffs and a UTF-16 name after them. */
export const seedExampleLayout = 'size:u16 id:u16 playerId:u64 hp:u32 attack:u16 buffs:list(u16,u16){buffId:u64 remainS:f32} name:utf16le(u16)';

/** The [size][id] header of a framed workload's frames, as a layout. */
export function frameHeaderLayout(frame: FrameFormat): string {
  const counts = frame.sizeIncludesHeader ? 'counts the header' : 'counts the payload only';
  const lines = [`# [size][id] frame header, ${frame.byteOrder}-endian; size ${counts}`];
  if (frame.byteOrder === 'big') lines.push('@big');
  lines.push(`size:u${8 * frame.sizeBytes} id:u${8 * frame.idBytes}`);
  return lines.join('\n');
}

/** One decoded field; a list's elements and their fields are its children. */
export interface DecodedField {
  name: string;
  typeText: string;
  /** Where the field lies in the payload: for a variable part, its (offset, count) header. */
  offsetBytes: number;
  sizeBytes: number;
  /** The bytes a variable part points at, when its header was read and passed the checks. */
  target: { offsetBytes: number; sizeBytes: number } | null;
  /** For display: numbers in decimal (64-bit ones exact), text quoted with escapes, bytes in hex. */
  value: string | null;
  /** Why the value is missing or what a receiver would make of it; null when all is well. */
  problem: string | null;
  children: DecodedField[];
}

export interface DecodedPayload {
  fields: DecodedField[];
  fixedBytes: number;
  /** Bytes of the message the capture kept, and the message's real size. */
  previewBytes: number;
  messageBytes: number;
  /** Limits reached while decoding, in words. */
  limitsHit: string[];
}

interface DecodeContext {
  view: DataView;
  preview: Uint8Array;
  messageBytes: number;
  fixedBytes: number;
  rows: number;
  limitsHit: Set<string>;
}

const maxShownHexBytes = 32;
/** A receiver computing count x element size in 32 bits wraps past this. */
const largestSize32 = 0xffff_ffffn;

/**
 * Reads `preview` (the first bytes of a message of `messageBytes`) against `layout`. Never throws:
 * every problem is a field's `problem`. At most 256 elements of a list and 4096 rows are decoded.
 */
export function decodePayload(layout: PayloadLayout, preview: Uint8Array, messageBytes: number): DecodedPayload {
  const context: DecodeContext = {
    view: new DataView(preview.buffer, preview.byteOffset, preview.byteLength),
    preview,
    messageBytes: Math.max(messageBytes, preview.length),
    fixedBytes: layout.fixedBytes,
    rows: 0,
    limitsHit: new Set(),
  };
  const fields = decodeFields(layout.fields, 0, context);
  flagOverlaps(fields);
  return { fields, fixedBytes: layout.fixedBytes, previewBytes: preview.length, messageBytes: context.messageBytes, limitsHit: [...context.limitsHit] };
}

function decodeFields(fields: LayoutField[], baseBytes: number, context: DecodeContext): DecodedField[] {
  const out: DecodedField[] = [];
  let at = baseBytes;
  for (const field of fields) {
    if (context.rows >= decodeLimits.maxRows) {
      context.limitsHit.add(`decoding stopped after ${decodeLimits.maxRows} rows`);
      break;
    }
    context.rows += 1;
    out.push(decodeField(field, at, context));
    at += field.sizeBytes;
  }
  return out;
}

function decodeField(field: LayoutField, offsetBytes: number, context: DecodeContext): DecodedField {
  const node: DecodedField = { name: field.name, typeText: field.typeText, offsetBytes, sizeBytes: field.sizeBytes, target: null, value: null, problem: null, children: [] };
  node.problem = reachProblem(offsetBytes, field.sizeBytes, context);
  if (node.problem !== null) return node;
  const type = field.type;
  switch (type.kind) {
    case 'scalar':
      node.value = formatScalar(context.view, offsetBytes, type);
      return node;
    case 'fixed-run':
      node.value = formatRun(context.preview.subarray(offsetBytes, offsetBytes + field.sizeBytes), type.encoding);
      return node;
    case 'variable-run':
    case 'list':
      decodeVariablePart(node, type, offsetBytes, context);
      return node;
  }
}

/** Why the bytes [offset, offset + size) cannot be read: past the message, or past what the capture kept. */
function reachProblem(offsetBytes: number, sizeBytes: number, context: DecodeContext): string | null {
  const end = offsetBytes + sizeBytes;
  if (end > context.messageBytes) return `would be rejected: ends at byte ${end}, past the end of the ${context.messageBytes}-byte message`;
  if (end > context.preview.length) return notPreviewed(context);
  return null;
}

function notPreviewed(context: DecodeContext): string {
  return `not previewed (${context.preview.length} bytes kept)`;
}

function decodeVariablePart(node: DecodedField, type: VariableRunType | ListType, headerBytes: number, context: DecodeContext): void {
  const offset = readUnsigned(context.view, headerBytes, type.offset);
  const count = readUnsigned(context.view, headerBytes + scalarBytes[type.offset.scalar], type.count);
  const elementBytes = type.kind === 'list' ? type.elementBytes : runElementBytes[type.encoding];
  const where = `${count} × ${elementBytes} B at offset ${offset}`;
  if (count === 0n) {
    node.value = type.kind === 'list' ? `empty (count 0 at offset ${offset})` : type.encoding === 'bytes' ? 'empty' : '""';
    return;
  }
  const dataBytes = count * BigInt(elementBytes);
  const end = offset + dataBytes;
  const rejections: string[] = [];
  if (dataBytes > largestSize32) rejections.push(`count ${count} × ${elementBytes} bytes overflows a 32-bit size (it wraps to ${dataBytes & largestSize32})`);
  else if (end > BigInt(context.messageBytes)) rejections.push(`${where} ends at byte ${end}, past the end of the ${context.messageBytes}-byte message`);
  if (offset < BigInt(context.fixedBytes)) rejections.push(`offset ${offset} lies inside the ${context.fixedBytes}-byte fixed part`);
  if (rejections.length > 0) {
    node.value = where;
    node.problem = `would be rejected: ${rejections.join('; ')}`;
    return;
  }
  // Past the checks the part lies inside the message, so these fit in a double exactly.
  const start = Number(offset);
  const size = Number(dataBytes);
  node.target = { offsetBytes: start, sizeBytes: size };
  if (type.kind === 'variable-run') {
    if (start + size > context.preview.length) node.problem = notPreviewed(context);
    else node.value = formatRun(context.preview.subarray(start, start + size), type.encoding);
    return;
  }
  node.value = where;
  decodeElements(node, type, start, Number(count), context);
}

function decodeElements(node: DecodedField, type: ListType, startBytes: number, count: number, context: DecodeContext): void {
  const decoded = Math.min(count, decodeLimits.maxListElements);
  for (let index = 0; index < decoded; index++) {
    const elementAt = startBytes + index * type.elementBytes;
    if (elementAt >= context.preview.length) {
      node.children.push(summaryRow(`[${index}..${count - 1}]`, elementAt, (count - index) * type.elementBytes, null, notPreviewed(context)));
      return;
    }
    if (context.rows >= decodeLimits.maxRows) {
      context.limitsHit.add(`decoding stopped after ${decodeLimits.maxRows} rows`);
      return;
    }
    context.rows += 1;
    const element = summaryRow(`[${index}]`, elementAt, type.elementBytes, null, null);
    element.children = decodeFields(type.element, elementAt, context);
    node.children.push(element);
  }
  if (count > decoded) {
    const elementAt = startBytes + decoded * type.elementBytes;
    context.limitsHit.add(`lists decoded up to ${decodeLimits.maxListElements} elements`);
    node.children.push(summaryRow(`[${decoded}..${count - 1}]`, elementAt, (count - decoded) * type.elementBytes, `${count - decoded} more not decoded (at most ${decodeLimits.maxListElements} per list)`, null));
  }
}

/**
 * Marks each variable part whose bytes overlap a part that begins before it (or at the same byte,
 * earlier in the layout). Each passed the checks on its own; together they alias the same bytes,
 * which no serializer writes and a crafted packet may use to show two readers different values.
 */
function flagOverlaps(fields: DecodedField[]): void {
  const parts: { node: DecodedField; path: string }[] = [];
  const collect = (nodes: DecodedField[], prefix: string) => {
    for (const node of nodes) {
      const path = node.name.startsWith('[') ? `${prefix}${node.name}` : prefix ? `${prefix}.${node.name}` : node.name;
      if (node.target && node.target.sizeBytes > 0) parts.push({ node, path });
      collect(node.children, path);
    }
  };
  collect(fields, '');
  // Stable: parts starting at the same byte keep their layout order.
  parts.sort((a, b) => a.node.target!.offsetBytes - b.node.target!.offsetBytes);
  let reach: { path: string; start: number; end: number } | null = null;
  for (const { node, path } of parts) {
    const { offsetBytes: start, sizeBytes } = node.target!;
    if (reach && start < reach.end) {
      const overlap = `overlaps "${reach.path}" (bytes ${reach.start}–${reach.end - 1}): both parts read the same bytes`;
      node.problem = node.problem === null ? overlap : `${node.problem}; ${overlap}`;
    }
    if (!reach || start + sizeBytes > reach.end) reach = { path, start, end: start + sizeBytes };
  }
}

function summaryRow(name: string, offsetBytes: number, sizeBytes: number, value: string | null, problem: string | null): DecodedField {
  return { name, typeText: '', offsetBytes, sizeBytes, target: null, value, problem, children: [] };
}

function readUnsigned(view: DataView, at: number, type: ScalarType): bigint {
  const little = type.byteOrder === 'little';
  switch (type.scalar) {
    case 'u8':
      return BigInt(view.getUint8(at));
    case 'u16':
      return BigInt(view.getUint16(at, little));
    case 'u32':
      return BigInt(view.getUint32(at, little));
    default:
      return view.getBigUint64(at, little);
  }
}

function formatScalar(view: DataView, at: number, type: ScalarType): string {
  const little = type.byteOrder === 'little';
  switch (type.scalar) {
    case 'u8':
      return String(view.getUint8(at));
    case 'u16':
      return String(view.getUint16(at, little));
    case 'u32':
      return String(view.getUint32(at, little));
    case 'u64':
      return view.getBigUint64(at, little).toString();
    case 'i8':
      return String(view.getInt8(at));
    case 'i16':
      return String(view.getInt16(at, little));
    case 'i32':
      return String(view.getInt32(at, little));
    case 'i64':
      return view.getBigInt64(at, little).toString();
    case 'f32':
      return shortestFloat32(view.getFloat32(at, little));
    case 'f64':
      return String(view.getFloat64(at, little));
  }
}

/** The fewest digits that read back as the same float32 (0.1, not the double 0.10000000149011612); nine always do. */
function shortestFloat32(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  for (let digits = 1; digits < 9; digits++) {
    const text = value.toPrecision(digits);
    if (Math.fround(Number(text)) === value) return String(Number(text));
  }
  return String(Number(value.toPrecision(9)));
}

function formatRun(bytes: Uint8Array, encoding: RunEncoding): string {
  if (encoding === 'bytes') {
    const shown = Array.from(bytes.subarray(0, maxShownHexBytes), (byte) => byte.toString(16).padStart(2, '0')).join(' ');
    return bytes.length > maxShownHexBytes ? `${shown} … (${bytes.length} bytes)` : shown;
  }
  // Quoted with JSON's escapes, so control characters, NULs and the string's ends stay visible.
  return JSON.stringify(decodeBytes(bytes, encoding));
}
