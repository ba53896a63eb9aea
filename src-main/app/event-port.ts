import type { ApiEventName } from '../../src-shared/api.js';
import { EVENTS_PORT_CHANNEL, type EventBundle } from '../../src-shared/ipc-channels';

/** The parts of Electron's MessagePortMain and MessageChannelMain used here. */
export interface EventPortLike {
  postMessage(message: EventBundle): void;
  close(): void;
}
export interface EventChannelLike<FarEnd> {
  port1: EventPortLike;
  port2: FarEnd;
}
/** The part of webContents that hands the renderer's end over to the preload. */
export interface PortReceiverLike<FarEnd> {
  postMessage(channel: string, message: null, transfer: FarEnd[]): void;
}

/**
 * Carries API events to one renderer over a MessagePort. Each load of the renderer gets a new
 * channel (a reload drops the old port with the old page). Events pushed in the same turn of
 * the event loop, which is everything the service emits for one engine batch, leave as one
 * message; events while no renderer is attached are dropped (state is re-read on load).
 */
export class RendererEventPort<FarEnd> {
  private port: EventPortLike | null = null;
  private pending: EventBundle['events'] = [];

  constructor(private readonly createChannel: () => EventChannelLike<FarEnd>) {}

  /** Opens a new channel and posts its far end to the preload; the previous port is closed. */
  attach(receiver: PortReceiverLike<FarEnd>): void {
    this.detach();
    const channel = this.createChannel();
    receiver.postMessage(EVENTS_PORT_CHANNEL, null, [channel.port2]);
    this.port = channel.port1;
  }

  detach(): void {
    this.port?.close();
    this.port = null;
    this.pending = [];
  }

  push(name: ApiEventName, payload: unknown): void {
    if (!this.port) return;
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push({ name, payload });
  }

  private flush(): void {
    const events = this.pending;
    this.pending = [];
    if (events.length > 0) this.port?.postMessage({ events });
  }
}
