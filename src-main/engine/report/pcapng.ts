import { isIPv4, isIPv6 } from 'node:net';
import type { CaptureEntry, ConnectionResult, EndpointResult, RunResult } from '../../../src-shared/result.js';

/**
 * A run's capture as a pcapng file that Wireshark and tshark open. The capture holds application
 * reads and writes, not packets, so each entry becomes an "exported PDU" (link type
 * LINKTYPE_WIRESHARK_UPPER_PDU): a list of tags giving the addresses, ports and transport, then
 * the payload, shown by Wireshark's "data" dissector. Tag numbers and encoding follow Wireshark's
 * wsutil/exported_pdu_tlvs.h; blocks follow the pcapng specification (draft-ietf-opsawg-pcapng).
 */

/** LINKTYPE_WIRESHARK_UPPER_PDU (tcpdump.org link-layer header types). */
export const linkTypeUpperPdu = 252;

/** The exported-PDU tag numbers used here (wsutil/exported_pdu_tlvs.h). */
export const exportedPduTag = {
  endOfOptions: 0,
  dissectorName: 12,
  ipv4Source: 20,
  ipv4Destination: 21,
  ipv6Source: 22,
  ipv6Destination: 23,
  portType: 24,
  sourcePort: 25,
  destinationPort: 26,
  /** Text for Wireshark's Protocol column, since the "data" dissector leaves "Exported PDU" there. */
  protocolColumnText: 33,
} as const;

/** EXP_PDU_PT_TCP and EXP_PDU_PT_UDP: exported-PDU port types, not libwireshark's port_type enum. */
export const exportedPduPortType = { tcp: 2, udp: 3 } as const;

/** The dissector Wireshark hands the payload to: it shows the bytes as they are. */
const payloadDissector = 'data';

const blockType = { sectionHeader: 0x0a0d0d0a, interfaceDescription: 1, enhancedPacket: 6 } as const;
const byteOrderMagic = 0x1a2b3c4d;
const option = { endOfOptions: 0, comment: 1, shbUserApplication: 4, ifName: 2, ifTimestampResolution: 9 } as const;
/** if_tsresol 6: timestamps count microseconds (10^-6 s), the unit of the capture's atUs. */
const microsecondResolution = 6;

/** An address and port as bytes, for the exported-PDU tags. */
export interface SocketAddressBytes {
  family: 4 | 6;
  /** 4 or 16 bytes in network order; null when the address is unknown or unspecified (0.0.0.0, ::). */
  address: Buffer | null;
  /** null when unknown or 0. */
  port: number | null;
}

/** One direction of a connection: where the bytes came from and went to. */
export interface Flow {
  transport: 'tcp' | 'udp' | null;
  source: SocketAddressBytes | null;
  destination: SocketAddressBytes | null;
}

/**
 * The capture of a run as a pcapng file: a section header, one interface with link type 252, and
 * one enhanced packet block per capture entry, in time order. A packet's captured bytes are the
 * entry's preview; its original length is the entry's byte count, so tools show the real sizes.
 * Throws a RangeError when result.startedAt is not a date.
 */
export function toPcapng(result: RunResult): Buffer {
  const startedAtMs = Date.parse(result.startedAt);
  if (Number.isNaN(startedAtMs)) throw new RangeError(`startedAt is not a date: "${result.startedAt}"`);
  const flows = new FlowTable(result);
  const blocks = [sectionHeaderBlock(sectionComment(result)), interfaceDescriptionBlock()];
  // Threads record into the ring in nearly, not strictly, time order; readers expect time order.
  const entries = [...result.capture.entries].sort((a, b) => a.atUs - b.atUs);
  for (const entry of entries) {
    const timestampUs = Math.round(startedAtMs * 1000 + entry.atUs);
    blocks.push(enhancedPacketBlock(entry, flows.of(entry), timestampUs));
  }
  return Buffer.concat(blocks);
}

