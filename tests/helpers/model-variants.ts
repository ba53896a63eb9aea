import { ioModels, proactorModels, type IoBackend, type IoModel } from '../../src-shared/profile.js';

/** One way to run an endpoint: a model, and for the proactor models one backend. */
export interface ModelVariant {
  name: string;
  model: IoModel;
  /** Spread into an endpoint: its model, and its backend where the model has one. */
  fields: { model: IoModel; backend?: IoBackend };
}

/** Every model, the proactor ones once per backend, so the suites cover io_uring and the epoll emulation. */
export const modelVariants: ModelVariant[] = ioModels.flatMap((model): ModelVariant[] =>
  proactorModels.includes(model)
    ? (['io_uring', 'epoll'] as const).map((backend) => ({ name: `${model} (${backend})`, model, fields: { model, backend } }))
    : [{ name: model, model, fields: { model } }],
);
