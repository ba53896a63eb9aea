// findingsOf on small hand-built results: each diagnosis when its evidence is there, and silence
// when it is not.
import { describe, expect, it } from 'vitest';
import { findingsOf, type Finding } from '../../src-shared/findings.js';
import { countersOf } from '../helpers/results.js';
import { profileSchema, type ActionSpec, type EndpointInput } from '../../src-shared/profile.js';
import type { AppliedSocketOptions } from '../../src-shared/socket-options.js';
import type {
  CaptureEntry,
  ConnectionEvent,
  ConnectionResult,
  ConnectionSample,
  EndpointCounters,
  EndpointResult,
  RunResult,
  TcpInfo,
} from '../../src-shared/result.js';

const defaultApplied: AppliedSocketOptions = { noDelay: false, sndBufBytes: 16384, rcvBufBytes: 131072, linger: null, keepAlive: null, reuseAddr: false, reusePort: false };

function counters(over: Partial<EndpointCounters> = {}): EndpointCounters {
  return countersOf({ connectionsTotal: 1, ...over });
}

function tcp(over: Partial<TcpInfo> = {}): TcpInfo {
  return {
    state: 'ESTABLISHED',
    rttUs: 30,
    rttVarUs: 10,
    cwndSegments: 10,
    ssthreshSegments: 2147483647,
    mssBytes: 65483,
    retransmits: 0,
    totalRetrans: 0,
    segsIn: 10,
    segsOut: 10,
    dataSegsOut: 5,
    notsentBytes: 0,
    deliveryRateBytesPerS: 0,
    sndWndBytes: 65536,
    rcvWndBytes: 65536,
    busyTimeUs: 0,
    rwndLimitedUs: 0,
    sndbufLimitedUs: 0,
    probes: 0,
    ...over,
  };
}

function sample(atMs: number, over: Partial<ConnectionSample> = {}, tcpOver: Partial<TcpInfo> | null = {}): ConnectionSample {
  return {
    atMs,
    bytesIn: 0,
    bytesOut: 0,
    kernelSendQueueBytes: 0,
    kernelUnsentBytes: 0,
    kernelRecvQueueBytes: 0,
    appSendQueueBytes: 0,
    tcp: tcpOver === null ? null : tcp(tcpOver),
    ...over,
  };
}

function connection(id: number, over: Partial<ConnectionResult> = {}): ConnectionResult {
  return {
    id,
    index: 0,
    local: null,
    remote: null,
    events: [{ atMs: 1, type: 'open' }],
    eventsDropped: 0,
    samples: [],
    samplesDropped: 0,
    bytesIn: 0,
    bytesOut: 0,
    ...over,
  };
}

const serverAddress = '127.0.0.1:40000';
const clientAddress = '127.0.0.1:50000';
/** A client connection and the server's side of it, linked by their addresses. */
const clientSide = (id: number, over: Partial<ConnectionResult> = {}) => connection(id, { local: clientAddress, remote: serverAddress, ...over });
const serverSide = (id: number, over: Partial<ConnectionResult> = {}) => connection(id, { local: serverAddress, remote: clientAddress, ...over });

function endpoint(id: string, over: Partial<EndpointResult> = {}): EndpointResult {
  return {
    id,
    role: id.startsWith('server') ? 'server' : 'client',
    model: 'epoll',
    transport: 'tcp',
    listen: null,
    requestedOptions: {},
    appliedOptions: defaultApplied,
    counters: counters(),
    latencyUs: null,
    throughput: { bytesIn: 0, bytesOut: 0, bitsPerSecondIn: 0, bitsPerSecondOut: 0 },
    connections: [],
    connectionsWithoutSeries: 0,
    errors: [],
    ...over,
  };
}

