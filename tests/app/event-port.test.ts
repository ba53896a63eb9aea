// Events to the renderer: one MessagePort per load, one message per turn (one engine batch).
import { describe, expect, it } from 'vitest';
import { RendererEventPort, type EventPortLike } from '../../src-main/app/event-port.js';
import type { EventBundle } from '../../src-shared/ipc-channels.js';

class FakePort implements EventPortLike {
  readonly sent: EventBundle[] = [];
  closed = false;
  postMessage(message: EventBundle): void {
    if (this.closed) throw new Error('posted on a closed port');
    this.sent.push(message);
  }
  close(): void {
    this.closed = true;
  }
}

function setUp() {
  const channels: { port1: FakePort; port2: string }[] = [];
  const events = new RendererEventPort<string>(() => {
    const channel = { port1: new FakePort(), port2: `renderer-end-${channels.length + 1}` };
    channels.push(channel);
    return channel;
  });
  const posted: [string, null, string[]][] = [];
  const webContents = { postMessage: (channel: string, message: null, transfer: string[]) => posted.push([channel, message, transfer]) };
  return { events, channels, posted, webContents };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('the renderer event port', () => {
  it('hands the renderer its end of a new channel on each load, closing the old one', () => {
    const { events, channels, posted, webContents } = setUp();
    events.attach(webContents);
    events.attach(webContents);
    expect(posted).toEqual([
      ['sockscope:events', null, ['renderer-end-1']],
      ['sockscope:events', null, ['renderer-end-2']],
    ]);
    expect(channels[0]!.port1.closed).toBe(true);
    expect(channels[1]!.port1.closed).toBe(false);
  });

  it('sends the events of one turn as one message, in order', async () => {
    const { events, channels, webContents } = setUp();
    events.attach(webContents);
    const batch = { runId: 'run-1', batch: { capture: { atUs: Float64Array.of(1) } }, progress: {} };
    events.push('runs.batch', batch);
    events.push('engine.status', { state: 'running', message: '' });
    await tick();
    events.push('runs.finished', { runId: 'run-1', result: {} });
    await tick();
    const port = channels[0]!.port1;
    expect(port.sent.map((bundle) => bundle.events.map((event) => event.name))).toEqual([['runs.batch', 'engine.status'], ['runs.finished']]);
    expect(port.sent[0]!.events[0]!.payload).toBe(batch);
  });

  it('drops events while no renderer is attached, and what was pending when it went away', async () => {
    const { events, channels, webContents } = setUp();
    events.push('engine.status', { state: 'down', message: 'nobody listens' });
    events.attach(webContents);
    events.push('engine.status', { state: 'running', message: 'pending' });
    events.detach();
    await tick();
    expect(channels[0]!.port1.sent).toEqual([]);
    expect(channels[0]!.port1.closed).toBe(true);
  });
});
