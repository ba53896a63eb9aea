// The engine host as a child process (the agent forks it): requests and replies travel over
// Node's IPC channel with the 'advanced' serialization, so typed arrays arrive as typed arrays.
import type { HostReply } from '../../src-shared/engine-protocol.js';
import { serveEngineHost } from './host-service.js';

if (!process.send) {
  process.stderr.write('the engine host runs as a child process with an IPC channel (child_process.fork)\n');
  process.exit(2);
}

const send = process.send.bind(process);
// Replies after the parent went away have nowhere to go; they are dropped, not an error.
const reply = (message: HostReply) => {
  if (process.connected) send(message, undefined, undefined, () => undefined);
};
const host = serveEngineHost({
  send: reply,
  onMessage: (listener) => process.on('message', listener),
});
// The parent going away ends the host, after its engines have stopped: no orphaned engines,
// and no engine thread still running while the process exits.
process.on('disconnect', () => {
  void host.stopAll().finally(() => process.exit(0));
});
reply({ type: 'ready', pid: process.pid });
