import type { ChatFigures } from './chat-figures.js';
import { formatBytes } from './units.js';

/**
 * A chat endpoint's figures in one line, for the Live and Reports views: a server's broadcasts
 * with the bytes encoded per broadcast (the single shared encoding), its job queues and its slow
 * members; a client's messages sent, received and missed.
 */
export function chatSummaryLine(chat: ChatFigures): string {
  if (chat.role === 'client') {
    const parts = [`sent ${chat.messagesSent}`, `received ${chat.messagesReceived}`, `missed ${chat.messagesMissed}`];
    if (chat.messagesOutOfOrder > 0) parts.push(`out of order ${chat.messagesOutOfOrder}`);
    return parts.join(' · ');
  }
  const perBroadcast = chat.broadcasts > 0 ? formatBytes(Math.round(chat.bytesEncoded / chat.broadcasts)) : '—';
  const parts = [
    `${chat.members} members`,
    `${chat.broadcasts} broadcasts, ${perBroadcast} encoded each`,
    `${chat.deliveries} deliveries`,
    `jobs ${chat.jobsQueued} queued / ${chat.jobsExecuted} run / ${chat.jobsHandedOff} handed off`,
    `peak member queue ${formatBytes(chat.peakMemberQueueBytes)}`,
    `slow members: ${chat.messagesDropped} messages dropped, ${chat.membersDropped} members dropped`,
  ];
  if (chat.roomBacklogPauses > 0) parts.push(`room backlog paused reading ${chat.roomBacklogPauses}×`);
  return parts.join(' · ');
}
