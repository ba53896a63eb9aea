import type { ApiCallName, ApiError, ApiEventName } from './api.js';

/**
 * The IPC channel names and message shapes between Electron main and the preload, in one place: main
 * registers a handler per `callChannel(name)` and the preload invokes exactly those. Kept free
 * of Electron so main, the preload and the tests all import it.
 */

/** The channel of one call: "sockscope:runs.start". */
export function callChannel(name: ApiCallName): string {
  return `sockscope:${name}`;
}

/** Main posts the renderer's end of the event MessageChannel on this channel, once per load. */
export const EVENTS_PORT_CHANNEL = 'sockscope:events';

/**
 * A call's answer. Errors travel as values because Electron keeps only the message of an error
 * thrown in a handler, and the renderer needs the code and the fields at fault.
 */
export type CallReply = { ok: true; value: unknown } | { ok: false; error: ApiError };

/** One message on the event port: every event of one engine batch, in order. */
export interface EventBundle {
  events: { name: ApiEventName; payload: unknown }[];
}
