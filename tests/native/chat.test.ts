// The chat workload on real loopback sockets: a room delivers every message to every member
// from one shared encoding, a slow member is dealt with by the overflow policy without holding
// the room back, and a member that breaks the protocol loses only its own connection.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import type { EndpointInput } from '../../src-shared/profile.js';
import type { ChatClientFigures, ChatServerFigures } from '../../src-shared/chat-figures.js';
import type { EndpointResult, RunResult } from '../../src-shared/result.js';
import { Run } from '../../src-main/engine/run.js';
import { loadNativeAddon, type NativeBatch } from '../../src-main/engine/native-engine.js';
import { endpointOf, eventsOf, profileOf } from '../helpers/profiles.js';
import { modelVariants, type ModelVariant } from '../helpers/model-variants.js';

const headerBytes = 4; // the default frame: u16 size (header included), u16 id, little-endian
const memberBytes = 4; // a broadcast puts the sender's member number in front of the message
const messageBytes = 48;
const broadcastBytes = headerBytes + memberBytes + messageBytes;

function serverChat(result: RunResult | EndpointResult, id = 'server'): ChatServerFigures {
  const endpoint = 'endpoints' in result ? endpointOf(result, id) : result;
  if (endpoint.chat?.role !== 'server') throw new Error(`${endpoint.id} has no chat server figures`);
  return endpoint.chat;
}

function clientChat(result: RunResult, id: string): ChatClientFigures {
  const chat = endpointOf(result, id).chat;
  if (chat?.role !== 'client') throw new Error(`${id} has no chat client figures`);
  return chat;
}

/**
 * Runs a profile until `done` holds for a live batch (or the profile's duration passes), then
 * stops it: the test waits for the figures it needs, not for a fixed time.
 */
async function runUntil(profile: unknown, done: (batch: NativeBatch) => boolean): Promise<RunResult> {
  let reached = false;
  const run: Run = await Run.start(profile, {
    onBatch: (batch) => {
      if (!reached && !batch.final && done(batch)) {
        reached = true;
        void run.stop();
      }
    },
  });
  return run.finished;
}

function liveClient(batch: NativeBatch, index: number): ChatClientFigures | undefined {
  const chat = batch.endpoints[index]?.chat;
  return chat?.role === 'client' ? chat : undefined;
}

function chatServer(variant: ModelVariant, workload: Record<string, unknown> = {}): EndpointInput {
  return { id: 'server', role: 'server', transport: 'tcp', ...variant.fields, listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'chat', ...workload } };
}

function chatClients(id: string, variant: ModelVariant, connections: number, workload: Record<string, unknown>): EndpointInput {
  return { id, role: 'client', transport: 'tcp', ...variant.fields, connect: { endpoint: 'server' }, connections, workload: { kind: 'chat', messageBytes, ...workload } };
}

const nativeVariants = modelVariants.filter((variant) => variant.model !== 'libuv');

describe.each(nativeVariants)('a 100-member chat room on the $name model', (variant) => {
  it('delivers every message to every member, each broadcast from its single encoding', async () => {
    const members = 100;
    const messagesEach = 20;
    // Every member hears every message, its own included.
    const expectedPerMember = members * messagesEach;
    const result = await runUntil(
      profileOf(
        [
          // The whole conversation (2,000 broadcasts of 56 bytes) fits one member's queue, so no
          // stall of a loaded machine can make the room drop a message.
          chatServer(variant, { memberQueueBytes: 1024 * 1024 }),
          chatClients('members', variant, members, { totalMessages: messagesEach, messagesPerSecond: 100, startWhenMembers: members }),
        ],
        { durationMs: 45_000, sampleEveryMs: 50, capture: { enabled: false, maxEntries: 16, previewBytes: 0 } },
      ),
      (batch) => (liveClient(batch, 1)?.messagesReceived ?? 0) >= members * expectedPerMember,
    );
    const server = serverChat(result);
    const client = clientChat(result, 'members');
    expect(client.messagesSent).toBe(members * messagesEach);
    expect(client.messagesReceived).toBe(members * expectedPerMember);
    expect(client.messagesMissed).toBe(0);
    expect(client.messagesOutOfOrder).toBe(0);
    expect(server.joins).toBe(members);
    expect(server.broadcasts).toBe(members * messagesEach);
    // The single encoding: each broadcast's bytes were written once, whoever received them.
    expect(server.bytesEncoded).toBe(server.broadcasts * broadcastBytes);
    expect(server.deliveries).toBe(server.broadcasts * members);
    expect(server.messagesDropped).toBe(0);
    expect(server.membersDropped).toBe(0);
    // Every join, broadcast (and any leave) went through the room's queue, and all of it ran.
    expect(server.jobsQueued).toBeGreaterThanOrEqual(members + server.broadcasts);
    expect(server.jobsExecuted).toBe(server.jobsQueued);
    expect(endpointOf(result, 'members').latencyUs?.count).toBe(members * expectedPerMember);
    console.log(
      `${variant.name}: ${server.broadcasts} broadcasts, ${server.deliveries} deliveries, ${server.bytesEncoded / server.broadcasts} bytes encoded per broadcast, ` +
        `jobs ${server.jobsQueued} queued / ${server.jobsExecuted} run / ${server.jobsHandedOff} handed off, peak member queue ${server.peakMemberQueueBytes} B, ` +
        `latency p50 ${endpointOf(result, 'members').latencyUs?.p50} us p99 ${endpointOf(result, 'members').latencyUs?.p99} us`,
    );
  });
});

