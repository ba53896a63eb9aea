import { tcpStates, type TcpState } from '../../../src-shared/result.js';
import type { LiveEvent } from '../../../src-shared/engine-protocol.js';

export function tcpStateName(state: number): TcpState {
  return tcpStates[state] ?? 'UNKNOWN';
}

/** One stretch of time a connection spent in one TCP state; `toUs` null while it lasts. */
export interface StateBand {
  state: TcpState;
  fromUs: number;
  toUs: number | null;
}

/** What the connection's events say about its two directions. */
export interface HalfCloseFlags {
  weShutWrite: boolean;
  weShutRead: boolean;
  peerShutWrite: boolean;
  reset: boolean;
  closed: boolean;
  abortive: boolean;
  /** The framing rule the peer broke, when the connection was closed for it. */
  violation: string | null;
}

export function emptyFlags(): HalfCloseFlags {
  return { weShutWrite: false, weShutRead: false, peerShutWrite: false, reset: false, closed: false, abortive: false, violation: null };
}

/** Folds one event into the flags (pure: returns new flags only when something changed). */
export function applyEventToFlags(flags: HalfCloseFlags, event: Pick<LiveEvent, 'type' | 'how' | 'abortive' | 'rule'>): HalfCloseFlags {
  switch (event.type) {
    case 'shutdown':
      return {
        ...flags,
        weShutWrite: flags.weShutWrite || event.how === 'write' || event.how === 'both',
        weShutRead: flags.weShutRead || event.how === 'read' || event.how === 'both',
      };
    case 'peer-shutdown':
      return { ...flags, peerShutWrite: true };
    case 'reset':
      return { ...flags, reset: true };
    case 'protocol-violation':
      return { ...flags, violation: event.rule ?? 'unknown rule' };
    case 'closed':
      return { ...flags, closed: true, abortive: flags.abortive || event.abortive === true };
    default:
      return flags;
  }
}

/**
 * Extends a connection's state bands with one observation. An `open` event starts ESTABLISHED,
 * a `state` event starts the state it names, `closed` starts CLOSE (the socket is gone from our
 * side; a TIME_WAIT after it belongs to the kernel and is no longer sampled). Repeats of the
 * current state change nothing. Observations must come in time order.
 */
export function extendBands(bands: StateBand[], event: Pick<LiveEvent, 'type' | 'atUs' | 'state'>): void {
  let next: TcpState | null = null;
  if (event.type === 'open') next = 'ESTABLISHED';
  else if (event.type === 'state' && event.state !== undefined) next = tcpStateName(event.state);
  else if (event.type === 'closed') next = 'CLOSE';
  if (next === null) return;
  const current = bands[bands.length - 1];
  if (current && current.state === next) return;
  if (current) current.toUs = Math.max(current.fromUs, event.atUs);
  bands.push({ state: next, fromUs: event.atUs, toUs: null });
}

/** The bands of a whole event list, for a finished or replayed connection. */
export function deriveStateBands(events: readonly Pick<LiveEvent, 'type' | 'atUs' | 'state'>[]): StateBand[] {
  const bands: StateBand[] = [];
  const ordered = [...events].sort((a, b) => a.atUs - b.atUs);
  for (const event of ordered) extendBands(bands, event);
  return bands;
}

/** Colours of the state timeline: open states cool, closing states warm, the end grey. */
export const stateColors: Record<TcpState, string> = {
  UNKNOWN: '#b0b7c3',
  ESTABLISHED: '#2e7d32',
  SYN_SENT: '#81c784',
  SYN_RECV: '#81c784',
  FIN_WAIT1: '#f9a825',
  FIN_WAIT2: '#ef6c00',
  TIME_WAIT: '#6d4c41',
  CLOSE: '#757575',
  CLOSE_WAIT: '#1565c0',
  LAST_ACK: '#8e24aa',
  LISTEN: '#00838f',
  CLOSING: '#c62828',
  NEW_SYN_RECV: '#81c784',
};
