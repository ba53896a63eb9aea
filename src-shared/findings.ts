// Automatic diagnoses of a run, in the spirit of Wireshark's expert info: each finding names what
// happened in plain words and carries the figures it was drawn from. Pure: a result in, findings out.
import { z } from 'zod';
import { chatDefaults, type EndpointSpec } from './profile.js';
import type { CaptureEntry, ConnectionEvent, ConnectionResult, ConnectionSample, EndpointResult, RunResult, TcpInfo } from './result.js';

export const findingSeverities = ['problem', 'warning', 'info'] as const;
export type FindingSeverity = (typeof findingSeverities)[number];

export const findingSchema = z.strictObject({
  severity: z.enum(findingSeverities).describe('problem: data or connections were lost; warning: slower or odder than it need be; info: how sockets behave, worth knowing'),
  kind: z.string().describe('a stable name for the diagnosis, such as "nagle-delayed-ack"'),
  endpoint: z.string(),
  connection: z.number().optional().describe('the connection id (as in capture entries and live commands) the figures come from'),
  title: z.string().describe('one short sentence'),
  detail: z.string().describe('a sentence or two with the numbers'),
  figures: z.record(z.string(), z.union([z.number(), z.string()])),
});
export type Finding = z.infer<typeof findingSchema>;

/** Round trips this close to Linux's 40 ms delayed-ACK timeout (TCP_DELACK_MIN) are the Nagle stall. */
const nagleP50MinUs = 30_000;
const nagleP50MaxUs = 250_000;
/** A limit that held the sender back for at least this share of its busy time is worth a finding. */
const limitedShareMin = 0.2;
/** Busy time below this is too short to say anything about what limited the sender. */
const limitedBusyMinUs = 100_000;
/** A connection that stays in CLOSE_WAIT longer than this after the peer's FIN was left half-open. */
const halfOpenMinMs = 500;
/** Events within this long before a run's last event happened while it stopped. */
const teardownMs = 100;
/** Fewer captured reads (or writes) than this say nothing about message boundaries. */
const boundaryMinReads = 10;

/**
 * The findings of a run, most serious first, then in endpoint order. Connection-level diagnoses are
 * gathered per endpoint, so a run with a thousand connections gives one finding, not a thousand.
 */
export function findingsOf(result: RunResult): Finding[] {
  const context = new RunContext(result);
  const findings: Finding[] = [];
  for (const endpoint of result.endpoints) {
    const spec = context.specOf(endpoint.id);
    findings.push(
      ...fdSetSizeRefusals(endpoint),
      ...endpointErrors(endpoint),
      ...protocolViolations(endpoint),
      ...slowChatMembers(endpoint, spec),
      ...sharedBroadcasts(endpoint),
      ...listenerRestarts(endpoint, spec),
      ...abortiveCloses(endpoint),
      ...resets(endpoint, context),
      ...nagleStall(endpoint, spec, context),
      ...receiverLimited(endpoint, context),
      ...senderLimited(endpoint),
      ...retransmissions(endpoint),
      ...halfOpen(endpoint, context),
      ...keepAliveTimeouts(endpoint),
      ...halfOpenToVanishedPeer(endpoint, context),
      ...optionsNotApplied(endpoint, context),
      ...halfClose(endpoint, context),
      ...datagramBoundaries(endpoint, context),
      ...streamBoundaries(endpoint, context),
      ...proxyFaults(endpoint, spec, context),
      ...readBufferPool(endpoint),
    );
  }
  findings.push(...modelComparison(context));
  const order = (finding: Finding) => findingSeverities.indexOf(finding.severity);
  const endpointOrder = (finding: Finding) => result.endpoints.findIndex((endpoint) => endpoint.id === finding.endpoint);
  return findings
    .map((finding, position) => ({ finding, position }))
    .sort((a, b) => order(a.finding) - order(b.finding) || endpointOrder(a.finding) - endpointOrder(b.finding) || a.position - b.position)
    .map(({ finding }) => finding);
}

/** Lookups shared by the diagnoses: endpoint specs, the peer of a connection, capture by connection. */
class RunContext {
  private readonly byAddresses = new Map<string, { endpoint: EndpointResult; connection: ConnectionResult }>();
  private captureByConnection: Map<number, CaptureEntry[]> | null = null;

  /**
   * About when the run stopped: the engine closes every socket at the stop, so the run's last
   * events are its teardown. Events this close to the end belong to it.
   */
  readonly stopMs: number;

  constructor(readonly result: RunResult) {
    let lastEventMs = 0;
    for (const endpoint of result.endpoints) {
      for (const connection of endpoint.connections) for (const event of connection.events) lastEventMs = Math.max(lastEventMs, event.atMs);
    }
    this.stopMs = lastEventMs - teardownMs;
    for (const endpoint of result.endpoints) {
      for (const connection of endpoint.connections) {
        if (connection.local && connection.remote) this.byAddresses.set(`${connection.local}|${connection.remote}`, { endpoint, connection });
      }
    }
  }

  specOf(endpointId: string): EndpointSpec | undefined {
    return this.result.profile.endpoints.find((endpoint) => endpoint.id === endpointId);
  }

  /** The other end of a connection when both ends ran in this profile (loopback). */
  peerOf(connection: ConnectionResult): { endpoint: EndpointResult; connection: ConnectionResult } | undefined {
    if (!connection.local || !connection.remote) return undefined;
    return this.byAddresses.get(`${connection.remote}|${connection.local}`);
  }

  captureOf(connectionId: number): CaptureEntry[] {
    if (!this.captureByConnection) {
      this.captureByConnection = new Map();
      for (const entry of this.result.capture.entries) {
        const list = this.captureByConnection.get(entry.connection);
        if (list) list.push(entry);
        else this.captureByConnection.set(entry.connection, [entry]);
      }
    }
    return this.captureByConnection.get(connectionId) ?? [];
  }
}

function finding(
  severity: FindingSeverity,
  kind: string,
  endpoint: EndpointResult,
  connection: ConnectionResult | undefined,
  title: string,
  detail: string,
  figures: Finding['figures'],
): Finding {
  return { severity, kind, endpoint: endpoint.id, ...(connection ? { connection: connection.id } : {}), title, detail, figures };
}

function lastTcp(connection: ConnectionResult): TcpInfo | null {
  for (let index = connection.samples.length - 1; index >= 0; index -= 1) {
    const tcp = connection.samples[index]!.tcp;
    if (tcp) return tcp;
  }
  return null;
}

/** The last sample taken at or before atMs. */
function sampleBefore(connection: ConnectionResult, atMs: number): ConnectionSample | undefined {
  let found: ConnectionSample | undefined;
  for (const sample of connection.samples) {
    if (sample.atMs > atMs) break;
    found = sample;
  }
  return found;
}

const ms = (us: number): number => Math.round(us / 100) / 10;
const percent = (share: number): number => Math.round(share * 100);
const plural = (count: number, one: string, many = `${one}s`): string => `${count} ${count === 1 ? one : many}`;
const isLoopback = (address: string | null): boolean => address !== null && (address.startsWith('127.') || address.startsWith('[::1]') || address.startsWith('::1'));

function fdSetSizeRefusals(endpoint: EndpointResult): Finding[] {
  const error = endpoint.errors.find((candidate) => candidate.code === 'FD_SETSIZE');
  if (!error) return [];
  const count = error.count ?? 1;
  const refused = Math.max(endpoint.counters.connectionsRefused, count);
  const setSize = /FD_SETSIZE \((\d+)\)/.exec(error.message)?.[1];
  const figures: Finding['figures'] = { connectionsRefused: refused, connectionsServed: Math.max(endpoint.counters.connectionsTotal - refused, 0) };
  if (setSize) figures.fdSetSize = Number(setSize);
  return [
    finding(
      'problem',
      'fd-setsize',
      endpoint,
      undefined,
      `select() refused ${plural(refused, 'connection')} past FD_SETSIZE.`,
      `An fd_set holds only descriptors below ${setSize ?? 'FD_SETSIZE'}, so ${endpoint.id} closed ${plural(refused, 'connection')} it could not watch ` +
        `and served the other ${figures.connectionsServed}. Use the epoll model for more than about a thousand connections.`,
      figures,
    ),
  ];
}