// Each member is sent 8 × 500 broadcasts of 56 bytes (224 KB) over about 5 s. The member queue
// holds 128 KiB, almost 3 s of that stream, so a fast member overflows only if its thread stalls
// that long; the slow member reads 1 KB/s behind small kernel buffers (about 25 KB), so it
// overflows by volume however slowly the machine runs the senders.
const slowVariants = nativeVariants.filter((variant) => ['blocking', 'epoll', 'completion-port (epoll)'].includes(variant.name));

describe.each(slowVariants)('a slow chat member on the $name model', (variant) => {
  const fastMembers = 8;
  const messagesEach = 500;
  const memberQueueBytes = 128 * 1024;
  const slowProfile = (overflow: 'drop-messages' | 'drop-member') =>
    profileOf(
      [
        // Small kernel buffers on both sides of the slow member, so its backlog soon reaches the
        // server's member queue instead of resting in the kernel.
        { ...chatServer(variant, { memberQueueBytes, overflow }), options: { sndBufBytes: 8192 } },
        chatClients('fast', variant, fastMembers, { totalMessages: messagesEach, messagesPerSecond: 100, startWhenMembers: fastMembers + 1 }),
        { ...chatClients('slow', variant, 1, { readBytesPerSecond: 1000, totalMessages: 1, startWhenMembers: fastMembers + 1 }), options: { rcvBufBytes: 4096 } },
      ],
      { durationMs: 50_000, sampleEveryMs: 50, capture: { enabled: false, maxEntries: 16, previewBytes: 0 } },
    );
  // The fast members hear everything: their own messages and the slow member's one.
  const expectedFast = fastMembers * (fastMembers * messagesEach + 1);

  it('drop-messages: the slow member loses messages, counted, and the fast members receive everything', async () => {
    const result = await runUntil(slowProfile('drop-messages'), (batch) => (liveClient(batch, 1)?.messagesReceived ?? 0) >= expectedFast);
    const server = serverChat(result);
    expect(clientChat(result, 'fast').messagesReceived).toBe(expectedFast);
    expect(clientChat(result, 'fast').messagesMissed).toBe(0);
    expect(server.messagesDropped).toBeGreaterThan(0);
    expect(server.membersDropped).toBe(0);
    // What was dropped was the slow member's: every delivery not made is one of its messages.
    expect(server.deliveries + server.messagesDropped).toBe(server.broadcasts * (fastMembers + 1));
    expect(server.peakMemberQueueBytes).toBeLessThanOrEqual(memberQueueBytes);
    expect(result.limitsHit).toContain(`server: a chat member's queue was full (memberQueueBytes = ${memberQueueBytes}): ${server.messagesDropped} messages dropped, 0 members dropped`);
    const slow = clientChat(result, 'slow');
    expect(slow.messagesReceived).toBeLessThan(server.broadcasts);
    console.log(
      `${variant.name} drop-messages: ${server.messagesDropped} dropped for the slow member, which received ${slow.messagesReceived} and saw ${slow.messagesMissed} missed; ` +
        `peak member queue ${server.peakMemberQueueBytes} B`,
    );
  });

  it('drop-member: the slow member is closed with ENOBUFS and the reason, and the fast members receive everything', async () => {
    const result = await runUntil(slowProfile('drop-member'), (batch) => (liveClient(batch, 1)?.messagesReceived ?? 0) >= expectedFast);
    const server = serverChat(result);
    expect(clientChat(result, 'fast').messagesReceived).toBe(expectedFast);
    expect(clientChat(result, 'fast').messagesMissed).toBe(0);
    expect(server.membersDropped).toBe(1);
    expect(server.messagesDropped).toBe(0);
    const closedForQueue = eventsOf(endpointOf(result, 'server')).filter((event) => event.type === 'closed' && event.code === 'ENOBUFS');
    expect(closedForQueue).toHaveLength(1);
    expect(closedForQueue[0]!.message).toContain(`member queue of ${memberQueueBytes} bytes`);
    console.log(`${variant.name} drop-member: ${closedForQueue[0]!.message}`);
  });
});

