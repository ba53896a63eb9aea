// An engine host on each side of a NetnsPair: what a test needs to run a server on one "machine"
// and a client on the other, and to remove both again.
import { EngineHostClient, type RemoteRun } from '../../src-main/engine/host-client.js';
import type { EndpointInput } from '../../src-shared/profile.js';
import { profileOf } from '../helpers/profiles.js';
import type { LiveWatch } from './live-watch.js';
import { NetnsPair, netnsUnavailableReason } from './netns-pair.js';

/** Long enough for any of these tests: each stops its runs itself once it has seen what it waits for. */
const runMs = 30_000;

/** Why the tests of a file cannot run here (said once on the console), or null when they can. */
export async function netnsSkipReason(): Promise<string | null> {
  const unavailable = await netnsUnavailableReason();
  if (unavailable) console.warn(`tests/netns skipped: ${unavailable}`);
  return unavailable;
}

export class TwoHosts {
  private constructor(
    readonly pair: NetnsPair,
    readonly server: EngineHostClient,
    readonly client: EngineHostClient,
  ) {}

  static async create(): Promise<TwoHosts> {
    const pair = await NetnsPair.create();
    const started: EngineHostClient[] = [];
    try {
      started.push(await EngineHostClient.spawn({ launcher: pair.launcher('server') }));
      started.push(await EngineHostClient.spawn({ launcher: pair.launcher('client') }));
      return new TwoHosts(pair, started[0]!, started[1]!);
    } catch (error) {
      for (const host of started) host.close();
      await pair.remove();
      throw error;
    }
  }

  /**
   * An epoll TCP server "server" on the server host's address and a free port, with the workload
   * given; and the address its clients connect to.
   */
  async startServer(workload: EndpointInput['workload'], sampleEveryMs: number): Promise<{ run: RemoteRun; connect: { host: string; port: number } }> {
    const host = NetnsPair.addresses.server;
    const run = await this.server.start(
      profileOf([{ id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host, port: 0 }, workload }], { durationMs: runMs, sampleEveryMs }),
    );
    return { run, connect: { host, port: portOf(run.listen) } };
  }

  /** The client host's endpoints, their batches followed by `watch`. */
  startClients(endpoints: EndpointInput[], sampleEveryMs: number, watch: LiveWatch): Promise<RemoteRun> {
    return this.client.start(profileOf(endpoints, { durationMs: runMs, sampleEveryMs }), { onBatch: watch.onBatch });
  }

  /** Ends both hosts, then deletes the namespaces (a namespace outlives its last process otherwise). */
  async remove(): Promise<void> {
    this.server.close();
    this.client.close();
    await this.pair.remove();
  }
}

/** The port of a server's first bound address ("198.18.0.1:41234"). */
function portOf(listen: (string | null)[]): number {
  const port = Number(listen[0]?.split(':').at(-1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`the server reported no bound port: ${JSON.stringify(listen)}`);
  return port;
}
