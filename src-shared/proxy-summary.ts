import type { ProxyCounters, ProxyDirectionCounters, ProxyFault } from './proxy-faults.js';
import { proxyFaults } from './proxy-faults.js';
import { formatBytes } from './units.js';

const counted = (count: number, one: string): string => `${count} ${one}${count === 1 ? '' : 's'}`;

/** What one direction of a proxy did, in a few words: bytes, and each fault that acted. */
export function describeProxyDirection(counters: ProxyDirectionCounters): string {
  const parts = [`${formatBytes(counters.bytesForwarded)} forwarded`];
  if (counters.queuePeakBytes > 0) parts.push(`up to ${formatBytes(counters.queuePeakBytes)} held`);
  if (counters.piecesWritten > 0) parts.push(`${counters.piecesWritten} slicer pieces`);
  if (counters.bytesBlackholed > 0) parts.push(`${formatBytes(counters.bytesBlackholed)} blackholed`);
  if (counters.resetsInjected > 0) parts.push(counted(counters.resetsInjected, 'reset'));
  if (counters.slowCloses > 0) parts.push(`${counted(counters.slowCloses, 'FIN')} held`);
  if (counters.queueFull > 0) parts.push(`queue full ${counters.queueFull}×`);
  return parts.join(', ');
}

/** The faults some connection drew in a direction, with how many connections drew each ("latency ×3"). */
export function drawnFaults(counters: ProxyDirectionCounters): string[] {
  return proxyFaults.filter((fault: ProxyFault) => counters.drawn[fault] > 0).map((fault) => `${fault} ×${counters.drawn[fault]}`);
}

/** A proxy endpoint in one line per direction, for the live and result tables. */
export function describeProxy(proxy: ProxyCounters): string[] {
  const lines = [
    `→ server: ${describeProxyDirection(proxy.toServer)}${drawnFaults(proxy.toServer).length ? ` (${drawnFaults(proxy.toServer).join(', ')})` : ''}`,
    `→ client: ${describeProxyDirection(proxy.toClient)}${drawnFaults(proxy.toClient).length ? ` (${drawnFaults(proxy.toClient).join(', ')})` : ''}`,
  ];
  if (proxy.upstreamConnectFailures > 0) lines.push(`${proxy.upstreamConnectFailures} of ${proxy.connectionsProxied} upstream connects failed`);
  return lines;
}
