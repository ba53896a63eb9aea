// @vitest-environment happy-dom
// The state timeline and the half-close flags, derived from engine events alone.
import { describe, expect, it } from 'vitest';
import { applyEventToFlags, deriveStateBands, emptyFlags, extendBands, type StateBand } from '../../src-renderer/src/lib/tcp-states.js';
import { event } from './fixtures.js';

// Kernel numbering (include/net/tcp_states.h).
const ESTABLISHED = 1;
const FIN_WAIT1 = 4;
const FIN_WAIT2 = 5;
const TIME_WAIT = 6;
const CLOSE_WAIT = 8;
const LAST_ACK = 9;

describe('state bands', () => {
  it('follow an active close: ESTABLISHED, FIN_WAIT1, FIN_WAIT2, then CLOSE when our socket goes', () => {
    const bands = deriveStateBands([
      event(1, 0, 'open'),
      event(1, 1000, 'state', { state: FIN_WAIT1 }),
      event(1, 1200, 'state', { state: FIN_WAIT2 }),
      event(1, 5000, 'closed'),
    ]);
    expect(bands).toEqual<StateBand[]>([
      { state: 'ESTABLISHED', fromUs: 0, toUs: 1000 },
      { state: 'FIN_WAIT1', fromUs: 1000, toUs: 1200 },
      { state: 'FIN_WAIT2', fromUs: 1200, toUs: 5000 },
      { state: 'CLOSE', fromUs: 5000, toUs: null },
    ]);
  });

  it('show the passive side of a half-close: CLOSE_WAIT lasts while we may still send', () => {
    const bands = deriveStateBands([
      event(2, 10, 'open'),
      event(2, 900, 'state', { state: CLOSE_WAIT }),
      event(2, 3000, 'state', { state: LAST_ACK }),
      event(2, 3100, 'closed'),
    ]);
    expect(bands.map((band) => band.state)).toEqual(['ESTABLISHED', 'CLOSE_WAIT', 'LAST_ACK', 'CLOSE']);
    expect(bands[1]).toEqual({ state: 'CLOSE_WAIT', fromUs: 900, toUs: 3000 });
  });

  it('ignore repeats of the current state and order events by time', () => {
    const bands = deriveStateBands([
      event(1, 500, 'state', { state: ESTABLISHED }),
      event(1, 0, 'open'),
      event(1, 700, 'state', { state: TIME_WAIT }),
      event(1, 800, 'state', { state: TIME_WAIT }),
      event(1, 600, 'reset'),
    ]);
    expect(bands.map((band) => band.state)).toEqual(['ESTABLISHED', 'TIME_WAIT']);
  });

  it('never end before they start when an observation lags', () => {
    const bands: StateBand[] = [];
    extendBands(bands, { type: 'state', atUs: 100, state: ESTABLISHED });
    extendBands(bands, { type: 'state', atUs: 50, state: CLOSE_WAIT });
    expect(bands[0]?.toUs).toBe(100);
  });
});

describe('half-close flags', () => {
  it('record which side shut which direction, and how the connection ended', () => {
    let flags = emptyFlags();
    flags = applyEventToFlags(flags, { type: 'shutdown', how: 'write' });
    expect(flags).toMatchObject({ weShutWrite: true, weShutRead: false, peerShutWrite: false });
    flags = applyEventToFlags(flags, { type: 'peer-shutdown' });
    flags = applyEventToFlags(flags, { type: 'closed', abortive: true });
    expect(flags).toEqual({ weShutWrite: true, weShutRead: false, peerShutWrite: true, reset: false, closed: true, abortive: true, violation: null });
    expect(applyEventToFlags(emptyFlags(), { type: 'shutdown', how: 'both' })).toMatchObject({ weShutWrite: true, weShutRead: true });
  });

  it('record the framing rule a peer broke', () => {
    const flags = applyEventToFlags(emptyFlags(), { type: 'protocol-violation', rule: 'size-above-maximum' });
    expect(flags).toMatchObject({ violation: 'size-above-maximum', closed: false });
    expect(applyEventToFlags(flags, { type: 'closed' })).toMatchObject({ violation: 'size-above-maximum', closed: true });
  });
});
