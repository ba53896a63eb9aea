import { z } from 'zod';
import { apiErrorSchema } from './api.js';
import type { LiveBatch, LiveCapture } from './engine-protocol.js';

/**
 * The agent's WebSocket protocol: JSON text frames. A browser calls the same API the desktop
 * preload offers (`apiCalls` in api.ts) and receives the same events (`apiEvents`). Typed arrays
 * of a batch's capture travel as base64 of their bytes (little-endian, as both ends are).
 */

export const agentClientMessageSchema = z.strictObject({
  type: z.literal('call'),
  id: z.int().min(0),
  name: z.string().max(64),
  args: z.array(z.unknown()).max(8),
});
export type AgentClientMessage = z.infer<typeof agentClientMessageSchema>;

// A plain union: two members share the 'reply' discriminator (success and failure).
export const agentServerMessageSchema = z.union([
  z.strictObject({ type: z.literal('reply'), id: z.int().min(0), ok: z.literal(true), value: z.unknown() }),
  z.strictObject({ type: z.literal('reply'), id: z.int().min(0), ok: z.literal(false), error: apiErrorSchema }),
  z.strictObject({ type: z.literal('event'), name: z.string(), payload: z.unknown() }),
]);
export type AgentServerMessage = z.infer<typeof agentServerMessageSchema>;

/** The agent's token travels in this cookie after the first authenticated page load, or as `?token=`. */
export const agentTokenCookie = 'sockscope_token';

const columnNames = ['atUs', 'connectionId', 'bytes', 'endpoint', 'direction', 'previewLength', 'previews'] as const;
type ColumnName = (typeof columnNames)[number];
const columnTypes = {
  atUs: Float64Array,
  connectionId: Uint32Array,
  bytes: Uint32Array,
  endpoint: Uint16Array,
  direction: Uint8Array,
  previewLength: Uint16Array,
  previews: Uint8Array,
} as const;

export type WireCapture = Omit<LiveCapture, ColumnName> & Record<ColumnName, string>;
export type WireBatch = Omit<LiveBatch, 'capture'> & { capture: WireCapture };

/** Base64 of bytes, in chunks so that large buffers do not overflow the argument list. */
export function toBase64(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

export function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export function encodeBatch(batch: LiveBatch): WireBatch {
  const capture = { ...batch.capture } as unknown as Record<string, unknown>;
  for (const name of columnNames) {
    const column = batch.capture[name];
    capture[name] = toBase64(new Uint8Array(column.buffer, column.byteOffset, column.byteLength));
  }
  return { ...batch, capture: capture as WireCapture };
}

/** Rebuilds the typed arrays; the result is then checked with liveBatchSchema by the caller. */
export function decodeBatch(wire: WireBatch): LiveBatch {
  const capture = { ...wire.capture } as unknown as Record<string, unknown>;
  for (const name of columnNames) {
    const bytes = fromBase64(String(wire.capture[name] ?? ''));
    const Type = columnTypes[name];
    if (bytes.byteLength % Type.BYTES_PER_ELEMENT !== 0) throw new TypeError(`capture.${name}: ${bytes.byteLength} bytes is not a whole number of elements`);
    capture[name] = new Type(bytes.buffer as ArrayBuffer, bytes.byteOffset, bytes.byteLength / Type.BYTES_PER_ELEMENT);
  }
  return { ...wire, capture: capture as unknown as LiveCapture };
}
