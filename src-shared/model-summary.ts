import type { EndpointResult } from './result.js';

/**
 * The model that ran, in words: "epoll", or for a proactor model also its backend and where its
 * reads got their buffers, "completion-port (io_uring, read buffer pool)". Pure, so the Reports
 * and Compare views and `sockscope compare` say it alike.
 */
export function modelDescription(endpoint: Pick<EndpointResult, 'model' | 'modelCounters'>): string {
  const counters = endpoint.modelCounters;
  if (!counters?.backend) return endpoint.model;
  const reads = counters.readBuffers === 'pool' ? 'read buffer pool' : 'a buffer per read';
  return `${endpoint.model} (${counters.backend}, ${reads})`;
}