const errorMeanings: Record<string, string> = {
  ECONNREFUSED: 'nothing was listening at the address, so the peer answered the connection attempt with a reset',
  EADDRINUSE: 'another socket already holds the address',
  EADDRNOTAVAIL: 'the address is not one of this machine\'s, or no local port was free',
  ETIMEDOUT: 'the peer did not answer in time',
  EHOSTUNREACH: 'no route to the host',
  ENETUNREACH: 'no route to the network',
  EMFILE: 'the process ran out of file descriptors (ulimit -n)',
  ENFILE: 'the system ran out of file descriptors',
  EPIPE: 'a write went to a connection the peer had already closed',
  ECONNRESET: 'the peer reset the connection',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
};

/** Failures of listener restarts have their own finding; the endpoint's error tally counts them too. */
function explainedByRestarts(endpoint: EndpointResult, error: EndpointResult['errors'][number]): boolean {
  const failed = (endpoint.listenerRestarts ?? []).filter((restart) => !restart.listening && restart.code === error.code);
  return failed.length > 0 && failed.length >= (error.count ?? 1);
}

/** Keepalive's timeouts have their own finding, which says when; the error tally counts them as ETIMEDOUT too. */
function explainedByKeepAlive(endpoint: EndpointResult, error: EndpointResult['errors'][number]): boolean {
  return error.code === 'ETIMEDOUT' && keepAliveTimedOut(endpoint).length >= (error.count ?? 1);
}

function endpointErrors(endpoint: EndpointResult): Finding[] {
  return endpoint.errors
    .filter((error) => error.code !== 'FD_SETSIZE' && !explainedByRestarts(endpoint, error) && !explainedByKeepAlive(endpoint, error))
    .map((error) => {
      const count = error.count ?? 1;
      const meaning = errorMeanings[error.code];
      return finding(
        'problem',
        'endpoint-error',
        endpoint,
        undefined,
        `${endpoint.id} failed with ${error.code}${count > 1 ? ` ${count} times` : ''}.`,
        meaning ? `${sentence(error.message)} ${error.code}: ${meaning}.` : sentence(error.message),
        { code: error.code, count },
      );
    });
}

/** Connections the framed server closed because the peer broke the framing rules, by rule. */
function protocolViolations(endpoint: EndpointResult): Finding[] {
  const reported = endpoint.connections.flatMap((connection) =>
    connection.events.filter((event) => event.type === 'protocol-violation').map((event) => ({ connection, event })),
  );
  const first = reported[0];
  const total = endpoint.counters.protocolViolations ?? reported.length;
  if (!first || total === 0) return [];
  const byRule = new Map<string, number>();
  for (const { event } of reported) byRule.set(event.rule ?? 'unknown', (byRule.get(event.rule ?? 'unknown') ?? 0) + 1);
  const rules = [...byRule].map(([rule, count]) => `${rule} ${count}×`).join(', ');
  return [
    finding(
      'warning',
      'protocol-violation',
      endpoint,
      first.connection,
      `${endpoint.id} closed ${total === 1 ? 'a connection' : `${total} connections`} for breaking the framing rules.`,
      `Rules broken: ${rules}. The first: ${sentence(first.event.message ?? first.event.rule ?? '')} ` +
        'Each offender lost only its own connection; frames are never trusted past the header check.',
      { protocolViolations: total, ...Object.fromEntries(byRule), firstHeader: first.event.header ?? '' },
    ),
  ];
}

/** A chat server met a member slower than its room: it skipped messages for it or dropped it, as its overflow policy says. */
function slowChatMembers(endpoint: EndpointResult, spec: EndpointSpec | undefined): Finding[] {
  const chat = endpoint.chat;
  if (chat?.role !== 'server' || (chat.membersDropped === 0 && chat.messagesDropped === 0)) return [];
  const memberQueueBytes = spec?.workload.kind === 'chat' ? (spec.workload.memberQueueBytes ?? chatDefaults.memberQueueBytes) : 0;
  const figures = {
    membersDropped: chat.membersDropped,
    messagesDropped: chat.messagesDropped,
    memberQueueBytes,
    peakMemberQueueBytes: chat.peakMemberQueueBytes,
    broadcasts: chat.broadcasts,
    deliveries: chat.deliveries,
  };
  const queue = `its queue (inbox and send queue) would have passed ${memberQueueBytes} bytes (memberQueueBytes)`;
  const findings: Finding[] = [];
  if (chat.membersDropped > 0) {
    const closed = endpoint.connections
      .map((connection) => ({ connection, event: connection.events.find((event) => event.type === 'closed' && event.code === 'ENOBUFS') }))
      .find((entry) => entry.event);
    findings.push(
      finding(
        'problem',
        'slow-chat-member',
        endpoint,
        closed?.connection,
        `${endpoint.id} dropped ${chat.membersDropped === 1 ? 'a slow member' : `${chat.membersDropped} slow members`} from its room: ${queue}.`,
        `A member that reads slower than its room talks fills its queue; with overflow "drop-member" the server closed it with ENOBUFS, ` +
          `so the room went on at full speed for the others.${closed?.event?.message ? ` ${sentence(closed.event.message)}` : ''}`,
        figures,
      ),
    );
  }
  if (chat.messagesDropped > 0) {
    findings.push(
      finding(
        'problem',
        'slow-chat-member',
        endpoint,
        undefined,
        `${endpoint.id} skipped ${chat.messagesDropped} message${chat.messagesDropped === 1 ? '' : 's'} for a slow member: ${queue}.`,
        `With overflow "drop-messages" a full member loses the message and stays; the others got it (${chat.deliveries} deliveries of ${chat.broadcasts} broadcasts). ` +
          'The slow member sees the gaps in the senders\' sequences (messages missed, on its side).',
        figures,
      ),
    );
  }
  return findings;
}

/** A chat server's broadcasts: each encoded once, the same buffer handed to every member. */
function sharedBroadcasts(endpoint: EndpointResult): Finding[] {
  const chat = endpoint.chat;
  if (chat?.role !== 'server' || chat.broadcasts === 0) return [];
  const bytesPerBroadcast = chat.bytesEncoded / chat.broadcasts;
  const membersPerBroadcast = chat.deliveries / chat.broadcasts;
  return [
    finding(
      'info',
      'chat-shared-broadcast',
      endpoint,
      undefined,
      `${endpoint.id} encoded each of its ${chat.broadcasts} broadcasts once and shared the buffer with ${membersPerBroadcast.toFixed(1)} members on average.`,
      `${bytesPerBroadcast.toFixed(0)} bytes copied per broadcast, however many members received it: every member's send queue held the same buffer. ` +
        `Each room ran its work on one job queue (${chat.jobsExecuted} jobs run, ${chat.jobsHandedOff} handed to another thread after a long turn) instead of under a lock shared by its members.`,
      { broadcasts: chat.broadcasts, bytesEncoded: chat.bytesEncoded, bytesPerBroadcast, deliveries: chat.deliveries, jobsExecuted: chat.jobsExecuted, jobsHandedOff: chat.jobsHandedOff },
    ),
  ];
}

/** What a proactor's per-operation read pins at least: proactor.cc's first buffer of a session. */
const perOperationReadBytes = 16 * 1024;

