import type { Profile } from '../../src-shared/profile.js';

/**
 * TCP clients that connect to one address and port each need a local port of their own, taken
 * from net.ipv4.ip_local_port_range (a single loopback source address). Returns a sentence per
 * destination that wants more connections than the range holds, with the figures; otherwise none.
 */
export function portRangeShortfalls(profile: Profile, portRange: string | undefined): string[] {
  const bounds = portRange?.trim().split(/\s+/).map(Number);
  if (!bounds || bounds.length !== 2 || !bounds.every(Number.isInteger)) return [];
  const [low, high] = bounds as [number, number];
  const ports = high - low + 1;
  const byDestination = new Map<string, { connections: number; clients: string[] }>();
  // A proxy opens one upstream connection for each connection its clients open to it.
  const throughProxy = (proxyId: string) =>
    profile.endpoints
      .filter((client) => client.role === 'client' && client.connect && 'endpoint' in client.connect && client.connect.endpoint === proxyId)
      .reduce((sum, client) => sum + client.connections, 0);
  for (const endpoint of profile.endpoints) {
    if (endpoint.role === 'server' || endpoint.transport !== 'tcp' || !endpoint.connect) continue;
    const connect = endpoint.connect;
    let destination: string;
    if ('endpoint' in connect) {
      const targetRole = profile.endpoints.find((other) => other.id === connect.endpoint)?.role === 'proxy' ? 'proxy' : 'server';
      destination = `${targetRole} "${connect.endpoint}"`;
    } else {
      destination = `${connect.host}:${connect.port}`;
    }
    const entry = byDestination.get(destination) ?? { connections: 0, clients: [] };
    entry.connections += endpoint.role === 'proxy' ? throughProxy(endpoint.id) : endpoint.connections;
    entry.clients.push(endpoint.id);
    byDestination.set(destination, entry);
  }
  return [...byDestination]
    .filter(([, entry]) => entry.connections > ports)
    .map(
      ([destination, entry]) =>
        `local ports: ${entry.clients.join(', ')} open ${entry.connections} connections to ${destination}, but net.ipv4.ip_local_port_range ` +
        `(${low}-${high}) holds ${ports} ports; connections past it fail with EADDRNOTAVAIL. Widen the range or spread the clients over more server ports`,
    );
}
