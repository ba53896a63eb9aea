// The engine host in an Electron utilityProcess (forked by utility-host-client.ts): requests
// arrive on the parent port as MessageEvents and replies go back by structured clone, so typed
// arrays of a batch's capture stay typed arrays. A native crash here ends this process only.
import type { HostReply } from '../../src-shared/engine-protocol.js';
import { serveEngineHostOverPort, type ParentPortLike } from './engine-host-port.js';

const { parentPort } = process;
if (!parentPort) {
  process.stderr.write('the engine host runs as an Electron utility process (utilityProcess.fork)\n');
  process.exit(2);
}
const host = serveEngineHostOverPort(parentPort as ParentPortLike);
// Main ends the host with kill() (SIGTERM) on restart and on quit: the engines stop first, so
// no engine thread is still running while the process exits.
process.once('SIGTERM', () => {
  void host.stopAll().finally(() => process.exit(0));
});
parentPort.postMessage({ type: 'ready', pid: process.pid } satisfies HostReply);