/**
 * A proactor endpoint whose reads drew from a pool: what it pinned against what a buffer per read
 * pins, and, as a warning, reads that found every buffer held and waited.
 */
function readBufferPool(endpoint: EndpointResult): Finding[] {
  const model = endpoint.modelCounters;
  const pool = model?.readPool;
  if (!model || !pool) return [];
  const mib = (bytes: number) => `${round1(bytes / 2 ** 20)} MiB`;
  const operations = model.peakOperationsInFlight;
  const connections = endpoint.aggregate?.connectionsPeak ?? endpoint.counters.connectionsTotal;
  const figures = {
    buffers: pool.buffers,
    bufferBytes: pool.bufferBytes,
    poolBytes: pool.bytes,
    peakBuffersInUse: pool.peakBuffersInUse,
    peakBytesPinned: model.peakBytesPinned,
    peakOperationsInFlight: operations,
    connections,
    exhausted: pool.exhausted,
  };
  const findings = [
    finding(
      'info',
      'read-buffer-pool',
      endpoint,
      undefined,
      `${endpoint.id} kept up to ${operations} operations posted while pinning ${mib(model.peakBytesPinned)}: its reads took a buffer from a ${mib(pool.bytes)} pool only once data was there.`,
      `At most ${pool.peakBuffersInUse} of the ${pool.buffers} buffers of ${pool.bufferBytes} bytes were held at once, by reads completed and not yet consumed. ` +
        `A buffer per read pins at least ${perOperationReadBytes / 1024} KiB for the read each connection keeps posted: ${mib(connections * perOperationReadBytes)} for ${plural(connections, 'connection')}.`,
      figures,
    ),
  ];
  if (pool.exhausted > 0) {
    findings.push(
      finding(
        'warning',
        'read-buffer-pool-exhausted',
        endpoint,
        undefined,
        `${endpoint.id}'s read buffer pool ran empty: ${plural(pool.exhausted, 'read')} found all ${pool.buffers} buffers held and waited for one to come back.`,
        'Data had arrived, but a read could take it only after another connection\'s read was consumed, so a burst of completions waits in turn; a larger readPool.buffers trades memory for that wait.',
        figures,
      ),
    );
  }
  return findings;
}

const onOff = (flag: boolean): string => (flag ? 'on' : 'off');

/**
 * A listener restarted while the port's old connections sat in TIME_WAIT: whether it could listen
 * again, and why not, with the kernel's count of TIME_WAIT sockets taken at the restart.
 */
function listenerRestarts(endpoint: EndpointResult, spec: EndpointSpec | undefined): Finding[] {
  const restarts = endpoint.listenerRestarts ?? [];
  if (restarts.length === 0) return [];
  const refused = restarts.find((restart) => restart.code === 'EADDRINUSE');
  const base = { restarts: restarts.length, failedRestarts: restarts.filter((restart) => !restart.listening).length };
  if (!refused) {
    const last = restarts[restarts.length - 1]!;
    if (!last.listening) return [];  // other failures are reported as the endpoint's errors
    const timeWait = last.timeWaitSockets;
    return [
      finding(
        'info',
        'listener-restart',
        endpoint,
        undefined,
        `${endpoint.id} listened again on ${last.address} with SO_REUSEADDR ${onOff(last.reuseAddr)}.`,
        `The listener was restarted ${plural(restarts.length, 'time')}; at the last restart ` +
          (timeWait === null ? 'the TIME_WAIT sockets on the port could not be counted.' : `${plural(timeWait, 'socket')} on the port ${timeWait === 1 ? 'was' : 'were'} in TIME_WAIT.`),
        { ...base, address: last.address, reuseAddr: onOff(last.reuseAddr), ...(timeWait !== null && { timeWaitSockets: timeWait }) },
      ),
    ];
  }
  const timeWait = refused.timeWaitSockets;
  const relistened = restarts.find((restart) => restart.atMs > refused.atMs && restart.listening);
  const waiting = timeWait === null ? 'while the TIME_WAIT sockets on the port could not be counted' : `while ${plural(timeWait, 'connection')} ${timeWait === 1 ? 'was' : 'were'} in TIME_WAIT`;
  const title =
    `Restart ${refused.reuseAddr ? 'with' : 'without'} SO_REUSEADDR failed: EADDRINUSE on ${refused.address} ${waiting}` +
    (relistened ? `; with SO_REUSEADDR ${onOff(relistened.reuseAddr)} it listened again.` : '.');
  // Linux lets a bind pass a TIME_WAIT socket only when both have SO_REUSEADDR: the new
  // listener, and the socket in TIME_WAIT, which inherited it from the listener that accepted it.
  const oldListenerReuse = spec?.options.reuseAddr === true;
  const why = !refused.reuseAddr
    ? timeWait === 0
      ? 'The new listener did not set SO_REUSEADDR, and connections the old listener had accepted were still open on the port, so the kernel refused it.'
      : 'The new listener did not set SO_REUSEADDR, so the kernel refused the port while connections on it were in TIME_WAIT.'
    : oldListenerReuse
      ? 'SO_REUSEADDR was on, yet another socket on the port (not one in TIME_WAIT alone) held the address.'
      : 'SO_REUSEADDR was on for the new listener, but the sockets in TIME_WAIT were accepted by a listener without it, and Linux needs it on both.';
  const counted = timeWait === null ? '' : ` The count is the kernel's, read through ${refused.timeWaitSource ?? 'the kernel'} at the restart.`;
  return [
    finding(
      'warning',
      'listener-restart',
      endpoint,
      undefined,
      title,
      `${why} The side that closes a connection first keeps it in TIME_WAIT (60 s on Linux) on its port; a server that closes first ` +
        `and restarts at once needs SO_REUSEADDR set before bind.${counted}`,
      {
        ...base,
        address: refused.address,
        port: Number(/:(\d+)$/.exec(refused.address)?.[1] ?? 0),
        code: 'EADDRINUSE',
        reuseAddr: onOff(refused.reuseAddr),
        ...(timeWait !== null && { timeWaitSockets: timeWait }),
        ...(refused.timeWaitSource !== null && { timeWaitSource: refused.timeWaitSource }),
        ...(relistened && { relistenedWithReuseAddr: onOff(relistened.reuseAddr) }),
      },
    ),
  ];
}

function abortiveCloses(endpoint: EndpointResult): Finding[] {
  if (endpoint.transport !== 'tcp') return [];
  const closes: { connection: ConnectionResult; atMs: number; kernelBytes: number; unsentBytes: number; appBytes: number }[] = [];
  for (const connection of endpoint.connections) {
    const closed = connection.events.find((event) => event.type === 'closed' && event.abortive === true);
    if (!closed) continue;
    const sample = sampleBefore(connection, closed.atMs);
    closes.push({
      connection,
      atMs: closed.atMs,
      kernelBytes: sample?.kernelSendQueueBytes ?? 0,
      unsentBytes: sample?.kernelUnsentBytes ?? 0,
      appBytes: sample?.appSendQueueBytes ?? 0,
    });
  }
  const first = closes[0];
  if (!first) return [];
  const discarded = closes.reduce((sum, close) => sum + close.kernelBytes + close.appBytes, 0);
  const figures = {
    abortiveCloses: closes.length,
    discardedBytes: discarded,
    kernelSendQueueBytes: first.kernelBytes,
    kernelUnsentBytes: first.unsentBytes,
    appSendQueueBytes: first.appBytes,
    atMs: Math.round(first.atMs),
  };
  const which = closes.length === 1 ? `connection ${first.connection.index}` : `${closes.length} connections`;
  if (discarded === 0) {
    return [
      finding(
        'warning',
        'abortive-close',
        endpoint,
        first.connection,
        `${endpoint.id} closed abortively (linger 0).`,
        `${capitalize(which)} closed with SO_LINGER 0 at ${figures.atMs} ms with nothing left to send: the peer still gets a reset instead of a FIN, and any of its data in flight is lost.`,
        figures,
      ),
    ];
  }
  return [
    finding(
      'problem',
      'abortive-close',
      endpoint,
      first.connection,
      `An abortive close (linger 0) discarded ${discarded} bytes.`,
      `${capitalize(which)} closed with SO_LINGER 0 at ${figures.atMs} ms while ${first.kernelBytes} bytes sat in the kernel send queue ` +
        `(${first.unsentBytes} never sent) and ${first.appBytes} in the application's queue; all of it was thrown away and the peer got a reset.`,
      figures,
    ),
  ];
}

