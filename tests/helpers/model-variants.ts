import { ioModels, proactorModels, type IoBackend, type IoModel, type ReadBufferStrategy } from '../../src-shared/profile.js';
import { loadNativeAddon } from '../../src-main/engine/native-engine.js';

/** One way to run an endpoint: a model, and for the proactor models one backend. */
export interface ModelVariant {
  name: string;
  model: IoModel;
  /** Spread into an endpoint: its model, and its backend (and read buffers) where the model has them. */
  fields: { model: IoModel; backend?: IoBackend; readBuffers?: ReadBufferStrategy };
}

/** Why io_uring cannot run here (a container may forbid it), or null when it can. */
export const ioUringUnavailable = loadNativeAddon().ioUringUnavailable();
if (ioUringUnavailable !== null) {
  console.warn(`io_uring backend variants skipped: ${ioUringUnavailable}; the epoll emulation still runs every proactor case`);
}

const backendsHere: IoBackend[] = ioUringUnavailable === null ? ['io_uring', 'epoll'] : ['epoll'];

/** Every model, the proactor ones once per backend that runs here, so the suites cover io_uring and the epoll emulation. */
export const modelVariants: ModelVariant[] = ioModels.flatMap((model): ModelVariant[] =>
  proactorModels.includes(model)
    ? backendsHere.map((backend) => ({ name: `${model} (${backend})`, model, fields: { model, backend } }))
    : [{ name: model, model, fields: { model } }],
);

/**
 * The proactor models once per backend with reads drawn from a read buffer pool ("readBuffers":
 * "pool", TCP only), for the suites that check data and closes on TCP.
 */
export const pooledReadVariants: ModelVariant[] = modelVariants
  .filter((variant) => variant.fields.backend !== undefined)
  .map((variant) => ({ ...variant, name: `${variant.model} (${variant.fields.backend}, pool)`, fields: { ...variant.fields, readBuffers: 'pool' } }));
