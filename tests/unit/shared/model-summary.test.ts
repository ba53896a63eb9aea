import { describe, expect, it } from 'vitest';
import { modelDescription } from '../../../src-shared/model-summary.js';
import type { ModelCounters } from '../../../src-shared/result.js';

const counters = (over: Partial<ModelCounters>): ModelCounters => ({
  backend: 'io_uring',
  backendNote: null,
  operationsPosted: 0,
  completions: 0,
  peakOperationsInFlight: 0,
  peakBytesPinned: 0,
  peakCompletionQueueDepth: 0,
  buffersPerWrite: 0,
  workers: [],
  ...over,
});

describe('modelDescription', () => {
  it('names a readiness model alone, and a proactor with its backend and read-buffer strategy', () => {
    expect(modelDescription({ model: 'epoll' })).toBe('epoll');
    expect(modelDescription({ model: 'epoll', modelCounters: counters({ backend: null }) })).toBe('epoll');
    expect(modelDescription({ model: 'completion-port', modelCounters: counters({ readBuffers: 'per-operation' }) })).toBe(
      'completion-port (io_uring, a buffer per read)',
    );
    const pool = { buffers: 256, bufferBytes: 16384, bytes: 4 * 2 ** 20, peakBuffersInUse: 3, exhausted: 0 };
    expect(modelDescription({ model: 'overlapped', modelCounters: counters({ backend: 'epoll', readBuffers: 'pool', readPool: pool }) })).toBe(
      'overlapped (epoll, read buffer pool)',
    );
  });
});