function resets(endpoint: EndpointResult, context: RunContext): Finding[] {
  if (endpoint.transport !== 'tcp') return [];
  const during: { connection: ConnectionResult; event: ConnectionEvent }[] = [];
  const atStop: { connection: ConnectionResult; event: ConnectionEvent }[] = [];
  for (const connection of endpoint.connections) {
    const event = connection.events.find((candidate) => candidate.type === 'reset');
    if (!event) continue;
    // When a run stops, the engine closes every socket; a peer that still had an echo to read
    // resets the connection. That is the teardown, not the scenario.
    const peerClose = context.peerOf(connection)?.connection.events.find((candidate) => candidate.type === 'closed');
    const teardown = event.atMs >= context.stopMs && peerClose?.abortive !== true;
    (teardown ? atStop : during).push({ connection, event });
  }
  const findings: Finding[] = [];
  const first = during[0];
  if (first) {
    const peer = context.peerOf(first.connection);
    const peerAbortive = peer?.connection.events.find((event) => event.type === 'closed' && event.abortive === true);
    const cause = peerAbortive
      ? `${peer!.endpoint.id} closed its end abortively (linger 0) at ${Math.round(peerAbortive.atMs)} ms`
      : 'the peer closed abortively, closed with data it had not read, or no longer knew the connection';
    const code = first.event.code ?? 'ECONNRESET';
    const which = during.length === 1 ? `Connection ${first.connection.index}` : `${during.length} connections, the first`;
    findings.push(
      finding(
        'problem',
        'reset',
        endpoint,
        first.connection,
        `The peer reset ${plural(during.length, 'connection')} of ${endpoint.id}.`,
        `${which} got ${code} at ${Math.round(first.event.atMs)} ms: ${cause}. Whatever was still in flight towards ${endpoint.id} is lost.`,
        { resets: during.length, code, atMs: Math.round(first.event.atMs) },
      ),
    );
  }
  const last = atStop[0];
  if (last) {
    findings.push(
      finding(
        'info',
        'reset-at-stop',
        endpoint,
        last.connection,
        `${plural(atStop.length, 'connection')} of ${endpoint.id} ended with a reset when the run stopped.`,
        `The run stopped at about ${Math.round(context.stopMs)} ms and closed its sockets while data was still on the way; ` +
          'a socket closed with unread data sends a reset instead of a FIN, so these resets come from the stop, not from the scenario.',
        { resets: atStop.length, code: last.event.code ?? 'ECONNRESET', atMs: Math.round(last.event.atMs) },
      ),
    );
  }
  return findings;
}

function nagleStall(endpoint: EndpointResult, spec: EndpointSpec | undefined, context: RunContext): Finding[] {
  const latency = endpoint.latencyUs;
  if (endpoint.transport !== 'tcp' || !latency || latency.count === 0) return [];
  // Round trips through a proxy that adds latency are long for that reason; the proxy's finding says so.
  const target = spec?.connect && 'endpoint' in spec.connect ? context.specOf(spec.connect.endpoint) : undefined;
  if (target?.workload.kind === 'proxy' && (target.workload.toServer.latency || target.workload.toClient.latency)) return [];
  if (latency.p50 < nagleP50MinUs || latency.p50 > nagleP50MaxUs) return [];
  if (endpoint.appliedOptions?.noDelay !== false) return [];
  const workload = spec?.workload.kind === 'ping-pong' ? spec.workload : undefined;
  const messages = endpoint.counters.messages;
  const writesPerMessage = workload?.writesPerMessage ?? (messages > 0 ? endpoint.counters.writes / messages : 1);
  if (writesPerMessage < 1.5) return [];
  const figures: Finding['figures'] = {
    p50Ms: ms(latency.p50),
    p99Ms: ms(latency.p99),
    roundTrips: latency.count,
    writesPerMessage: Math.round(writesPerMessage * 10) / 10,
    noDelay: 'off',
  };
  if (workload) figures.messageBytes = workload.messageBytes;
  return [
    finding(
      'warning',
      'nagle-delayed-ack',
      endpoint,
      endpoint.connections[0],
      'Round trips wait for a delayed ACK (Nagle).',
      `Half of ${endpoint.id}'s ${latency.count} round trips took ${figures.p50Ms} ms or more, near Linux's 40 ms delayed-ACK timeout: ` +
        `each message goes out in ${figures.writesPerMessage} writes with TCP_NODELAY off, so Nagle holds the last part until the peer ` +
        'acknowledges the first, and the peer delays that ACK. Set noDelay, or write each message in one call.',
      figures,
    ),
  ];
}

interface LimitEvidence {
  connection: ConnectionResult;
  share: number | null;
  limitedUs: number | null;
  busyUs: number | null;
  zeroWindowSamples: number;
  maxSendQueueBytes: number;
  peerMaxRecvQueueBytes: number | null;
}

function receiverLimited(endpoint: EndpointResult, context: RunContext): Finding[] {
  if (endpoint.transport !== 'tcp') return [];
  const limited: LimitEvidence[] = [];
  for (const connection of endpoint.connections) {
    const tcp = lastTcp(connection);
    if (!tcp) continue;
    const maxSendQueueBytes = Math.max(0, ...connection.samples.map((sample) => sample.kernelSendQueueBytes ?? 0));
    const zeroWindowSamples = connection.samples.filter((sample) => sample.tcp?.sndWndBytes === 0 && (sample.kernelSendQueueBytes ?? 0) > 0).length;
    const peer = context.peerOf(connection);
    const peerMaxRecvQueueBytes = peer ? Math.max(0, ...peer.connection.samples.map((sample) => sample.kernelRecvQueueBytes ?? 0)) : null;
    const evidence = { connection, zeroWindowSamples, maxSendQueueBytes, peerMaxRecvQueueBytes };
    if (tcp.rwndLimitedUs !== null && tcp.busyTimeUs !== null) {
      if (tcp.busyTimeUs < limitedBusyMinUs) continue;
      const share = tcp.rwndLimitedUs / tcp.busyTimeUs;
      if (share >= limitedShareMin) limited.push({ ...evidence, share, limitedUs: tcp.rwndLimitedUs, busyUs: tcp.busyTimeUs });
      continue;
    }
    // Kernels before 4.10 do not report rwnd_limited: a zero window seen while data waited, or a
    // full queue on both sides, says the same thing.
    const peerRcvBuf = peer?.endpoint.appliedOptions?.rcvBufBytes;
    const peerFull = peerMaxRecvQueueBytes !== null && peerRcvBuf !== undefined && peerMaxRecvQueueBytes >= peerRcvBuf / 4;
    const senderFull = maxSendQueueBytes > 0 && endpoint.appliedOptions !== null && maxSendQueueBytes >= endpoint.appliedOptions.sndBufBytes / 4;
    if (zeroWindowSamples > 0 || (peerFull && senderFull)) limited.push({ ...evidence, share: null, limitedUs: null, busyUs: null });
  }
  const worst = worstOf(limited);
  if (!worst) return [];
  const figures: Finding['figures'] = { connections: limited.length, maxKernelSendQueueBytes: worst.maxSendQueueBytes, zeroWindowSamples: worst.zeroWindowSamples };
  if (worst.share !== null) Object.assign(figures, { rwndLimitedMs: ms(worst.limitedUs!), busyMs: ms(worst.busyUs!), rwndLimitedPercent: percent(worst.share) });
  if (worst.peerMaxRecvQueueBytes !== null) figures.peerMaxRecvQueueBytes = worst.peerMaxRecvQueueBytes;
  const how =
    worst.share !== null
      ? `for ${percent(worst.share)}% of the time it had data to send (${figures.rwndLimitedMs} of ${figures.busyMs} ms), connection ${worst.connection.index} waited for the peer's receive window`
      : `connection ${worst.connection.index} found the peer's receive window closed while data waited`;
  const queues =
    `its kernel send queue reached ${worst.maxSendQueueBytes} bytes` +
    (worst.peerMaxRecvQueueBytes !== null ? ` and the peer's receive queue ${worst.peerMaxRecvQueueBytes} bytes` : '') +
    (worst.zeroWindowSamples > 0 ? `, with a zero window in ${plural(worst.zeroWindowSamples, 'sample')}` : '');
  return [
    finding(
      'warning',
      'receiver-limited',
      endpoint,
      worst.connection,
      "The receiver's window held the sender back.",
      `${capitalize(how)}; ${queues}. The reader is slower than the sender, so the data waits in the sender's buffers (back-pressure).`,
      figures,
    ),
  ];
}