/** The exported-PDU tags that precede the payload of one entry, ending with the end-of-options tag. */
export function exportedPduTags(flow: Flow): Buffer {
  const tags: Buffer[] = [stringTag(exportedPduTag.dissectorName, payloadDissector)];
  if (flow.transport !== null) tags.push(stringTag(exportedPduTag.protocolColumnText, flow.transport.toUpperCase()));
  const { source, destination } = flow;
  // Wireshark takes both addresses from the tags; a family mix (never seen on one socket) gets none.
  const sameFamily = source === null || destination === null || source.family === destination.family;
  if (source?.address && sameFamily) {
    tags.push(tag(source.family === 4 ? exportedPduTag.ipv4Source : exportedPduTag.ipv6Source, source.address));
  }
  if (destination?.address && sameFamily) {
    tags.push(tag(destination.family === 4 ? exportedPduTag.ipv4Destination : exportedPduTag.ipv6Destination, destination.address));
  }
  if (flow.transport !== null) tags.push(uint32Tag(exportedPduTag.portType, exportedPduPortType[flow.transport]));
  if (source?.port) tags.push(uint32Tag(exportedPduTag.sourcePort, source.port));
  if (destination?.port) tags.push(uint32Tag(exportedPduTag.destinationPort, destination.port));
  tags.push(tag(exportedPduTag.endOfOptions, Buffer.alloc(0)));
  return Buffer.concat(tags);
}

/** A tag: 2-byte big-endian type, 2-byte big-endian length, the value. */
function tag(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value]);
}

function uint32Tag(type: number, value: number): Buffer {
  const bytes = Buffer.alloc(4);
  bytes.writeUInt32BE(value, 0);
  return tag(type, bytes);
}

/**
 * A string tag, padded with null bytes to a multiple of 4 as Wireshark writes them; the padding
 * counts in the length (readers drop trailing nulls), so the next tag stays 32-bit aligned.
 */
function stringTag(type: number, text: string): Buffer {
  const bytes = Buffer.from(text, 'utf8');
  return tag(type, Buffer.concat([bytes, Buffer.alloc(padding(bytes.length))]));
}

/** Resolves each entry's endpoint and connection to a flow, once per connection and direction. */
class FlowTable {
  private readonly endpoints = new Map<string, EndpointResult>();
  private readonly flows = new Map<string, Flow>();

  constructor(private readonly result: RunResult) {
    for (const endpoint of result.endpoints) this.endpoints.set(endpoint.id, endpoint);
  }

  of(entry: CaptureEntry): Flow {
    const key = `${entry.endpoint}\u0000${entry.connection}\u0000${entry.direction}`;
    let flow = this.flows.get(key);
    if (flow === undefined) {
      flow = this.resolve(entry);
      this.flows.set(key, flow);
    }
    return flow;
  }

  private resolve(entry: CaptureEntry): Flow {
    const endpoint = this.endpoints.get(entry.endpoint);
    if (endpoint === undefined) return { transport: null, source: null, destination: null };
    const connection = endpoint.connections.find((candidate) => candidate.id === entry.connection);
    const local = parseSocketAddress(connection?.local ?? null);
    const remote = parseSocketAddress(connection?.remote ?? null) ?? this.connectTarget(endpoint, connection);
    // A write goes from this socket to its peer, a read from the peer to this socket.
    return entry.direction === 'write'
      ? { transport: endpoint.transport, source: local, destination: remote }
      : { transport: endpoint.transport, source: remote, destination: local };
  }

  /**
   * The peer of a client socket that reports none (an unconnected UDP socket): the server it
   * sends to, as the profile names it. A server's UDP peers are not recorded, so they stay unknown.
   */
  private connectTarget(endpoint: EndpointResult, connection: ConnectionResult | undefined): SocketAddressBytes | null {
    if (endpoint.role !== 'client' || connection === undefined) return null;
    const spec = this.result.profile.endpoints.find((candidate) => candidate.id === endpoint.id);
    const connect = spec?.connect;
    if (connect === undefined) return null;
    if ('endpoint' in connect) return parseSocketAddress(this.endpoints.get(connect.endpoint)?.listen ?? null);
    return addressBytes(connect.host, connect.port);
  }
}

/**
 * Reads "127.0.0.1:40123" or "[::1]:40123" as bytes; null for null, a host name or a malformed
 * string. The wildcard address and port 0 come back as null fields: they are not where bytes went.
 */
export function parseSocketAddress(text: string | null): SocketAddressBytes | null {
  if (text === null) return null;
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text);
  if (match === null) return null;
  return addressBytes((match[1] ?? match[2]) as string, Number(match[3]));
}

function addressBytes(host: string, port: number): SocketAddressBytes | null {
  if (port > 65535) return null;
  const family = isIPv4(host) ? 4 : isIPv6(host) ? 6 : null;
  if (family === null) return null;
  const bytes = family === 4 ? ipv4Bytes(host) : ipv6Bytes(host);
  return { family, address: bytes.every((byte) => byte === 0) ? null : bytes, port: port === 0 ? null : port };
}

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

