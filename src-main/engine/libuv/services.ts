import type { LiveEvent } from '../../../src-shared/engine-protocol.js';
import type { CaptureRing } from '../../../src-shared/capture-ring.js';
import type { ForeignSocketSampler } from './socket-access.js';

/** What libuv connections may use of their run: the clock, events, capture and kernel sampling. */
export interface LibuvServices {
  /** Microseconds since the run's origin, the same origin as the native engine's clock. */
  nowUs(): number;
  emit(event: Omit<LiveEvent, 'atUs'>): void;
  readonly capture: CaptureRing;
  readonly sampler: ForeignSocketSampler;
  readonly stopping: boolean;
}
