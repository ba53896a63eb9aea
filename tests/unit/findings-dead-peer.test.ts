// The diagnoses of a peer that vanished without a FIN, on hand-made results: keepalive's timeout,
// and the connections without keepalive left half-open; and silence where the evidence is missing.
// tests/netns/keepalive.test.ts shows both on a real run.
import { describe, expect, it } from 'vitest';
import { findingsOf } from '../../src-shared/findings.js';
import type { ConnectionEvent, ConnectionSample, TcpState } from '../../src-shared/result.js';
import type { AppliedSocketOptions } from '../../src-shared/socket-options.js';
import { connectionOf, endpointResultOf, resultOf } from '../helpers/results.js';

const peer = '198.18.0.1:5000';
const keepAlive = { idleS: 1, intervalS: 1, count: 3 };
const applied = (over: Partial<AppliedSocketOptions> = {}): AppliedSocketOptions => ({
  noDelay: false, sndBufBytes: 16384, rcvBufBytes: 131072, linger: null, keepAlive: null, reuseAddr: false, reusePort: false, ...over,
});

/** Samples every 500 ms from 0 to untilMs, bytes in and queue as given per sample. */
function samples(untilMs: number, over: (atMs: number) => Partial<ConnectionSample> = () => ({}), state: TcpState = 'ESTABLISHED'): ConnectionSample[] {
  const list: ConnectionSample[] = [];
  for (let atMs = 0; atMs <= untilMs; atMs += 500) {
    list.push({
      atMs, bytesIn: 100, bytesOut: 100, kernelSendQueueBytes: 0, kernelUnsentBytes: 0, kernelRecvQueueBytes: 0, appSendQueueBytes: 0,
      tcp: {
        state, rttUs: 100, rttVarUs: 50, cwndSegments: 10, ssthreshSegments: 2147483647, mssBytes: 1448, retransmits: 0, totalRetrans: 0, segsIn: 3,
        segsOut: 3, dataSegsOut: 1, notsentBytes: 0, deliveryRateBytesPerS: null, sndWndBytes: null, rcvWndBytes: null, busyTimeUs: null,
        rwndLimitedUs: null, sndbufLimitedUs: null, probes: atMs >= 2000 && atMs < 4100 ? Math.floor((atMs - 1000) / 1000) : 0,
      },
      ...over(atMs),
    });
  }
  return list;
}

const opened: ConnectionEvent = { atMs: 10, type: 'open', local: '198.18.0.2:40000', remote: peer };
const timedOut: ConnectionEvent[] = [
  { atMs: 4100, type: 'error', code: 'ETIMEDOUT', message: 'recv: Connection timed out (ETIMEDOUT)' },
  { atMs: 4100, type: 'closed', abortive: false, code: 'ETIMEDOUT', message: 'recv: Connection timed out (ETIMEDOUT)' },
];

function deadPeerRun(options: { sendQueueAtClose?: number; keepAliveOn?: boolean; laterBytesIn?: boolean } = {}) {
  const watcher = endpointResultOf({
    id: 'watcher', role: 'client', transport: 'tcp', appliedOptions: applied({ keepAlive: options.keepAliveOn === false ? null : keepAlive }),
    connections: [connectionOf({ id: 1, local: '198.18.0.2:40000', remote: peer, events: [opened, ...timedOut], samples: samples(4000, () => ({ kernelSendQueueBytes: options.sendQueueAtClose ?? 0 })) })],
    errors: [{ code: 'ETIMEDOUT', message: 'recv: Connection timed out (ETIMEDOUT)' }],
  });
  const idle = endpointResultOf({
    id: 'idle', role: 'client', transport: 'tcp', appliedOptions: applied(),
    connections: [connectionOf({
      id: 2, local: '198.18.0.2:40002', remote: peer, events: [{ ...opened, local: '198.18.0.2:40002' }],
      samples: samples(5000, (atMs) => ({ bytesIn: options.laterBytesIn && atMs > 4100 ? 200 : 100 })),
    })],
  });
  return resultOf([watcher, idle]);
}

describe('findings of a vanished peer', () => {
  it('names the keepalive timeout with its settings and the silence before it', () => {
    const finding = findingsOf(deadPeerRun()).find((candidate) => candidate.kind === 'keepalive-timeout');
    expect(finding).toMatchObject({
      severity: 'problem', endpoint: 'watcher', connection: 1, title: 'Peer vanished: keepalive timed out after 4 s, at 4.1 s into the run.',
      figures: { connections: 1, atMs: 4100, keepAliveS: 4, idleS: 1, intervalS: 1, count: 3, probesSeen: 3 },
    });
    // Bytes last moved at the open (10 ms): the sampled counts never changed.
    expect(finding!.figures.silentMs).toBe(4090);
  });

  it('reports the timeout once: the ETIMEDOUT it leaves in the endpoint\'s errors is no finding of its own', () => {
    const findings = findingsOf(deadPeerRun()).filter((finding) => finding.endpoint === 'watcher');
    expect(findings.map((finding) => finding.kind)).toEqual(['keepalive-timeout']);
    expect(findings[0]!.detail).toContain('closed by the kernel with ETIMEDOUT at 4100 ms');
  });

  it('names a connection to the same peer without keepalive, still ESTABLISHED, as half-open', () => {
    const finding = findingsOf(deadPeerRun()).find((candidate) => candidate.kind === 'half-open-vanished-peer');
    expect(finding).toMatchObject({
      severity: 'warning', endpoint: 'idle', connection: 2,
      figures: { connections: 1, peer, peerVanishedAtMs: 4100, stillEstablishedAtMs: 5000 },
    });
  });

  it('says nothing of keepalive when the connection had data unacknowledged: the retransmission timer gave up', () => {
    const kinds = findingsOf(deadPeerRun({ sendQueueAtClose: 4096 })).map((finding) => finding.kind);
    expect(kinds).not.toContain('keepalive-timeout');
    expect(kinds).toContain('endpoint-error');
  });

  it('says nothing of keepalive when it was off', () => {
    expect(findingsOf(deadPeerRun({ keepAliveOn: false })).map((finding) => finding.kind)).not.toContain('keepalive-timeout');
  });

  it('calls nothing half-open that still hears from its peer', () => {
    expect(findingsOf(deadPeerRun({ laterBytesIn: true })).map((finding) => finding.kind)).not.toContain('half-open-vanished-peer');
  });
});
