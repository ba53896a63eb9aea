import { utilityProcess, type UtilityProcess } from 'electron';
import { HostProtocolClient, ProtocolHost } from '../engine/host-protocol-client.js';

/**
 * The engine host in an Electron utilityProcess (engine-host-process.ts): the desktop's
 * counterpart of EngineHostClient, with the same surface. Messages travel over the parent port
 * by structured clone, so capture columns arrive as typed arrays; every reply is validated by
 * HostProtocolClient. A native crash ends the utility process, never the window: pending runs
 * fail with EHOSTDOWN and onExit listeners hear how it ended.
 */
export class UtilityHostClient extends ProtocolHost {
  private fatalError: string | null = null;

  private constructor(
    private readonly child: UtilityProcess,
    protocol: HostProtocolClient,
  ) {
    super(protocol);
  }

  /** Forks the host from its built entry and resolves once it said it is ready. */
  static async spawn(entryPath: string): Promise<UtilityHostClient> {
    const child = utilityProcess.fork(entryPath, [], { serviceName: 'Sockscope engine host', stdio: 'inherit' });
    const protocol = new HostProtocolClient({
      send: (request) => child.postMessage(request),
      kill: () => child.kill(),
    });
    const client = new UtilityHostClient(child, protocol);
    child.on('message', (message: unknown) => protocol.receive(message));
    child.on('error', (type, location) => {
      client.fatalError = `${type} at ${location}`;
    });
    child.on('exit', (code) => protocol.hostExited(client.describeExit(code)));
    await protocol.ready;
    return client;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  private describeExit(code: number): string {
    const how = this.fatalError ? `code ${code}, ${this.fatalError}` : `code ${code}`;
    return `the engine host exited (${how})`;
  }
}
