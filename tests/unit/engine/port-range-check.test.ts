import { describe, expect, it } from 'vitest';
import { portRangeShortfalls } from '../../../src-main/engine/port-range-check.js';
import { profileSchema } from '../../../src-shared/profile.js';
import { profileOf } from '../../helpers/profiles.js';

const profile = (connections: number[]) =>
  profileSchema.parse(
    profileOf([
      { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
      ...connections.map((count, index) => ({
        id: `client${index}`,
        role: 'client' as const,
        transport: 'tcp' as const,
        model: 'epoll' as const,
        connect: { endpoint: 'server' },
        connections: count,
        workload: { kind: 'manual' as const },
      })),
      { id: 'far', role: 'client', transport: 'tcp', model: 'epoll', connect: { host: '127.0.0.2', port: 7 }, connections: 900, workload: { kind: 'manual' } },
    ]),
  );

describe('the local port range check', () => {
  it('names the clients, the destination and the figures when one destination wants more ports than the range holds', () => {
    expect(portRangeShortfalls(profile([600, 500]), '40000\t40999')).toEqual([
      'local ports: client0, client1 open 1100 connections to server "server", but net.ipv4.ip_local_port_range (40000-40999) holds 1000 ports; ' +
        'connections past it fail with EADDRNOTAVAIL. Widen the range or spread the clients over more server ports',
    ]);
  });

  it('counts a proxy\'s upstream connections, one for each connection its clients open to it', () => {
    const proxied = profileSchema.parse(
      profileOf([
        { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'echo' } },
        { id: 'proxy', role: 'proxy', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, connect: { endpoint: 'server' }, workload: { kind: 'proxy' } },
        { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, connections: 1100, workload: { kind: 'manual' } },
      ]),
    );
    expect(portRangeShortfalls(proxied, '40000 40999')).toEqual([
      expect.stringMatching(/^local ports: proxy open 1100 connections to server "server", but/),
      expect.stringMatching(/^local ports: client open 1100 connections to proxy "proxy", but/),
    ]);
  });

  it('says nothing when every destination fits, or when the range cannot be read', () => {
    expect(portRangeShortfalls(profile([600, 400]), '40000 40999')).toEqual([]);
    expect(portRangeShortfalls(profile([60_000]), undefined)).toEqual([]);
    expect(portRangeShortfalls(profile([60_000]), 'garbage')).toEqual([]);
  });
});
