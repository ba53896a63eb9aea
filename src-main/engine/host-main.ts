// The engine host as a child process (the agent forks it): requests and replies travel over
// Node's IPC channel with the 'advanced' serialization, so typed arrays arrive as typed arrays.
import type { HostReply } from '../../src-shared/engine-protocol.js';
import { serveEngineHost } from './host-service.js';

if (!process.send) {
  process.stderr.write('the engine host runs as a child process with an IPC channel (child_process.fork)\n');
  process.exit(2);
}

const send = process.send.bind(process);
serveEngineHost({
  send: (reply: HostReply) => send(reply),
  onMessage: (listener) => process.on('message', listener),
});
// The parent going away ends the host: no orphaned engines.
process.on('disconnect', () => process.exit(0));
send({ type: 'ready', pid: process.pid } satisfies HostReply);