/** An IPv6 address (already checked by isIPv6) as 16 bytes: "::" expanded, a zone dropped, a dotted IPv4 tail converted. */
function ipv6Bytes(text: string): Buffer {
  const address = text.split('%')[0] as string;
  const toGroups = (part: string): number[] => {
    if (part === '') return [];
    return part.split(':').flatMap((group) => {
      if (!group.includes('.')) return [parseInt(group, 16)];
      const [a, b, c, d] = ipv4Bytes(group);
      return [((a as number) << 8) | (b as number), ((c as number) << 8) | (d as number)];
    });
  };
  const [head, tail] = address.split('::') as [string, string | undefined];
  const headGroups = toGroups(head);
  const tailGroups = tail === undefined ? [] : toGroups(tail);
  const groups = [...headGroups, ...new Array<number>(8 - headGroups.length - tailGroups.length).fill(0), ...tailGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, index) => bytes.writeUInt16BE(group, index * 2));
  return bytes;
}

/** Says what the file holds, and how many older reads and writes the capture ring had dropped. */
function sectionComment(result: RunResult): string {
  const { entries, dropped } = result.capture;
  const kept = `${result.profile.name}: ${entries.length} reads and writes, the first bytes of each`;
  return dropped > 0 ? `${kept}; ${dropped} older ones were dropped (capture.maxEntries)` : kept;
}

function sectionHeaderBlock(comment: string): Buffer {
  const body = Buffer.alloc(16);
  body.writeUInt32LE(byteOrderMagic, 0);
  body.writeUInt16LE(1, 4); // major version
  body.writeUInt16LE(0, 6); // minor version
  body.writeBigInt64LE(-1n, 8); // section length: not given
  return block(blockType.sectionHeader, body, [
    pcapngOption(option.comment, Buffer.from(comment, 'utf8')),
    pcapngOption(option.shbUserApplication, Buffer.from('sockscope')),
  ]);
}

function interfaceDescriptionBlock(): Buffer {
  const body = Buffer.alloc(8);
  body.writeUInt16LE(linkTypeUpperPdu, 0);
  body.writeUInt16LE(0, 2); // reserved
  body.writeUInt32LE(0, 4); // snaplen 0: no limit
  return block(blockType.interfaceDescription, body, [
    pcapngOption(option.ifName, Buffer.from('sockscope capture')),
    pcapngOption(option.ifTimestampResolution, Buffer.from([microsecondResolution])),
  ]);
}

function enhancedPacketBlock(entry: CaptureEntry, flow: Flow, timestampUs: number): Buffer {
  const preview = Buffer.from(entry.previewHex, 'hex');
  const tags = exportedPduTags(flow);
  const capturedLength = tags.length + preview.length;
  const originalLength = tags.length + Math.max(entry.bytes, preview.length);
  const header = Buffer.alloc(20);
  header.writeUInt32LE(0, 0); // interface id
  header.writeUInt32LE(Math.floor(timestampUs / 2 ** 32), 4);
  header.writeUInt32LE(timestampUs % 2 ** 32, 8);
  header.writeUInt32LE(capturedLength, 12);
  header.writeUInt32LE(originalLength, 16);
  const data = Buffer.concat([header, tags, preview, Buffer.alloc(padding(capturedLength))]);
  const comment = `${entry.endpoint} connection ${entry.connection} ${entry.direction} ${entry.bytes} bytes`;
  return block(blockType.enhancedPacket, data, [pcapngOption(option.comment, Buffer.from(comment, 'utf8'))]);
}

/** A pcapng option: 2-byte code, 2-byte length without padding, the value padded to 32 bits. */
function pcapngOption(code: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16LE(code, 0);
  header.writeUInt16LE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc(padding(value.length))]);
}

/** A block: type, total length, body, options closed by opt_endofopt, total length again. */
function block(type: number, body: Buffer, options: Buffer[]): Buffer {
  const optionBytes = options.length === 0 ? [] : [...options, pcapngOption(option.endOfOptions, Buffer.alloc(0))];
  const content = Buffer.concat([body, ...optionBytes]);
  const totalLength = 12 + content.length;
  const head = Buffer.alloc(8);
  head.writeUInt32LE(type, 0);
  head.writeUInt32LE(totalLength, 4);
  const tail = Buffer.alloc(4);
  tail.writeUInt32LE(totalLength, 0);
  return Buffer.concat([head, content, tail]);
}

/** Bytes that bring a length up to a multiple of 4. */
function padding(length: number): number {
  return (4 - (length % 4)) % 4;
}
