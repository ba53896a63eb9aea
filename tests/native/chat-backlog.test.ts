// A chat room flooded faster than its job queue runs: members stop reading while more than 1024
// jobs wait (counted as room-backlog pauses and named in limitsHit), the queue drains once the
// flood ends, and under that push-back no message is lost, dropped or reordered.
//
// A backlog builds only while one thread runs the room and others read and queue behind it: the
// thread that pushes onto an idle queue runs it itself. With a thread per member (blocking) that
// is certain; with a few threads it depends on how the kernel schedules them, so there the flood
// is checked for loss and for the pauses being reported whenever they happen.
import { describe, expect, it } from 'vitest';
import type { EndpointInput } from '../../src-shared/profile.js';
import type { ChatClientFigures, ChatServerFigures } from '../../src-shared/chat-figures.js';
import type { RunResult } from '../../src-shared/result.js';
import { Run } from '../../src-main/engine/run.js';
import type { NativeBatch } from '../../src-main/engine/native-engine.js';
import { endpointOf, profileOf } from '../helpers/profiles.js';
import { modelVariants } from '../helpers/model-variants.js';

const members = 40;
const messagesEach = 1000;
// Every member hears every message, its own included.
const expectedPerMember = members * messagesEach;
// The whole flood (40,000 broadcasts of 4 + 4 + 16 bytes, under 1 MB) fits one member's queue:
// whatever the machine's speed, the only push-back left is the room's backlog.
const memberQueueBytes = 4 * 1024 * 1024;

function chatOf(result: RunResult, id: string): ChatServerFigures | ChatClientFigures {
  const chat = endpointOf(result, id).chat;
  if (!chat) throw new Error(`${id} has no chat figures`);
  return chat;
}

// The push-back is in the workload; whether a paused read resumes is up to each model's loop.
describe.each(modelVariants.filter((variant) => variant.model !== 'libuv'))('a flooded chat room on the $name model', (variant) => {
  it('pauses reading while more than 1024 jobs wait, reports it, and delivers every message once the flood ends', async () => {
    const server: EndpointInput = {
      id: 'server',
      role: 'server',
      transport: 'tcp',
      ...variant.fields,
      threads: variant.model === 'blocking' ? undefined : 4,
      listen: { host: '127.0.0.1', port: 0 },
      workload: { kind: 'chat', memberQueueBytes },
    };
    // Unpaced: each member keeps 64 KiB of its messages queued, thousands of jobs per read.
    const flooders: EndpointInput = {
      id: 'members',
      role: 'client',
      transport: 'tcp',
      ...variant.fields,
      connect: { endpoint: 'server' },
      connections: members,
      workload: { kind: 'chat', messageBytes: 16, totalMessages: messagesEach, startWhenMembers: members },
    };
    let heardAll = false;
    const run: Run = await Run.start(profileOf([server, flooders], { durationMs: 60_000, sampleEveryMs: 50, capture: { enabled: false, maxEntries: 16, previewBytes: 0 } }), {
      onBatch: (batch: NativeBatch) => {
        const heard = batch.endpoints[1]?.chat;
        if (!heardAll && !batch.final && heard?.role === 'client' && heard.messagesReceived >= members * expectedPerMember) {
          heardAll = true;
          void run.stop();
        }
      },
    });
    const result = await run.finished;
    const room = chatOf(result, 'server') as ChatServerFigures;
    const heard = chatOf(result, 'members') as ChatClientFigures;
    console.log(
      `${variant.name}: ${room.roomBacklogPauses} backlog pauses, jobs ${room.jobsQueued} queued / ${room.jobsExecuted} run / ${room.jobsHandedOff} handed off, ` +
        `${heard.messagesReceived} received, peak member queue ${room.peakMemberQueueBytes} B`,
    );
    if (variant.model === 'blocking') expect(room.roomBacklogPauses).toBeGreaterThan(0);
    const backlogReported = result.limitsHit.some((hit) => hit.startsWith('server: a chat room had more than 1024 jobs waiting'));
    expect(backlogReported).toBe(room.roomBacklogPauses > 0);
    // The queue drained: every job that was queued ran.
    expect(room.jobsExecuted).toBe(room.jobsQueued);
    expect(room.broadcasts).toBe(members * messagesEach);
    expect(room.messagesDropped).toBe(0);
    expect(room.membersDropped).toBe(0);
    expect(heard.messagesReceived).toBe(members * expectedPerMember);
    expect(heard.messagesMissed).toBe(0);
    expect(heard.messagesOutOfOrder).toBe(0);
    expect(endpointOf(result, 'server').counters.protocolViolations).toBe(0);
  });
});