interface Scenario {
  endpoints: EndpointResult[];
  /** Profile workloads by endpoint id (default: echo for servers, ping-pong for clients). */
  workloads?: Record<string, EndpointInput['workload']>;
  actions?: ActionSpec[];
  /** The server each client connects to, by id (default: the first server). */
  connects?: Record<string, string>;
  capture?: CaptureEntry[];
  elapsedMs?: number;
}

function resultOf({ endpoints, workloads = {}, actions = [], connects = {}, capture = [], elapsedMs = 2000 }: Scenario): RunResult {
  const profile = profileSchema.parse({
    schema: 'sockscope.profile/1',
    name: 'hand-built',
    durationMs: elapsedMs,
    endpoints: endpoints.map((result) => ({
      id: result.id,
      role: result.role,
      transport: result.transport,
      model: 'epoll',
      ...(result.role === 'server' ? { listen: { host: '127.0.0.1', port: 0 } } : { connect: { endpoint: connects[result.id] ?? endpoints.find((other) => other.role === 'server')!.id } }),
      workload: workloads[result.id] ?? (result.role === 'server' ? { kind: 'echo' } : { kind: result.transport === 'udp' ? 'bulk' : 'ping-pong' }),
    })),
    actions,
  });
  return {
    schema: 'sockscope.result/1',
    profile,
    environment: {
      os: 'linux',
      kernel: '6.8.0',
      arch: 'x64',
      node: 'v20',
      cpus: 2,
      sysctls: { 'net.core.wmem_max': '4194304', 'net.core.rmem_max': '4194304' },
    },
    startedAt: '2026-01-01T00:00:00.000Z',
    elapsedMs,
    completed: true,
    stopReason: 'duration',
    endpoints,
    capture: { entries: capture, dropped: 0, maxEntries: 65536 },
    limitsHit: [],
  };
}

function entry(endpointId: string, connectionId: number, direction: 'read' | 'write', bytes: number, atUs: number): CaptureEntry {
  return { atUs, endpoint: endpointId, connection: connectionId, direction, bytes, previewHex: '' };
}

const kinds = (findings: Finding[]) => findings.map((finding) => finding.kind);
const only = (findings: Finding[], kind: string): Finding => {
  const matching = findings.filter((finding) => finding.kind === kind);
  expect(matching).toHaveLength(1);
  return matching[0]!;
};

/** A healthy ping-pong pair: fast round trips, Nagle off, a graceful end. */
function healthyPair(): EndpointResult[] {
  const closedAt = (atMs: number): ConnectionEvent[] => [
    { atMs: 1, type: 'open' },
    { atMs: 1, type: 'state', state: 'ESTABLISHED' },
    { atMs, type: 'closed', abortive: false },
  ];
  return [
    endpoint('server', {
      requestedOptions: { noDelay: true },
      appliedOptions: { ...defaultApplied, noDelay: true },
      connections: [
        serverSide(2, {
          events: [...closedAt(2000).slice(0, 2), { atMs: 1999, type: 'peer-shutdown' }, { atMs: 2000, type: 'closed', abortive: false }],
          samples: [sample(100), sample(1000)],
        }),
      ],
    }),
    endpoint('client', {
      requestedOptions: { noDelay: true },
      appliedOptions: { ...defaultApplied, noDelay: true },
      counters: counters({ messages: 20000, writes: 20000, reads: 20000 }),
      latencyUs: { count: 20000, p50: 55, p90: 80, p99: 200, max: 900, mean: 60 },
      connections: [clientSide(1, { events: closedAt(1999), samples: [sample(100, {}, { busyTimeUs: 40_000 }), sample(1000, {}, { busyTimeUs: 90_000 })] })],
    }),
  ];
}

