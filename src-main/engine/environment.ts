import { readFile } from 'node:fs/promises';
import os from 'node:os';
import type { RunResult } from '../../src-shared/result.js';

/** Kernel settings that change what a run shows: buffer limits, backlog, keepalive and TIME_WAIT. */
const relevantSysctls = [
  'net/ipv4/tcp_rmem',
  'net/ipv4/tcp_wmem',
  'net/core/rmem_max',
  'net/core/wmem_max',
  'net/core/rmem_default',
  'net/core/wmem_default',
  'net/core/somaxconn',
  'net/ipv4/tcp_congestion_control',
  'net/ipv4/tcp_keepalive_time',
  'net/ipv4/tcp_keepalive_intvl',
  'net/ipv4/tcp_keepalive_probes',
  'net/ipv4/tcp_fin_timeout',
  'net/ipv4/tcp_tw_reuse',
  'net/ipv4/tcp_autocorking',
  'net/ipv4/tcp_notsent_lowat',
  'net/ipv4/ip_local_port_range',
  'fs/nr_open',
];

export async function describeEnvironment(): Promise<RunResult['environment']> {
  const sysctls: Record<string, string> = {};
  await Promise.all(
    relevantSysctls.map(async (name) => {
      try {
        sysctls[name.replaceAll('/', '.')] = (await readFile(`/proc/sys/${name}`, 'utf8')).trim().replace(/\s+/g, ' ');
      } catch {
        // Not every kernel has every setting, and other systems have no /proc/sys at all.
      }
    }),
  );
  return {
    os: `${os.type()} ${os.platform()}`,
    kernel: os.release(),
    arch: os.arch(),
    node: process.version,
    cpus: os.availableParallelism(),
    sysctls,
  };
}
