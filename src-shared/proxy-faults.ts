import { z } from 'zod';

/**
 * The fault-injection proxy's part of the contract: the faults a proxy endpoint injects in each
 * direction (its workload), and the figures it reports. The engine implements them in
 * src-main/native/src/proxy_link.cc and delay_line.cc.
 */

export const proxyFaults = ['latency', 'bandwidth', 'slicer', 'reset', 'blackhole', 'slowClose'] as const;
export type ProxyFault = (typeof proxyFaults)[number];
export const proxyDirections = ['to-server', 'to-client'] as const;
export type ProxyDirection = (typeof proxyDirections)[number];

const probability = z
  .number()
  .min(0)
  .max(1)
  .default(1)
  .describe('the chance that a proxied connection draws this fault; drawn once per connection from the seeded generator, so runs repeat');

const hour = 3_600_000;

export const faultSetSchema = z.strictObject({
  latency: z
    .strictObject({
      probability,
      ms: z.int().min(0).max(hour).describe('added to every byte in this direction'),
      jitterMs: z.int().min(0).max(hour).default(0).describe('each read is delayed by ms ± up to jitterMs, never overtaking earlier bytes'),
    })
    .optional()
    .describe('delay every byte in this direction (the kernel here has no netem: this is how a run gets a long path)'),
  bandwidth: z
    .strictObject({ probability, bytesPerSecond: z.int().min(1).max(2 ** 40).describe('the most bytes per second passed on (a token bucket)') })
    .optional()
    .describe('a narrow link: the proxy passes bytes on no faster than this, and the sender\'s queues fill behind it'),
  slicer: z
    .strictObject({
      probability,
      pieceBytes: z.int().min(1).max(65536).default(1).describe('each piece is its own write'),
      delayMs: z.int().min(0).max(60000).default(0).describe('pause between pieces'),
    })
    .optional()
    .describe('cut the stream into small writes: reveals receivers that assume one read is one message'),
  reset: z
    .strictObject({
      probability,
      afterBytes: z.int().min(1).optional().describe('once this many bytes have passed in this direction'),
      afterMs: z.int().min(1).max(24 * hour).optional().describe('this long after the connection was accepted'),
    })
    .optional()
    .describe('close both sides abortively (linger 0): both peers see a reset'),
  blackhole: z
    .strictObject({
      probability,
      afterBytes: z.int().min(1).optional().describe('once this many bytes have passed in this direction'),
      afterMs: z.int().min(1).max(24 * hour).optional().describe('this long after the connection was accepted'),
    })
    .optional()
    .describe('from then on (or from the first byte, with neither threshold) bytes read in this direction are discarded, and so is a FIN; both connections stay open'),
  slowClose: z
    .strictObject({ probability, delayMs: z.int().min(1).max(hour).describe('how long a FIN is held before it is passed on') })
    .optional()
    .describe('pass a shutdown(write) on late; data in the other direction still flows meanwhile'),
});
export type FaultSet = z.infer<typeof faultSetSchema>;
export type FaultSetInput = z.input<typeof faultSetSchema>;

const count = z.number().nonnegative();

export const proxyDirectionCountersSchema = z.strictObject({
  bytesForwarded: count.describe('bytes passed on to the other side'),
  queuePeakBytes: count.describe('the most bytes one connection held back at once (latency, bandwidth, a slow receiver)'),
  queueFull: count.describe('times a connection held its bound of bytes back and the proxy stopped reading the sender'),
  piecesWritten: count.describe('slicer pieces, each its own write'),
  bytesBlackholed: count.describe('bytes read and discarded'),
  resetsInjected: count,
  slowCloses: count.describe('FINs held back'),
  drawn: z.strictObject(Object.fromEntries(proxyFaults.map((fault) => [fault, count])) as Record<ProxyFault, typeof count>).describe('connections that drew each fault'),
});
export type ProxyDirectionCounters = z.infer<typeof proxyDirectionCountersSchema>;

export const proxyCountersSchema = z.strictObject({
  connectionsProxied: count.describe('connections accepted from clients'),
  upstreamConnectFailures: count.describe('accepted connections whose upstream connect failed (they are closed abortively)'),
  toServer: proxyDirectionCountersSchema,
  toClient: proxyDirectionCountersSchema,
});
export type ProxyCounters = z.infer<typeof proxyCountersSchema>;

/** Bytes one direction of one proxied connection holds back before the proxy stops reading (delay_line.h). */
export const proxyQueueBoundBytes = 4 * 1024 * 1024;
