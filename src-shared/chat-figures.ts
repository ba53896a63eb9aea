import { z } from 'zod';

/**
 * The chat workload's figures for one endpoint, as live batches carry them and as a result
 * keeps them: a server's rooms, or a client's members. One definition for both.
 */
const count = z.number().nonnegative();

export const chatServerFiguresSchema = z.strictObject({
  role: z.literal('server'),
  members: count.describe('members in the rooms now'),
  joins: count.describe('joins the rooms took'),
  broadcasts: count.describe('chat messages broadcast to a room'),
  bytesEncoded: count.describe('bytes of broadcast frames encoded; per broadcast, the one encoding every member shares'),
  deliveries: count.describe('broadcast frames handed to a member (the same buffer each time, not a copy)'),
  presenceNotices: count.describe('member-count notices sent to a room on each join and leave (not in broadcasts or deliveries)'),
  membersDropped: count.describe('members closed (ENOBUFS) because their queue would have passed memberQueueBytes (overflow "drop-member")'),
  messagesDropped: count.describe('chat messages skipped for a member whose queue was full (overflow "drop-messages"); presence notices skipped are not counted'),
  peakMemberQueueBytes: count.describe('the most bytes queued for one member (its inbox and send queue) after a delivery'),
  roomBacklogPauses: count.describe('times a member stopped reading because its room had more than 1024 jobs waiting (senders faster than the room push back on themselves)'),
  jobsQueued: count.describe("jobs pushed onto the rooms' queues (joins, leaves, broadcasts)"),
  jobsExecuted: count.describe('jobs run, one at a time per room'),
  jobsHandedOff: count.describe("times a thread that had run a room's queue for its turn handed the rest to a member's thread"),
});

export const chatClientFiguresSchema = z.strictObject({
  role: z.literal('client'),
  messagesSent: count.describe('chat messages sent'),
  messagesReceived: count.describe('broadcasts received, the member\'s own included'),
  messagesMissed: count.describe("gaps in a sender's sequence: messages the room did not deliver to this member"),
  messagesOutOfOrder: count.describe("broadcasts older than one already received from the same sender"),
});

export const chatFiguresSchema = z.discriminatedUnion('role', [chatServerFiguresSchema, chatClientFiguresSchema]);
export type ChatFigures = z.infer<typeof chatFiguresSchema>;
export type ChatServerFigures = z.infer<typeof chatServerFiguresSchema>;
export type ChatClientFigures = z.infer<typeof chatClientFiguresSchema>;
