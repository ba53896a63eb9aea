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
serveEngineHostOverPort(parentPort as ParentPortLike);
parentPort.postMessage({ type: 'ready', pid: process.pid } satisfies HostReply);
