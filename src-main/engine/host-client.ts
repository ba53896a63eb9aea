import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { HostProtocolClient, ProtocolHost } from './host-protocol-client.js';

export type { RemoteRun, RemoteRunOptions } from './host-protocol-client.js';

/** The compiled host entry (tsc puts it in out/node); the sources cannot be forked directly. */
function hostEntry(): string {
  const here = path.dirname(fileURLToPath(import.meta.url));
  const compiled = path.join(here, 'host-main.js');
  if (existsSync(compiled)) return compiled;
  const root = path.resolve(here, '../..');
  return path.join(root, 'out', 'node', 'src-main', 'engine', 'host-main.js');
}

/**
 * The engine host as a forked child process (the agent's), speaking the host protocol over
 * Node's IPC channel. Validation and bookkeeping live in HostProtocolClient; this class is the
 * transport. If the host dies, pending runs fail with EHOSTDOWN and onExit listeners hear of it.
 */
export class EngineHostClient extends ProtocolHost {
  private constructor(
    private readonly child: ChildProcess,
    protocol: HostProtocolClient,
  ) {
    super(protocol);
  }

  static async spawn(): Promise<EngineHostClient> {
    const child = fork(hostEntry(), [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const protocol = new HostProtocolClient({
      send: (request) => {
        if (!child.connected) throw new Error('the engine host is not connected');
        child.send(request);
      },
      kill: () => child.kill(),
    });
    // A send racing the host's exit is reported by the exit, not as an unhandled 'error'.
    child.on('error', (error) => protocol.refusedReplies.push(`channel error: ${error.message}`));
    child.on('message', (message) => protocol.receive(message));
    child.on('exit', (code, signal) => protocol.hostExited(`the engine host exited (${signal ?? `code ${code}`})`));
    await protocol.ready;
    return new EngineHostClient(child, protocol);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
}
