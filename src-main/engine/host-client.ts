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

export interface HostSpawnOptions {
  /**
   * A command that runs Node for the host, such as `['ip', 'netns', 'exec', 'NAME']` to place the
   * host's sockets in a network namespace. It must exec Node with the descriptors it was given.
   */
  launcher?: readonly string[];
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

  static async spawn(options: HostSpawnOptions = {}): Promise<EngineHostClient> {
    const [launcher, ...launcherArgs] = options.launcher ?? [];
    // A launcher execs Node in turn (as `ip netns exec` does), so the IPC channel's descriptor and
    // its environment variable reach the host unchanged.
    const through = launcher ? { execPath: launcher, execArgv: [...launcherArgs, process.execPath, ...process.execArgv] } : {};
    const child = fork(hostEntry(), [], { ...through, serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const protocol = new HostProtocolClient({
      send: (request) => {
        if (!child.connected) throw new Error('the engine host is not connected');
        child.send(request);
      },
      kill: () => child.kill(),
    });
    const via = launcher ? ` (launched through ${options.launcher!.join(' ')})` : '';
    // A send racing the host's exit is reported by the exit, not as an unhandled 'error'.
    child.on('error', (error) => {
      protocol.refusedReplies.push(`channel error: ${error.message}`);
      // A process that could not be spawned never exits, so its failure must end the wait here.
      if (child.pid === undefined) protocol.hostExited(`the engine host could not be started: ${error.message}${via}`);
    });
    child.on('message', (message) => protocol.receive(message));
    child.on('exit', (code, signal) => protocol.hostExited(`the engine host exited (${signal ?? `code ${code}`})${via}`));
    await protocol.ready;
    return new EngineHostClient(child, protocol);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }
}