function senderLimited(endpoint: EndpointResult): Finding[] {
  if (endpoint.transport !== 'tcp') return [];
  const limited: LimitEvidence[] = [];
  for (const connection of endpoint.connections) {
    const tcp = lastTcp(connection);
    if (!tcp || tcp.sndbufLimitedUs === null || tcp.busyTimeUs === null || tcp.busyTimeUs < limitedBusyMinUs) continue;
    const share = tcp.sndbufLimitedUs / tcp.busyTimeUs;
    if (share < limitedShareMin) continue;
    const maxSendQueueBytes = Math.max(0, ...connection.samples.map((sample) => sample.kernelSendQueueBytes ?? 0));
    limited.push({ connection, share, limitedUs: tcp.sndbufLimitedUs, busyUs: tcp.busyTimeUs, zeroWindowSamples: 0, maxSendQueueBytes, peerMaxRecvQueueBytes: null });
  }
  const worst = worstOf(limited);
  if (!worst) return [];
  const sndBuf = endpoint.appliedOptions?.sndBufBytes;
  const figures: Finding['figures'] = {
    connections: limited.length,
    sndbufLimitedMs: ms(worst.limitedUs!),
    busyMs: ms(worst.busyUs!),
    sndbufLimitedPercent: percent(worst.share!),
    maxKernelSendQueueBytes: worst.maxSendQueueBytes,
  };
  if (sndBuf !== undefined) figures.sndBufBytes = sndBuf;
  return [
    finding(
      'warning',
      'sender-limited',
      endpoint,
      worst.connection,
      'Our own send buffer held the sender back.',
      `For ${figures.sndbufLimitedPercent}% of the time it had data to send (${figures.sndbufLimitedMs} of ${figures.busyMs} ms), connection ` +
        `${worst.connection.index} had filled its send buffer${sndBuf !== undefined ? ` (SO_SNDBUF ${sndBuf} bytes)` : ''} and had to wait for ACKs. ` +
        'A larger send buffer lets more data be in flight.',
      figures,
    ),
  ];
}

function worstOf(limited: LimitEvidence[]): LimitEvidence | undefined {
  return limited.reduce<LimitEvidence | undefined>((worst, candidate) => {
    if (!worst) return candidate;
    const score = (evidence: LimitEvidence) => (evidence.share ?? 0) * 1e12 + evidence.maxSendQueueBytes;
    return score(candidate) > score(worst) ? candidate : worst;
  }, undefined);
}

function retransmissions(endpoint: EndpointResult): Finding[] {
  if (endpoint.transport !== 'tcp') return [];
  let total = 0;
  let dataSegments = 0;
  let connections = 0;
  let worst: { connection: ConnectionResult; retrans: number } | undefined;
  for (const connection of endpoint.connections) {
    const tcp = lastTcp(connection);
    const retrans = tcp?.totalRetrans ?? 0;
    dataSegments += tcp?.dataSegsOut ?? tcp?.segsOut ?? 0;
    if (retrans <= 0) continue;
    total += retrans;
    connections += 1;
    if (!worst || retrans > worst.retrans) worst = { connection, retrans };
  }
  if (!worst) return [];
  const share = dataSegments > 0 ? total / dataSegments : null;
  const figures: Finding['figures'] = { retransmittedSegments: total, connections, mostOnOneConnection: worst.retrans };
  if (share !== null) figures.retransmittedPercent = Math.round(share * 10000) / 100;
  const cause = isLoopback(worst.connection.remote)
    ? 'Loopback loses nothing on the way, so a timer fired at the sender: a tail-loss probe or a retransmission timeout while the peer was slow to acknowledge (a delayed ACK, a closed window) or dropped data from a full receive buffer.'
    : 'Segments were lost or their ACKs came too late, and each loss costs the sender a timeout or a smaller window.';
  return [
    finding(
      // A stray probe among thousands of segments is worth knowing; one in a hundred slows the stream.
      share !== null && share < 0.01 ? 'info' : 'warning',
      'retransmissions',
      endpoint,
      worst.connection,
      `${endpoint.id} retransmitted ${plural(total, 'segment')}.`,
      `${plural(connections, 'connection')} sent data again (the most, ${worst.retrans}, on connection ${worst.connection.index})` +
        (share !== null ? `, ${figures.retransmittedPercent}% of the data segments sent` : '') +
        `. ${cause}`,
      figures,
    ),
  ];
}

function halfOpen(endpoint: EndpointResult, context: RunContext): Finding[] {
  if (endpoint.transport !== 'tcp') return [];
  const runEndMs = context.result.elapsedMs;
  const open: { connection: ConnectionResult; sinceMs: number; forMs: number; closedAtEnd: boolean }[] = [];
  for (const connection of endpoint.connections) {
    const peerShutdown = connection.events.find((event) => event.type === 'peer-shutdown');
    if (!peerShutdown) continue;
    const ended = connection.events.find(
      (event) => event.atMs >= peerShutdown.atMs && (event.type === 'closed' || event.type === 'reset' || (event.type === 'shutdown' && event.how !== 'read')),
    );
    const endMs = ended?.atMs ?? Math.max(runEndMs, peerShutdown.atMs);
    if (endMs - peerShutdown.atMs < halfOpenMinMs) continue;
    open.push({ connection, sinceMs: peerShutdown.atMs, forMs: endMs - peerShutdown.atMs, closedAtEnd: ended === undefined || endMs >= runEndMs - 50 });
  }
  const longest = open.reduce<(typeof open)[number] | undefined>((worst, candidate) => (!worst || candidate.forMs > worst.forMs ? candidate : worst), undefined);
  if (!longest) return [];
  const state = lastTcp(longest.connection)?.state;
  const figures: Finding['figures'] = { connections: open.length, peerShutdownAtMs: Math.round(longest.sinceMs), halfOpenMs: Math.round(longest.forMs) };
  if (state) figures.lastState = state;
  const until = longest.closedAtEnd ? 'until the end of the run' : `for ${figures.halfOpenMs} ms`;
  return [
    finding(
      'warning',
      'half-open',
      endpoint,
      longest.connection,
      `${plural(open.length, 'connection')} stayed half-open after the peer's FIN.`,
      `The peer of connection ${longest.connection.index} shut down its writing at ${figures.peerShutdownAtMs} ms and ${endpoint.id} did not close ${until}: ` +
        'the socket waits in CLOSE_WAIT, holding its descriptor and buffers, until the application closes it.',
      figures,
    ),
  ];
}

