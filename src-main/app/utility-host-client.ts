import { utilityProcess, type UtilityProcess } from 'electron';
import type { CommandTarget, HostRequest } from '../../src-shared/engine-protocol.js';
import type { CommandBody } from '../../src-shared/profile.js';
import { HostProtocolClient, type RemoteRun, type RemoteRunOptions } from '../engine/host-protocol-client.js';

/**
 * The engine host in an Electron utilityProcess (engine-host-process.ts): the desktop's
 * counterpart of EngineHostClient, with the same surface. Messages travel over the parent port
 * by structured clone, so capture columns arrive as typed arrays; every reply is validated by
 * HostProtocolClient. A native crash ends the utility process, never the window: pending runs
 * fail with EHOSTDOWN and onExit listeners hear how it ended.
 */
export class UtilityHostClient {
  private fatalError: string | null = null;

  private constructor(
    private readonly child: UtilityProcess,
    private readonly protocol: HostProtocolClient,
  ) {}

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

  /** Replies that failed validation, kept for diagnosis. */
  get refusedReplies(): readonly string[] {
    return this.protocol.refusedReplies;
  }

  onExit(listener: (description: string) => void): void {
    this.protocol.onExit(listener);
  }

  start(profile: unknown, options: RemoteRunOptions = {}): Promise<RemoteRun> {
    return this.protocol.start(profile, options);
  }

  command(runId: string, target: CommandTarget, body: CommandBody): Promise<void> {
    return this.protocol.command(runId, target, body);
  }

  send(request: HostRequest): void {
    this.protocol.send(request);
  }

  /** Ends the host process; its exit is reported to onExit listeners like any other. */
  close(): void {
    this.protocol.close();
  }

  private describeExit(code: number): string {
    const how = this.fatalError ? `code ${code}, ${this.fatalError}` : `code ${code}`;
    return `the engine host exited (${how})`;
  }
}