/** A frame in the default format. */
function frameOf(id: number, payload: Buffer): Buffer {
  const header = Buffer.alloc(headerBytes);
  header.writeUInt16LE(headerBytes + payload.length, 0);
  header.writeUInt16LE(id, 2);
  return Buffer.concat([header, payload]);
}

function connect(address: string): Promise<net.Socket> {
  const at = address.lastIndexOf(':');
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: address.slice(0, at), port: Number(address.slice(at + 1)) }, () => resolve(socket));
    socket.once('error', reject);
  });
}

function closedBy(socket: net.Socket): Promise<void> {
  return new Promise((resolve) => {
    socket.resume();
    socket.once('close', () => resolve());
  });
}

describe.each(nativeVariants)('hostile chat input on the $name model', (variant) => {
  it('closes a chat before join and a join to a missing room with the rule named, and the room goes on', async () => {
    const messagesEach = 30;
    const members = 4;
    const expected = members * members * messagesEach;
    let allHeard!: () => void;
    const heard = new Promise<void>((resolve) => (allHeard = resolve));
    const run = await Run.start(
      profileOf(
        [
          chatServer(variant, { rooms: 2 }),
          chatClients('members', variant, members, { room: 1, totalMessages: messagesEach, messagesPerSecond: 50, startWhenMembers: members }),
        ],
        { durationMs: 45_000 },
      ),
      { onBatch: (batch) => (liveClient(batch, 1)?.messagesReceived ?? 0) >= expected && allHeard() },
    );
    const early = await connect(run.listen[0]!);
    const lost = await connect(run.listen[0]!);
    const closed = [closedBy(early), closedBy(lost)];
    early.write(frameOf(2, Buffer.alloc(16)));
    const room = Buffer.alloc(4);
    room.writeUInt32LE(7);
    lost.write(frameOf(1, room));
    await Promise.all(closed);
    await heard;
    const result = await run.stop();
    const server = endpointOf(result, 'server');
    const violations = eventsOf(server).filter((event) => event.type === 'protocol-violation');
    expect(violations.map((event) => event.rule).sort()).toEqual(['chat-before-join', 'room-out-of-range']);
    expect(violations.find((event) => event.rule === 'room-out-of-range')?.message).toContain('room 7 does not exist: the server has 2 rooms');
    expect(server.counters.protocolViolations).toBe(2);
    const closedEvents = eventsOf(server).filter((event) => event.type === 'closed' && event.code === 'EPROTO');
    expect(closedEvents.map((event) => event.message).sort()).toEqual(['protocol violation: chat-before-join', 'protocol violation: room-out-of-range']);
    // The room went on: every member heard every message, and nothing was missed.
    expect(clientChat(result, 'members').messagesReceived).toBe(expected);
    expect(clientChat(result, 'members').messagesMissed).toBe(0);
    expect(serverChat(server).joins).toBe(members);
  });
});

describe('chat settings at the addon boundary', () => {
  it('refuses a chat message that cannot carry its sequence and send time, naming the field', () => {
    const { Engine } = loadNativeAddon();
    const frame = { sizeBytes: 2, idBytes: 2, bigEndian: false, sizeIncludesHeader: true, maxFrameBytes: 4096, stallTimeoutMs: 1000 };
    const config = (workload: object) => ({
      sampleEveryMs: 100,
      captureEnabled: false,
      captureEntries: 16,
      capturePreviewBytes: 0,
      seriesConnections: 0,
      endpoints: [{ id: 'server', role: 'server', transport: 'tcp', model: 'epoll', host: '127.0.0.1', port: 0, options: {}, workload: { kind: 'chat', frame, ...workload } }],
      actions: [],
    });
    expect(() => new Engine(config({ messageBytes: 8 }) as never, () => {})).toThrow(/config\.endpoints\[0\]\.workload\.messageBytes must be an integer from 16/);
    expect(() => new Engine(config({ rooms: 0 }) as never, () => {})).toThrow(/config\.endpoints\[0\]\.workload\.rooms must be an integer from 1/);
    expect(() => new Engine(config({ frame: { ...frame, maxFrameBytes: 20 } }) as never, () => {})).toThrow(/config\.endpoints\[0\]\.workload\.frame\.maxFrameBytes must be large enough/);
  });
});