/**
 * When the connection last moved bytes either way, at or before atMs: the open, or the first
 * sample that saw its byte counts change. Keepalive counts its idle time from the last packet
 * heard, which this approaches from above.
 */
function lastTrafficMs(connection: ConnectionResult, atMs: number): number {
  let lastMs = connection.events.find((event) => event.type === 'open')?.atMs ?? 0;
  let previous: ConnectionSample | undefined;
  for (const sample of connection.samples) {
    if (sample.atMs > atMs) break;
    if (previous && (sample.bytesIn !== previous.bytesIn || sample.bytesOut !== previous.bytesOut)) lastMs = Math.max(lastMs, sample.atMs);
    previous = sample;
  }
  return lastMs;
}

/** A connection the kernel closed with ETIMEDOUT: the peer stopped answering. */
function timedOutClose(connection: ConnectionResult): ConnectionEvent | undefined {
  return connection.events.find((event) => event.type === 'closed' && event.code === 'ETIMEDOUT');
}

/** The connections of a TCP endpoint with keepalive that the kernel closed for want of an answer to its probes. */
function keepAliveTimedOut(endpoint: EndpointResult): { connection: ConnectionResult; atMs: number; silentMs: number; probes: number }[] {
  if (endpoint.transport !== 'tcp' || !endpoint.appliedOptions?.keepAlive) return [];
  const timedOut: { connection: ConnectionResult; atMs: number; silentMs: number; probes: number }[] = [];
  for (const connection of endpoint.connections) {
    const closed = timedOutClose(connection);
    if (!closed) continue;
    // Keepalive probes only an idle connection; with data unacknowledged the retransmission timer
    // gave up instead, which the endpoint's errors report.
    if ((sampleBefore(connection, closed.atMs)?.kernelSendQueueBytes ?? 0) > 0) continue;
    const probes = Math.max(0, ...connection.samples.map((sample) => sample.tcp?.probes ?? 0));
    timedOut.push({ connection, atMs: closed.atMs, silentMs: closed.atMs - lastTrafficMs(connection, closed.atMs), probes });
  }
  return timedOut;
}

function keepAliveTimeouts(endpoint: EndpointResult): Finding[] {
  const keepAlive = endpoint.appliedOptions?.keepAlive;
  const timedOut = keepAliveTimedOut(endpoint);
  const first = timedOut[0];
  if (!keepAlive || !first) return [];
  const keepAliveS = keepAlive.idleS + keepAlive.intervalS * keepAlive.count;
  const figures: Finding['figures'] = {
    connections: timedOut.length,
    atMs: Math.round(first.atMs),
    silentMs: Math.round(first.silentMs),
    keepAliveS,
    idleS: keepAlive.idleS,
    intervalS: keepAlive.intervalS,
    count: keepAlive.count,
    probesSeen: first.probes,
  };
  const which = timedOut.length === 1 ? `Connection ${first.connection.index}` : `${timedOut.length} connections, the first`;
  return [
    finding(
      'problem',
      'keepalive-timeout',
      endpoint,
      first.connection,
      `Peer vanished: keepalive timed out after ${keepAliveS} s, at ${round1(first.atMs / 1000)} s into the run.`,
      `${which} heard nothing from its peer for ${round1(first.silentMs / 1000)} s and was closed by the kernel with ETIMEDOUT at ${figures.atMs} ms: ` +
        `after ${keepAlive.idleS} s of silence keepalive sent ${plural(keepAlive.count, 'probe')}, ${keepAlive.intervalS} s apart, and none was answered. ` +
        'The peer is gone without a FIN or a reset: powered off, unplugged, or behind a firewall that drops its packets.',
      figures,
    ),
  ];
}

function halfOpenToVanishedPeer(endpoint: EndpointResult, context: RunContext): Finding[] {
  if (endpoint.transport !== 'tcp' || endpoint.appliedOptions?.keepAlive) return [];
  // Peers that other connections of this run found dead, and when they found out first.
  const vanishedAtMs = new Map<string, number>();
  for (const other of context.result.endpoints) {
    for (const connection of other.connections) {
      const closed = timedOutClose(connection);
      if (!closed || !connection.remote) continue;
      vanishedAtMs.set(connection.remote, Math.min(vanishedAtMs.get(connection.remote) ?? Infinity, closed.atMs));
    }
  }
  const left: { connection: ConnectionResult; vanishedAtMs: number; lastSample: ConnectionSample }[] = [];
  for (const connection of endpoint.connections) {
    const since = connection.remote === null ? undefined : vanishedAtMs.get(connection.remote);
    if (since === undefined || timedOutClose(connection)) continue;
    const atVanish = sampleBefore(connection, since);
    const after = connection.samples.filter((sample) => sample.atMs > since && sample.tcp);
    const lastSample = after.at(-1);
    // Still ESTABLISHED after the peer was found dead, and nothing heard from it since.
    if (!atVanish || !lastSample || after.some((sample) => sample.tcp!.state !== 'ESTABLISHED' || sample.bytesIn !== atVanish.bytesIn)) continue;
    left.push({ connection, vanishedAtMs: since, lastSample });
  }
  const first = left[0];
  if (!first) return [];
  const figures: Finding['figures'] = {
    connections: left.length,
    peer: first.connection.remote!,
    peerVanishedAtMs: Math.round(first.vanishedAtMs),
    stillEstablishedAtMs: Math.round(first.lastSample.atMs),
    kernelSendQueueBytes: first.lastSample.kernelSendQueueBytes ?? 0,
  };
  return [
    finding(
      'warning',
      'half-open-vanished-peer',
      endpoint,
      first.connection,
      `${plural(left.length, 'connection')} to a vanished peer stayed ESTABLISHED: half-open, and nothing will tell.`,
      `Another connection to ${figures.peer} timed out at ${figures.peerVanishedAtMs} ms, yet connection ${first.connection.index} of ${endpoint.id} still read ESTABLISHED at ` +
        `${figures.stillEstablishedAtMs} ms with nothing heard since. Without keepalive an idle connection never probes its peer, so the socket, its descriptor ` +
        'and its buffers stay until the application writes (and, minutes later, gives up retransmitting) or closes. Turn on keepAlive or send heartbeats.',
      figures,
    ),
  ];
}

type BufferOption = 'sndBufBytes' | 'rcvBufBytes';
const bufferOptions: Record<BufferOption, { kernel: string; sysctl: string }> = {
  sndBufBytes: { kernel: 'SO_SNDBUF', sysctl: 'net.core.wmem_max' },
  rcvBufBytes: { kernel: 'SO_RCVBUF', sysctl: 'net.core.rmem_max' },
};
const otherOptionNames: Record<string, string> = {
  noDelay: 'TCP_NODELAY',
  linger: 'SO_LINGER',
  keepAlive: 'SO_KEEPALIVE',
  reuseAddr: 'SO_REUSEADDR',
  reusePort: 'SO_REUSEPORT',
};

