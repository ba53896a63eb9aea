import type { LiveEvent } from '../../../src-shared/engine-protocol.js';
import type { CaptureColumns } from './capture-columns.js';
import type { ForeignSocketSampler } from './socket-access.js';

/** What libuv connections may use of their run: the clock, events, capture and kernel sampling. */
export interface LibuvServices {
  /** Microseconds since the run's origin, the same origin as the native engine's clock. */
  nowUs(): number;
  emit(event: Omit<LiveEvent, 'atUs'>): void;
  readonly capture: CaptureColumns;
  readonly sampler: ForeignSocketSampler;
  readonly stopping: boolean;
}
