// An engine host on each side of a NetnsPair: what a test needs to run a server on one "machine"
// and a client on the other, and to remove both again.
import { EngineHostClient } from '../../src-main/engine/host-client.js';
import { NetnsPair } from './netns-pair.js';

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

  /** Ends both hosts, then deletes the namespaces (a namespace outlives its last process otherwise). */
  async remove(): Promise<void> {
    this.server.close();
    this.client.close();
    await this.pair.remove();
  }
}

/** The port of a server's first bound address ("198.18.0.1:41234"). */
export function portOf(listen: (string | null)[]): number {
  const port = Number(listen[0]?.split(':').at(-1));
  if (!Number.isInteger(port) || port <= 0) throw new Error(`the server reported no bound port: ${JSON.stringify(listen)}`);
  return port;
}