function optionsNotApplied(endpoint: EndpointResult, context: RunContext): Finding[] {
  const applied = endpoint.appliedOptions;
  if (!applied) return [];
  const liveChanges = context.result.profile.actions.filter((action) => action.do === 'set-option' && action.endpoint === endpoint.id);
  const optionEvents = endpoint.connections.some((connection) => connection.events.some((event) => event.type === 'option'));
  // Options changed by hand during the run are not in the result: nothing to compare against.
  if (optionEvents && liveChanges.length === 0) return [];
  const requested: Record<string, unknown> = { ...endpoint.requestedOptions };
  for (const action of liveChanges) if (action.do === 'set-option' && action.atMs <= context.result.elapsedMs) Object.assign(requested, action.options);

  const findings: Finding[] = [];
  // What the libuv model cannot set is said once, with Node's reason, not blamed on the kernel.
  const notApplicable = endpoint.optionsNotApplied ?? [];
  for (const item of notApplicable) delete requested[item.option.split('.')[0]!];
  if (notApplicable.length > 0) {
    findings.push(
      finding(
        'info',
        'option-not-applied',
        endpoint,
        undefined,
        `${endpoint.model} cannot set ${notApplicable.map((item) => item.option).join(', ')}.`,
        notApplicable.map((item) => `${item.option}: ${item.reason}.`).join(' '),
        { optionsNotApplied: notApplicable.length },
      ),
    );
  }
  const doubled: string[] = [];
  const doubledFigures: Finding['figures'] = {};
  for (const [name, names] of Object.entries(bufferOptions) as [BufferOption, (typeof bufferOptions)[BufferOption]][]) {
    const asked = requested[name];
    if (typeof asked !== 'number') continue;
    const got = applied[name];
    const requestedKey = `requested${capitalize(name)}`;
    const appliedKey = `applied${capitalize(name)}`;
    if (got === asked * 2) {
      doubled.push(`${names.kernel} ${asked} became ${got}`);
      Object.assign(doubledFigures, { [requestedKey]: asked, [appliedKey]: got });
      continue;
    }
    const limit = Number(context.result.environment.sysctls[names.sysctl]);
    const capped = Number.isFinite(limit) && limit > 0 && asked > limit && got === limit * 2;
    findings.push(
      finding(
        'warning',
        'option-not-applied',
        endpoint,
        undefined,
        capped ? `${names.kernel} was capped at ${names.sysctl}.` : `${names.kernel} was not applied as asked.`,
        capped
          ? `${endpoint.id} asked for ${asked} bytes, more than ${names.sysctl} (${limit}), so the kernel silently used ${limit} (reported doubled, ${got}). ` +
              `Raise ${names.sysctl}, or use ${names.kernel}FORCE with CAP_NET_ADMIN.`
          : `${endpoint.id} asked for ${asked} bytes and the kernel reports ${got}, not the doubled ${asked * 2}; it clamps sizes to its own minimum and maximum.`,
        capped ? { [requestedKey]: asked, [appliedKey]: got, [names.sysctl]: limit } : { [requestedKey]: asked, [appliedKey]: got },
      ),
    );
  }
  if (doubled.length > 0) {
    findings.push(
      finding(
        'info',
        'buffer-doubled',
        endpoint,
        undefined,
        'The kernel doubled the buffer sizes asked for.',
        `On ${endpoint.id}, ${doubled.join(' and ')}: Linux doubles the value to leave room for its bookkeeping (socket(7)) and getsockopt reports the doubled size. ` +
          'This is expected; about half of it holds data.',
        doubledFigures,
      ),
    );
  }
  for (const [name, kernel] of Object.entries(otherOptionNames)) {
    if (!(name in requested) || requested[name] === undefined) continue;
    const got = (applied as Record<string, unknown>)[name];
    // TCP_NODELAY does not exist on a UDP socket; the kernel reports nothing to compare.
    if (got === null && name === 'noDelay') continue;
    const asked = requested[name];
    if (JSON.stringify(asked ?? null) === JSON.stringify(got ?? null)) continue;
    findings.push(
      finding(
        'warning',
        'option-not-applied',
        endpoint,
        undefined,
        `${kernel} was not applied as asked.`,
        `${endpoint.id} asked for ${name} ${JSON.stringify(asked)} but the kernel reports ${JSON.stringify(got)}.`,
        { option: name, requested: JSON.stringify(asked), applied: JSON.stringify(got) },
      ),
    );
  }
  return findings;
}

function halfClose(endpoint: EndpointResult, context: RunContext): Finding[] {
  if (endpoint.transport !== 'tcp') return [];
  const carried: { connection: ConnectionResult; shutdownAtMs: number; bytes: number; reads: number; peerShutdownAtMs: number | null }[] = [];
  for (const connection of endpoint.connections) {
    const shutdown = connection.events.find((event) => event.type === 'shutdown' && event.how === 'write');
    if (!shutdown) continue;
    const peerShutdown = connection.events.find((event) => event.type === 'peer-shutdown' && event.atMs >= shutdown.atMs);
    const reads = context.captureOf(connection.id).filter((entry) => entry.direction === 'read' && entry.atUs > shutdown.atMs * 1000);
    const bytes = reads.reduce((sum, entry) => sum + entry.bytes, 0);
    if (bytes > 0) carried.push({ connection, shutdownAtMs: shutdown.atMs, bytes, reads: reads.length, peerShutdownAtMs: peerShutdown?.atMs ?? null });
  }
  const first = carried[0];
  if (!first) return [];
  const figures: Finding['figures'] = {
    connections: carried.length,
    bytesAfterShutdown: first.bytes,
    readsAfterShutdown: first.reads,
    shutdownAtMs: round1(first.shutdownAtMs),
  };
  if (first.peerShutdownAtMs !== null) figures.peerShutdownAtMs = round1(first.peerShutdownAtMs);
  const until = first.peerShutdownAtMs !== null ? `, until the peer's own FIN at ${figures.peerShutdownAtMs} ms` : '';
  return [
    finding(
      'info',
      'half-close',
      endpoint,
      first.connection,
      'Data kept arriving after our own FIN (half-close).',
      `Connection ${first.connection.index} shut down its writing at ${figures.shutdownAtMs} ms and then read ${first.bytes} bytes in ${plural(first.reads, 'read')}${until}: ` +
        'shutdown(SHUT_WR) closes one direction only, and the other keeps delivering.',
      figures,
    ),
  ];
}

function datagramBoundaries(endpoint: EndpointResult, context: RunContext): Finding[] {
  if (endpoint.transport !== 'udp') return [];
  const reads = context.result.capture.entries.filter((entry) => entry.endpoint === endpoint.id && entry.direction === 'read');
  if (reads.length < boundaryMinReads) return [];
  const sizes = new Set(reads.map((entry) => entry.bytes));
  if (sizes.size !== 1) return [];
  const size = reads[0]!.bytes;
  const senders = context.result.endpoints.filter((other) => other.transport === 'udp' && other.id !== endpoint.id && context.specOf(other.id)?.connect);
  const writes = context.result.capture.entries.filter((entry) => entry.direction === 'write' && senders.some((sender) => sender.id === entry.endpoint));
  const figures: Finding['figures'] = { reads: reads.length, datagramBytes: size };
  let sent = '';
  if (writes.length > 0 && writes.every((entry) => entry.bytes === size)) {
    figures.writes = writes.length;
    sent = `, the size every one of the ${writes.length} datagrams was sent with`;
  }
  return [
    finding(
      'info',
      'datagram-boundaries',
      endpoint,
      undefined,
      'Every read returned one whole datagram.',
      `All ${reads.length} reads captured on ${endpoint.id} returned exactly ${size} bytes${sent}: UDP keeps message boundaries, one datagram per read.`,
      figures,
    ),
  ];
}