describe('findingsOf', () => {
  it('finds nothing in a healthy run', () => {
    expect(findingsOf(resultOf({ endpoints: healthyPair() }))).toEqual([]);
  });

  describe('the Nagle and delayed-ACK stall', () => {
    const stalled = (over: { noDelay?: boolean; p50?: number; writesPerMessage?: number; writes?: number }) => {
      const [server, client] = healthyPair();
      client!.appliedOptions = { ...defaultApplied, noDelay: over.noDelay ?? false };
      client!.requestedOptions = { noDelay: over.noDelay ?? false };
      client!.latencyUs = { count: 68, p50: over.p50 ?? 43_520, p90: 47_000, p99: 48_377, max: 48_377, mean: 43_770 };
      client!.counters = counters({ messages: 68, writes: over.writes ?? 136 });
      return findingsOf(
        resultOf({ endpoints: [server!, client!], workloads: { client: { kind: 'ping-pong', messageBytes: 64, writesPerMessage: over.writesPerMessage ?? 2 } } }),
      );
    };

    it('is found from a p50 near 40 ms, split messages and Nagle on', () => {
      const finding = only(stalled({}), 'nagle-delayed-ack');
      expect(finding).toMatchObject({ severity: 'warning', endpoint: 'client', connection: 1 });
      expect(finding.figures).toMatchObject({ p50Ms: 43.5, writesPerMessage: 2, noDelay: 'off', messageBytes: 64, roundTrips: 68 });
      expect(finding.detail).toContain('43.5 ms');
    });

    it('is not found with TCP_NODELAY, outside 30-250 ms, or with one write per message', () => {
      expect(kinds(stalled({ noDelay: true }))).not.toContain('nagle-delayed-ack');
      expect(kinds(stalled({ p50: 20_000 }))).not.toContain('nagle-delayed-ack');
      expect(kinds(stalled({ p50: 300_000 }))).not.toContain('nagle-delayed-ack');
      expect(kinds(stalled({ writesPerMessage: 1, writes: 68 }))).not.toContain('nagle-delayed-ack');
    });
  });

  describe('what held a sender back', () => {
    const sender = (tcpOver: Partial<TcpInfo>, samples: ConnectionSample[] = []) => {
      const [server, client] = healthyPair();
      client!.connections = [clientSide(1, { samples: [...samples, sample(1900, { kernelSendQueueBytes: 400_000 }, tcpOver)] })];
      server!.connections = [serverSide(2, { samples: [sample(1900, { kernelRecvQueueBytes: 120_000 })] })];
      return findingsOf(resultOf({ endpoints: [server!, client!] }));
    };

    it("finds receiver-limited time from rwnd_limited's share of the busy time", () => {
      const finding = only(sender({ busyTimeUs: 1_000_000, rwndLimitedUs: 600_000 }), 'receiver-limited');
      expect(finding.figures).toMatchObject({ rwndLimitedPercent: 60, rwndLimitedMs: 600, busyMs: 1000, maxKernelSendQueueBytes: 400_000, peerMaxRecvQueueBytes: 120_000 });
    });

    it('ignores a small share and a short busy time', () => {
      expect(kinds(sender({ busyTimeUs: 1_000_000, rwndLimitedUs: 100_000 }))).not.toContain('receiver-limited');
      expect(kinds(sender({ busyTimeUs: 50_000, rwndLimitedUs: 50_000 }))).not.toContain('receiver-limited');
    });

    it('falls back on a zero window when the kernel does not report rwnd_limited', () => {
      const finding = only(
        sender({ busyTimeUs: null, rwndLimitedUs: null, sndbufLimitedUs: null, sndWndBytes: 0 }, [sample(1800, { kernelSendQueueBytes: 300_000 }, { sndWndBytes: 0, busyTimeUs: null, rwndLimitedUs: null })]),
        'receiver-limited',
      );
      expect(finding.figures.zeroWindowSamples).toBe(2);
      expect(finding.figures).not.toHaveProperty('rwndLimitedPercent');
    });

    it('finds sender-limited time from sndbuf_limited', () => {
      const finding = only(sender({ busyTimeUs: 1_000_000, sndbufLimitedUs: 700_000 }), 'sender-limited');
      expect(finding.figures).toMatchObject({ sndbufLimitedPercent: 70, sndBufBytes: 16384 });
      expect(kinds(sender({ busyTimeUs: 1_000_000, sndbufLimitedUs: 10_000 }))).not.toContain('sender-limited');
    });

    it('counts retransmissions from the last TCP sample', () => {
      const finding = only(sender({ totalRetrans: 3 }), 'retransmissions');
      expect(finding).toMatchObject({ severity: 'warning', figures: { retransmittedSegments: 3, connections: 1, retransmittedPercent: 60 } });
      expect(finding.detail).toContain('Loopback');
      // One probe among ten thousand data segments is worth knowing, not a warning.
      expect(only(sender({ totalRetrans: 1, dataSegsOut: 10_000 }), 'retransmissions')).toMatchObject({ severity: 'info', figures: { retransmittedPercent: 0.01 } });
      expect(kinds(sender({ totalRetrans: 0 }))).not.toContain('retransmissions');
    });
  });

  describe('closes and resets', () => {
    const abortive = (queued: Partial<ConnectionSample>) => {
      const [server, client] = healthyPair();
      client!.connections = [
        clientSide(1, {
          events: [{ atMs: 1, type: 'open' }, { atMs: 800, type: 'closed', abortive: true, message: '16384 queued bytes were never written' }],
          samples: [sample(700, queued), sample(900, { kernelSendQueueBytes: 0 })],
        }),
      ];
      server!.connections = [
        serverSide(2, { events: [{ atMs: 1, type: 'open' }, { atMs: 1037, type: 'reset', code: 'ECONNRESET' }, { atMs: 1037, type: 'closed', abortive: false, code: 'ECONNRESET' }] }),
      ];
      return findingsOf(resultOf({ endpoints: [server!, client!] }));
    };

    it('counts the bytes an abortive close threw away, and names it as the cause of the peer reset', () => {
      const findings = abortive({ kernelSendQueueBytes: 77_824, kernelUnsentBytes: 77_824, appSendQueueBytes: 16_384 });
      const close = only(findings, 'abortive-close');
      expect(close).toMatchObject({ severity: 'problem', endpoint: 'client', connection: 1 });
      expect(close.figures).toMatchObject({ discardedBytes: 94_208, kernelSendQueueBytes: 77_824, appSendQueueBytes: 16_384, atMs: 800 });
      const reset = only(findings, 'reset');
      expect(reset).toMatchObject({ severity: 'problem', endpoint: 'server', connection: 2 });
      expect(reset.figures).toMatchObject({ resets: 1, code: 'ECONNRESET', atMs: 1037 });
      expect(reset.detail).toContain('client closed its end abortively');
    });

    it('tells resets caused by the stop of the run from resets during it', () => {
      const [server, client] = healthyPair();
      client!.connections[0]!.events = [{ atMs: 1, type: 'open' }, { atMs: 1998, type: 'closed', abortive: false }];
      server!.connections[0]!.events = [{ atMs: 1, type: 'open' }, { atMs: 1999, type: 'reset', code: 'ECONNRESET' }, { atMs: 2000, type: 'closed', abortive: false }];
      const findings = findingsOf(resultOf({ endpoints: [server!, client!] }));
      expect(kinds(findings)).toEqual(['reset-at-stop']);
      expect(findings[0]).toMatchObject({ severity: 'info', endpoint: 'server', figures: { resets: 1, code: 'ECONNRESET' } });
    });

    it('calls an abortive close with empty queues a warning', () => {
      expect(only(abortive({}), 'abortive-close')).toMatchObject({ severity: 'warning', figures: { discardedBytes: 0 } });
    });

    it('finds a connection left in CLOSE_WAIT, and not one closed right after the FIN', () => {
      const [server, client] = healthyPair();
      server!.connections = [
        serverSide(2, {
          events: [{ atMs: 1, type: 'open' }, { atMs: 300, type: 'peer-shutdown' }, { atMs: 300, type: 'state', state: 'CLOSE_WAIT' }],
          samples: [sample(1900, {}, { state: 'CLOSE_WAIT' })],
        }),
      ];
      const finding = only(findingsOf(resultOf({ endpoints: [server!, client!] })), 'half-open');
      expect(finding.figures).toMatchObject({ connections: 1, peerShutdownAtMs: 300, halfOpenMs: 1700, lastState: 'CLOSE_WAIT' });
      expect(finding.detail).toContain('until the end of the run');
    });
  });

  describe('options asked against applied', () => {
    const withOptions = (requested: Record<string, unknown>, applied: Partial<AppliedSocketOptions>, actions: ActionSpec[] = [], optionEvent = false) => {
      const [server, client] = healthyPair();
      client!.requestedOptions = requested;
      client!.appliedOptions = { ...defaultApplied, ...applied };
      if (optionEvent) client!.connections[0]!.events.push({ atMs: 500, type: 'option', message: 'options applied' });
      return findingsOf(resultOf({ endpoints: [server!, client!], actions }));
    };

    it('explains the doubling of buffer sizes as info', () => {
      const finding = only(withOptions({ sndBufBytes: 65536, rcvBufBytes: 32768 }, { sndBufBytes: 131072, rcvBufBytes: 65536 }), 'buffer-doubled');
      expect(finding.severity).toBe('info');
      expect(finding.figures).toEqual({ requestedSndBufBytes: 65536, appliedSndBufBytes: 131072, requestedRcvBufBytes: 32768, appliedRcvBufBytes: 65536 });
    });

    it('warns when a buffer was capped at the sysctl maximum, naming it', () => {
      const finding = only(withOptions({ sndBufBytes: 67108864 }, { sndBufBytes: 8388608 }), 'option-not-applied');
      expect(finding.severity).toBe('warning');
      expect(finding.title).toContain('net.core.wmem_max');
      expect(finding.figures).toMatchObject({ requestedSndBufBytes: 67108864, appliedSndBufBytes: 8388608, 'net.core.wmem_max': 4194304 });
    });

    it('warns about any other option the kernel reports differently', () => {
      const finding = only(withOptions({ noDelay: true, linger: { seconds: 5 } }, { noDelay: true, linger: { seconds: 0 } }), 'option-not-applied');
      expect(finding.figures).toEqual({ option: 'linger', requested: '{"seconds":5}', applied: '{"seconds":0}' });
    });

    it('compares against options changed by a set-option action, and skips options changed by hand', () => {
      const setOption: ActionSpec = { atMs: 500, endpoint: 'client', do: 'set-option', options: { noDelay: false } };
      expect(withOptions({ noDelay: true }, { noDelay: false }, [setOption], true)).toEqual([]);
      expect(withOptions({ noDelay: true }, { noDelay: false }, [], true)).toEqual([]);
      expect(kinds(withOptions({ noDelay: true }, { noDelay: false }))).toEqual(['option-not-applied']);
    });
  });

  describe('errors', () => {
    it('reports FD_SETSIZE refusals with the set size and the connections served', () => {
      const [server, client] = healthyPair();
      server!.model = 'select';
      server!.counters = counters({ connectionsRefused: 602, connectionsTotal: 1100, errors: 602 });
      server!.errors = [
        {
          code: 'FD_SETSIZE',
          message: 'select cannot watch descriptor 1024: an fd_set holds descriptors below FD_SETSIZE (1024); use the epoll model for more connections',
          count: 602,
        },
      ];
      const finding = only(findingsOf(resultOf({ endpoints: [server!, client!] })), 'fd-setsize');
      expect(finding).toMatchObject({ severity: 'problem', endpoint: 'server', figures: { connectionsRefused: 602, connectionsServed: 498, fdSetSize: 1024 } });
    });

    it('reports other endpoint errors by code, with what the code means', () => {
      const [server, client] = healthyPair();
      client!.errors = [{ code: 'ECONNREFUSED', message: 'connect to 127.0.0.1:9 failed: connection refused', count: 4 }];
      const finding = only(findingsOf(resultOf({ endpoints: [server!, client!] })), 'endpoint-error');
      expect(finding).toMatchObject({ severity: 'problem', endpoint: 'client', figures: { code: 'ECONNREFUSED', count: 4 } });
      expect(finding.title).toBe('client failed with ECONNREFUSED 4 times.');
      expect(finding.detail).toContain('nothing was listening');
    });
  });

  describe('chat rooms', () => {
    const chatServer = (over: object) => ({
      role: 'server' as const,
      members: 9,
      joins: 9,
      broadcasts: 3201,
      bytesEncoded: 3201 * 56,
      deliveries: 3201 * 8,
      presenceNotices: 9,
      membersDropped: 0,
      messagesDropped: 0,
      peakMemberQueueBytes: 16384, roomBacklogPauses: 0,
      jobsQueued: 3210,
      jobsExecuted: 3210,
      jobsHandedOff: 2,
      ...over,
    });
    const chatWorkloads = (overflow: 'drop-messages' | 'drop-member') => ({
      server: { kind: 'chat' as const, memberQueueBytes: 16384, overflow },
      client: { kind: 'chat' as const },
    });

    it('names a slow member whose messages were skipped, with the queue it filled', () => {
      const [server, client] = healthyPair();
      server!.chat = chatServer({ messagesDropped: 2597 });
      const findings = findingsOf(resultOf({ endpoints: [server!, client!], workloads: chatWorkloads('drop-messages') }));
      const slow = only(findings, 'slow-chat-member');
      expect(slow).toMatchObject({ severity: 'problem', endpoint: 'server', figures: { messagesDropped: 2597, membersDropped: 0, memberQueueBytes: 16384 } });
      expect(slow.title).toBe('server skipped 2597 messages for a slow member: its queue (inbox and send queue) would have passed 16384 bytes (memberQueueBytes).');
    });

    it('names a slow member that was dropped, with the reason from its closed event', () => {
      const [server, client] = healthyPair();
      const reason = 'dropped from room 0: 16376 bytes were queued for it and a 56-byte message would pass the member queue of 16384 bytes';
      server!.chat = chatServer({ membersDropped: 1 });
      server!.connections.push(serverSide(7, { events: [{ atMs: 1, type: 'open' }, { atMs: 900, type: 'closed', code: 'ENOBUFS', message: reason }] }));
      const slow = only(findingsOf(resultOf({ endpoints: [server!, client!], workloads: chatWorkloads('drop-member') })), 'slow-chat-member');
      expect(slow).toMatchObject({ severity: 'problem', connection: 7, figures: { membersDropped: 1 } });
      expect(slow.title).toBe('server dropped a slow member from its room: its queue (inbox and send queue) would have passed 16384 bytes (memberQueueBytes).');
      expect(slow.detail).toContain(reason);
    });

    it('shows the one encoding per broadcast, and no slow member when none was met', () => {
      const [server, client] = healthyPair();
      server!.chat = chatServer({});
      const findings = findingsOf(resultOf({ endpoints: [server!, client!], workloads: chatWorkloads('drop-messages') }));
      expect(kinds(findings)).not.toContain('slow-chat-member');
      expect(only(findings, 'chat-shared-broadcast')).toMatchObject({ severity: 'info', figures: { broadcasts: 3201, bytesPerBroadcast: 56 } });
    });
  });

  describe('from the capture', () => {
    it('finds data received after our own shutdown(write)', () => {
      const [server, client] = healthyPair();
      client!.connections = [
        clientSide(1, {
          events: [
            { atMs: 1, type: 'open' },
            { atMs: 10, type: 'shutdown', how: 'write' },
            { atMs: 25, type: 'peer-shutdown' },
            { atMs: 25, type: 'closed', abortive: false },
          ],
        }),
      ];
      const capture = [entry('client', 1, 'read', 1000, 9_000), entry('client', 1, 'read', 16384, 12_000), entry('client', 1, 'read', 8192, 20_000)];
      const finding = only(findingsOf(resultOf({ endpoints: [server!, client!], capture })), 'half-close');
      expect(finding).toMatchObject({ severity: 'info', connection: 1 });
      expect(finding.figures).toMatchObject({ bytesAfterShutdown: 24576, readsAfterShutdown: 2, shutdownAtMs: 10, peerShutdownAtMs: 25 });
      // Nothing read after the FIN: no half-close to speak of.
      expect(kinds(findingsOf(resultOf({ endpoints: [server!, client!], capture: capture.slice(0, 1) })))).not.toContain('half-close');
    });

    const udpPair = (readSizes: number[]) => {
      const server = endpoint('server', { transport: 'udp', appliedOptions: { ...defaultApplied, noDelay: null }, connections: [connection(1, { local: serverAddress })] });
      const client = endpoint('client', { transport: 'udp', appliedOptions: { ...defaultApplied, noDelay: null }, connections: [clientSide(2)] });
      const capture = readSizes.flatMap((bytes, index) => [entry('client', 2, 'write', bytes, index * 1000), entry('server', 1, 'read', bytes, index * 1000 + 50)]);
      return findingsOf(resultOf({ endpoints: [server, client], capture, workloads: { server: { kind: 'sink' }, client: { kind: 'bulk', writeBytes: 1200 } } }));
    };

    it('finds UDP datagram boundaries kept when every read has the size sent', () => {
      const finding = only(udpPair(Array.from({ length: 20 }, () => 1200)), 'datagram-boundaries');
      expect(finding.figures).toEqual({ reads: 20, datagramBytes: 1200, writes: 20 });
      expect(kinds(udpPair([...Array.from({ length: 19 }, () => 1200), 600]))).not.toContain('datagram-boundaries');
      expect(kinds(udpPair([1200, 1200, 1200]))).not.toContain('datagram-boundaries');
    });

    it('finds TCP reads that split and coalesce fixed-size writes', () => {
      const [server, client] = healthyPair();
      const writes = Array.from({ length: 30 }, (_, index) => entry('client', 1, 'write', 1200, index * 2000));
      const reads = [3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 3000, 600, 5400].map((bytes, index) => entry('server', 2, 'read', bytes, index * 5000 + 100));
      const finding = only(findingsOf(resultOf({ endpoints: [server!, client!], capture: [...writes, ...reads] })), 'stream-boundaries');
      expect(finding.figures).toEqual({ writeBytes: 1200, writes: 30, reads: 12, readsSmaller: 1, readsLarger: 11 });
      // Too few writes to speak of boundaries: one large write read in pieces is no finding.
      const oneWrite = [entry('client', 1, 'write', 36000, 0), ...reads];
      expect(kinds(findingsOf(resultOf({ endpoints: [server!, client!], capture: oneWrite })))).not.toContain('stream-boundaries');
      // Reads that match the writes one for one say nothing.
      const matching = writes.map((write) => entry('server', 2, 'read', 1200, write.atUs + 50));
      expect(kinds(findingsOf(resultOf({ endpoints: [server!, client!], capture: [...writes, ...matching] })))).not.toContain('stream-boundaries');
    });
  });

  it('compares the same load against servers of different I/O models', () => {
    const models = ['blocking', 'select', 'epoll'];
    const latency = (p50: number) => ({ count: 1000, p50, p90: p50 * 2, p99: p50 * 4, max: p50 * 8, mean: p50 });
    const endpoints = [
      ...models.map((model, index) => endpoint(`server${index}`, { model, counters: counters({ wakeups: 100 * (index + 1) }) })),
      ...models.map((model, index) => endpoint(`client${index}`, { latencyUs: latency(300 + index * 20), counters: counters({ messages: 5000 + index }) })),
    ];
    const connects = { client0: 'server0', client1: 'server1', client2: 'server2' };
    const finding = only(findingsOf(resultOf({ endpoints, connects })), 'model-comparison');
    expect(finding).toMatchObject({ severity: 'info', endpoint: 'client0' });
    expect(finding.figures).toMatchObject({ blockingP50Ms: 0.3, selectP50Ms: 0.32, epollP50Ms: 0.34, epollServerWakeups: 300, selectMessages: 5001 });
    // Different loads are no comparison.
    const workloads = { client2: { kind: 'ping-pong' as const, messageBytes: 1000 } };
    expect(kinds(findingsOf(resultOf({ endpoints, connects, workloads })))).toEqual(['model-comparison']);
    expect(only(findingsOf(resultOf({ endpoints, connects, workloads })), 'model-comparison').figures).not.toHaveProperty('epollP50Ms');
  });

  it("sets a read buffer pool's pinned bytes beside a buffer per read, and warns when reads found it empty", () => {
    const [server, client] = healthyPair();
    const modelCounters = (exhausted: number) => ({
      backend: 'io_uring',
      backendNote: null,
      operationsPosted: 50_000,
      completions: 40_000,
      peakOperationsInFlight: 10_049,
      peakBytesPinned: 4 * 2 ** 20 + 12_800,
      peakCompletionQueueDepth: 300,
      buffersPerWrite: 1,
      workers: [],
      readBuffers: 'pool' as const,
      readPool: { buffers: 256, bufferBytes: 16384, bytes: 4 * 2 ** 20, peakBuffersInUse: 256, exhausted },
    });
    const pooled = (exhausted: number) => findingsOf(resultOf({ endpoints: [{ ...server!, model: 'completion-port', counters: counters({ connectionsTotal: 10_000 }), modelCounters: modelCounters(exhausted) }, client!] }));
    const calm = only(pooled(0), 'read-buffer-pool');
    expect(calm).toMatchObject({ severity: 'info', endpoint: 'server' });
    expect(calm.title).toBe('server kept up to 10049 operations posted while pinning 4 MiB: its reads took a buffer from a 4 MiB pool only once data was there.');
    expect(calm.detail).toMatch(/156.3 MiB for 10000 connections/);
    expect(kinds(pooled(0))).not.toContain('read-buffer-pool-exhausted');
    const empty = only(pooled(4357), 'read-buffer-pool-exhausted');
    expect(empty).toMatchObject({ severity: 'warning', figures: expect.objectContaining({ exhausted: 4357, buffers: 256 }) });
    expect(empty.title).toMatch(/4357 reads found all 256 buffers held/);
    // A buffer per read has no pool to speak of.
    const perOperation = { ...modelCounters(0), readBuffers: 'per-operation' as const, readPool: undefined };
    expect(kinds(findingsOf(resultOf({ endpoints: [{ ...server!, modelCounters: perOperation }, client!] })))).not.toContain('read-buffer-pool');
  });

  it('puts problems first, and gives every finding a sentence title, a detail and figures', () => {
    const [server, client] = healthyPair();
    client!.requestedOptions = { sndBufBytes: 65536 };
    client!.appliedOptions = { ...defaultApplied, noDelay: true, sndBufBytes: 131072 };
    client!.errors = [{ code: 'EPIPE', message: 'write failed', count: 1 }];
    client!.connections[0]!.samples.push(sample(1900, {}, { totalRetrans: 1 }));
    const findings = findingsOf(resultOf({ endpoints: [server!, client!] }));
    expect(findings.map((finding) => finding.severity)).toEqual(['problem', 'warning', 'info']);
    for (const finding of findings) {
      expect(finding.title).toMatch(/^[A-Za-z].*\.$/);
      expect(finding.detail).toMatch(/\.$/);
      expect(Object.keys(finding.figures).length).toBeGreaterThan(0);
    }
  });
});
