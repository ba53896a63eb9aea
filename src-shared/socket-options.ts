import { z } from 'zod';

/**
 * The socket options a profile, the UI and the native engine share. Each entry describes one
 * option once: its profile name, the kernel names it maps to, its unit and a line of help.
 * The native engine applies and reads back exactly these names (src-main/native/src/socket_options.cc).
 */
export const socketOptionDescriptors = [
  { name: 'noDelay', kernel: 'TCP_NODELAY', unit: 'flag', help: 'Disable Nagle: send small writes at once instead of waiting for the ACK of earlier data.' },
  { name: 'sndBufBytes', kernel: 'SO_SNDBUF', unit: 'bytes', help: 'Kernel send buffer size asked for; Linux doubles it for bookkeeping and reports the doubled value.' },
  { name: 'rcvBufBytes', kernel: 'SO_RCVBUF', unit: 'bytes', help: 'Kernel receive buffer size asked for; Linux doubles it and stops auto-tuning once set.' },
  { name: 'linger', kernel: 'SO_LINGER', unit: 'seconds', help: 'null: close returns at once and the kernel sends what is left (graceful FIN). seconds > 0: close waits that long for unsent data. 0: abortive close, unsent data is discarded and the peer gets a reset.' },
  { name: 'keepAlive', kernel: 'SO_KEEPALIVE, TCP_KEEPIDLE, TCP_KEEPINTVL, TCP_KEEPCNT', unit: 'seconds', help: 'Probe an idle peer: first probe after idleS, then every intervalS; the connection is dropped after count unanswered probes.' },
  { name: 'reuseAddr', kernel: 'SO_REUSEADDR', unit: 'flag', help: 'Let a server bind its port while connections from an earlier run still sit in TIME_WAIT.' },
  { name: 'reusePort', kernel: 'SO_REUSEPORT', unit: 'flag', help: 'Let several sockets bind the same address and port; the kernel spreads connections across them.' },
] as const;

export type SocketOptionName = (typeof socketOptionDescriptors)[number]['name'];

/** The largest buffer size a profile may ask for (the kernel clamps to net.core.wmem_max/rmem_max anyway). */
export const maxSocketBufferBytes = 1 << 30;

export const lingerSchema = z.strictObject({
  seconds: z.int().min(0).max(3600).describe('0 = abortive close (reset), otherwise how long close waits for unsent data'),
});

export const keepAliveSchema = z.strictObject({
  idleS: z.int().min(1).max(32767).describe('seconds of silence before the first probe (TCP_KEEPIDLE)'),
  intervalS: z.int().min(1).max(32767).describe('seconds between probes (TCP_KEEPINTVL)'),
  count: z.int().min(1).max(127).describe('unanswered probes before the peer is declared dead (TCP_KEEPCNT)'),
});

export const socketOptionsSchema = z.strictObject({
  noDelay: z.boolean().optional(),
  sndBufBytes: z.int().min(1).max(maxSocketBufferBytes).optional(),
  rcvBufBytes: z.int().min(1).max(maxSocketBufferBytes).optional(),
  linger: lingerSchema.nullable().optional(),
  keepAlive: keepAliveSchema.nullable().optional(),
  reuseAddr: z.boolean().optional(),
  reusePort: z.boolean().optional(),
});

export type SocketOptions = z.infer<typeof socketOptionsSchema>;

/**
 * What the kernel reports after the options were applied, read back with getsockopt.
 * Every field is present: a value the user did not set is the kernel's default.
 */
export const appliedSocketOptionsSchema = z.strictObject({
  noDelay: z.boolean().nullable().describe('null for UDP, where TCP_NODELAY does not exist'),
  sndBufBytes: z.int(),
  rcvBufBytes: z.int(),
  linger: lingerSchema.nullable(),
  keepAlive: keepAliveSchema.nullable(),
  reuseAddr: z.boolean(),
  reusePort: z.boolean(),
});

export type AppliedSocketOptions = z.infer<typeof appliedSocketOptionsSchema>;