function streamBoundaries(endpoint: EndpointResult, context: RunContext): Finding[] {
  if (endpoint.transport !== 'tcp') return [];
  let reads = 0;
  let smaller = 0;
  let larger = 0;
  let writeBytes: number | null = null;
  let writes = 0;
  let example: ConnectionResult | undefined;
  for (const connection of endpoint.connections) {
    const peer = context.peerOf(connection);
    if (!peer) continue;
    const peerWrites = context.captureOf(peer.connection.id).filter((entry) => entry.direction === 'write');
    const ownReads = context.captureOf(connection.id).filter((entry) => entry.direction === 'read');
    const size = peerWrites[0]?.bytes;
    // Only a writer with one write size gives boundaries that reads can be held against.
    if (size === undefined || peerWrites.some((entry) => entry.bytes !== size) || (writeBytes !== null && size !== writeBytes)) continue;
    writeBytes = size;
    writes += peerWrites.length;
    reads += ownReads.length;
    const connectionSmaller = ownReads.filter((entry) => entry.bytes < size).length;
    const connectionLarger = ownReads.filter((entry) => entry.bytes > size).length;
    smaller += connectionSmaller;
    larger += connectionLarger;
    if (!example && connectionSmaller + connectionLarger > 0) example = connection;
  }
  if (writeBytes === null || writes < boundaryMinReads || reads < boundaryMinReads || smaller + larger < Math.max(1, reads * 0.1)) return [];
  return [
    finding(
      'info',
      'stream-boundaries',
      endpoint,
      example,
      "Reads did not follow the writer's boundaries.",
      `The peer made ${writes} writes of ${writeBytes} bytes each, but of the ${reads} reads captured on ${endpoint.id}, ${smaller} returned less (a write split across reads) ` +
        `and ${larger} returned more (writes run together). TCP delivers a byte stream: a protocol must mark where its messages end.`,
      { writeBytes, writes, reads, readsSmaller: smaller, readsLarger: larger },
    ),
  ];
}

/** What a proxy endpoint injected, per direction, and what its clients measured through it. */
function proxyFaults(endpoint: EndpointResult, spec: EndpointSpec | undefined, context: RunContext): Finding[] {
  const counters = endpoint.proxy;
  if (!counters || spec?.workload.kind !== 'proxy' || counters.connectionsProxied === 0) return [];
  const workload = spec.workload;
  const figures: Finding['figures'] = { connectionsProxied: counters.connectionsProxied };
  const acted: string[] = [];
  for (const [key, name] of [['toServer', 'to the server'], ['toClient', 'to the client']] as const) {
    const faults = workload[key];
    const direction = counters[key];
    const drew = (fault: keyof typeof direction.drawn): string =>
      direction.drawn[fault] === counters.connectionsProxied ? '' : ` (${direction.drawn[fault]} of ${counters.connectionsProxied} connections)`;
    const parts: string[] = [];
    if (faults.latency && direction.drawn.latency > 0) {
      parts.push(`${faults.latency.ms} ms of latency${faults.latency.jitterMs ? ` ± ${faults.latency.jitterMs} ms` : ''}${drew('latency')}`);
      figures[`${key}LatencyMs`] = faults.latency.ms;
    }
    if (faults.bandwidth && direction.drawn.bandwidth > 0) parts.push(`a limit of ${faults.bandwidth.bytesPerSecond} bytes/s${drew('bandwidth')}`);
    if (direction.piecesWritten > 0) parts.push(`${direction.piecesWritten} slicer pieces${drew('slicer')}`);
    if (direction.bytesBlackholed > 0) parts.push(`${direction.bytesBlackholed} bytes blackholed${drew('blackhole')}`);
    if (direction.resetsInjected > 0) parts.push(`${plural(direction.resetsInjected, 'reset')} of both sides`);
    if (direction.slowCloses > 0) parts.push(`${plural(direction.slowCloses, 'FIN')} held ${faults.slowClose?.delayMs ?? 0} ms`);
    Object.assign(figures, {
      [`${key}Bytes`]: direction.bytesForwarded,
      [`${key}Pieces`]: direction.piecesWritten,
      [`${key}BlackholedBytes`]: direction.bytesBlackholed,
      [`${key}Resets`]: direction.resetsInjected,
      [`${key}SlowCloses`]: direction.slowCloses,
    });
    if (parts.length > 0) acted.push(`${name}: ${parts.join(', ')}`);
  }
  if (acted.length === 0) return [];
  const toServerMs = workload.toServer.latency && counters.toServer.drawn.latency > 0 ? workload.toServer.latency.ms : 0;
  const toClientMs = workload.toClient.latency && counters.toClient.drawn.latency > 0 ? workload.toClient.latency.ms : 0;
  const addedMs = toServerMs + toClientMs;
  // What the clients behind the proxy measured.
  const measured = context.result.endpoints
    .filter((client) => {
      const clientSpec = context.specOf(client.id);
      return client.role === 'client' && clientSpec?.connect && 'endpoint' in clientSpec.connect && clientSpec.connect.endpoint === endpoint.id && (client.latencyUs?.count ?? 0) > 0;
    })
    .map((client) => {
      figures[`${client.id}P50Ms`] = ms(client.latencyUs!.p50);
      return `${client.id} measured a median round trip of ${ms(client.latencyUs!.p50)} ms`;
    });
  const title =
    addedMs > 0
      ? toServerMs === toClientMs
        ? `${endpoint.id} added ${toServerMs} ms each way: round trips ≈ ${addedMs} ms above loopback.`
        : `${endpoint.id} added ${toServerMs} ms towards the server and ${toClientMs} ms back: round trips ≈ ${addedMs} ms above loopback.`
      : `${endpoint.id} injected faults into ${plural(counters.connectionsProxied, 'connection')}.`;
  return [
    finding(
      'info',
      'proxy-faults',
      endpoint,
      undefined,
      title,
      `${capitalize(acted.join('; '))}.${measured.length > 0 ? ` Through it, ${measured.join('; ')}.` : ''}`,
      figures,
    ),
  ];
}

/** The text as a sentence: with a final full stop. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

/**
 * Clients with the same workload, connections and options against servers of different I/O models:
 * the comparison the profile was made for, side by side.
 */
function modelComparison(context: RunContext): Finding[] {
  const groups = new Map<string, { client: EndpointResult; server: EndpointResult }[]>();
  for (const client of context.result.endpoints) {
    const spec = context.specOf(client.id);
    if (client.role !== 'client' || !spec?.connect || !('endpoint' in spec.connect) || !client.latencyUs || client.latencyUs.count === 0) continue;
    const serverId = spec.connect.endpoint;
    const server = context.result.endpoints.find((endpoint) => endpoint.id === serverId);
    const serverSpec = context.specOf(serverId);
    if (!server || !serverSpec) continue;
    const key = JSON.stringify([spec.transport, spec.model, spec.connections, spec.options, spec.workload, serverSpec.workload, serverSpec.options, serverSpec.threads]);
    const group = groups.get(key);
    if (group) group.push({ client, server });
    else groups.set(key, [{ client, server }]);
  }
  const findings: Finding[] = [];
  for (const group of groups.values()) {
    const models = new Set(group.map(({ server }) => server.model));
    if (group.length < 2 || models.size !== group.length) continue;
    const figures: Finding['figures'] = {};
    const latencies: string[] = [];
    const wakeups: string[] = [];
    for (const { client, server } of group) {
      const latency = client.latencyUs!;
      Object.assign(figures, {
        [`${server.model}P50Ms`]: ms3(latency.p50),
        [`${server.model}P99Ms`]: ms3(latency.p99),
        [`${server.model}Messages`]: client.counters.messages,
        [`${server.model}ServerWakeups`]: server.counters.wakeups,
      });
      latencies.push(`${server.model} ${ms3(latency.p50)}/${ms3(latency.p99)} ms`);
      wakeups.push(`${server.model} ${server.counters.wakeups}`);
    }
    const first = group[0]!.client;
    findings.push(
      finding(
        'info',
        'model-comparison',
        first,
        undefined,
        `The same load ran against ${group.length} I/O models.`,
        `Round trips p50/p99: ${latencies.join(', ')}; server wakeups: ${wakeups.join(', ')}. ` +
          'Where the round trips are alike, what differs is the cost: a thread per connection for blocking, one thread for select and epoll.',
        figures,
      ),
    );
  }
  return findings;
}

const ms3 = (us: number): number => Math.round(us) / 1000;
const round1 = (value: number): number => Math.round(value * 10) / 10;

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
