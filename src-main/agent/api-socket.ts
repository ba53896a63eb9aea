import type { RawData, WebSocket } from 'ws';
import { agentClientMessageSchema, type AgentServerMessage } from '../../src-shared/agent-protocol.js';
import { formatPath } from '../../src-shared/validation.js';
import { toApiError } from '../engine/api-error.js';
import type { ApiService } from '../engine/api-service.js';

/** Calls one socket may have in flight; the next ones are answered EBUSY until some finish. */
export const maxPendingCallsPerSocket = 64;

/** Close code for a frame that breaks the protocol (RFC 6455: policy violation). */
export const policyViolation = 1008;

/** A close reason is at most 123 bytes; longer ones are cut on a character boundary. */
function closeReason(text: string): string {
  let reason = text;
  while (Buffer.byteLength(reason) > 123) reason = reason.slice(0, -1);
  return reason;
}

/**
 * One browser's WebSocket: every text frame must be a call (agentClientMessageSchema); anything
 * else closes the socket with 1008 and a reason. Each call goes to the API service and is
 * answered with a reply of the same id.
 */
export function serveApiSocket(socket: WebSocket, service: ApiService): void {
  let pending = 0;

  const send = (message: AgentServerMessage): void => {
    if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
  };
  const refuse = (reason: string): void => socket.close(policyViolation, closeReason(reason));

  // ws reports a protocol error (an oversized or invalid frame) here and closes the socket itself
  // (1009, 1002); without a listener the error would end the agent.
  socket.on('error', () => socket.terminate());

  socket.on('message', (data: RawData, isBinary: boolean) => {
    if (isBinary) {
      refuse('binary frames are not part of the protocol');
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(rawText(data));
    } catch {
      refuse('a frame must be one JSON message');
      return;
    }
    const parsed = agentClientMessageSchema.safeParse(json);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      refuse(`malformed call: ${issue ? `${formatPath(issue.path)}: ${issue.message}` : 'not a call'}`);
      return;
    }
    const { id, name, args } = parsed.data;
    if (pending >= maxPendingCallsPerSocket) {
      send({ type: 'reply', id, ok: false, error: { code: 'EBUSY', message: `at most ${maxPendingCallsPerSocket} calls may wait for an answer` } });
      return;
    }
    pending += 1;
    service
      .call(name, args)
      .then(
        (value) => send({ type: 'reply', id, ok: true, value: value ?? null }),
        (error: unknown) => send({ type: 'reply', id, ok: false, error: toApiError(error) }),
      )
      .finally(() => {
        pending -= 1;
      });
  });
}

function rawText(data: RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  if (data instanceof ArrayBuffer) return Buffer.from(data).toString('utf8');
  return data.toString('utf8');
}
