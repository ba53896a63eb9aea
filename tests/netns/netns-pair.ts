// Two network namespaces joined by a veth pair, made by a test and removed by it: a "server
// host" at 198.18.0.1 and a "client host" at 198.18.0.2 (198.18.0.0/15 is set aside for
// benchmarking, RFC 2544), so traffic between them crosses a real link that nftables and tc
// can act on, which loopback cannot show.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export const serverAddress = '198.18.0.1';
export const clientAddress = '198.18.0.2';
const prefixLength = 30;
/** Every namespace these tests make starts with this, then the pid of the process that made it. */
const namePrefix = 'sockscope-';
const dropTable = 'sockscope_drop';

export type Side = 'server' | 'client';

async function ip(...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 10_000 })).stdout;
}

async function inNamespace(namespace: string, command: string, args: string[]): Promise<string> {
  return (await run('ip', ['netns', 'exec', namespace, command, ...args], { timeout: 10_000 })).stdout;
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes namespaces left behind by test processes that were killed before their cleanup ran. */
async function removeOrphans(): Promise<void> {
  const listed = await ip('netns', 'list');
  for (const line of listed.split('\n')) {
    const name = line.split(' ')[0] ?? '';
    const pid = Number(/^sockscope-(\d+)-/.exec(name)?.[1]);
    if (name.startsWith(namePrefix) && Number.isInteger(pid) && !pidIsAlive(pid)) await ip('netns', 'del', name).catch(() => undefined);
  }
}

export class NetnsPair {
  /** The address of each side, as a profile names it. */
  static readonly addresses: Record<Side, string> = { server: serverAddress, client: clientAddress };

  private removed = false;

  private constructor(
    readonly namespaces: Record<Side, string>,
    readonly interfaces: Record<Side, string>,
  ) {}

  /**
   * Makes the pair. Rejects with the command's own message where this machine does not allow it
   * (no root, no iproute2, no nftables, namespaces forbidden in a container); whatever was made
   * before the failure is removed again.
   */
  static async create(): Promise<NetnsPair> {
    await removeOrphans();
    const tag = `${process.pid}-${randomBytes(3).toString('hex')}`;
    // Interface names have at most 15 characters.
    const short = randomBytes(4).toString('hex');
    const pair = new NetnsPair(
      { server: `${namePrefix}${tag}-s`, client: `${namePrefix}${tag}-c` },
      { server: `ssv${short}s`, client: `ssv${short}c` },
    );
    try {
      await pair.build();
      return pair;
    } catch (error) {
      await pair.remove();
      throw error;
    }
  }

  private async build(): Promise<void> {
    const { namespaces, interfaces } = this;
    await ip('netns', 'add', namespaces.server);
    await ip('netns', 'add', namespaces.client);
    await ip('link', 'add', interfaces.server, 'netns', namespaces.server, 'type', 'veth', 'peer', 'name', interfaces.client, 'netns', namespaces.client);
    for (const side of ['server', 'client'] as const) {
      await ip('-n', namespaces[side], 'address', 'add', `${NetnsPair.addresses[side]}/${prefixLength}`, 'dev', interfaces[side]);
      await ip('-n', namespaces[side], 'link', 'set', interfaces[side], 'up');
      await ip('-n', namespaces[side], 'link', 'set', 'lo', 'up');
    }
    // nftables is checked here too, so a machine without it skips instead of failing mid-test.
    await inNamespace(namespaces.server, 'nft', ['list', 'ruleset']);
  }

  /** The launcher that runs a command (the engine host) inside one side's namespace. */
  launcher(side: Side): string[] {
    return ['ip', 'netns', 'exec', this.namespaces[side]];
  }

  /**
   * Drops every packet into and out of one side's namespace, as if that host had lost power: no
   * FIN, no reset, nothing answers. Undone by restoreTraffic.
   */
  async dropAllTraffic(side: Side): Promise<void> {
    // One nft call, one transaction: both directions stop at the same instant, and a test that
    // times from the drop waits for one process, not five.
    const commands = [`add table inet ${dropTable}`];
    for (const hook of ['input', 'output']) {
      commands.push(`add chain inet ${dropTable} ${hook} { type filter hook ${hook} priority 0; policy accept; }`);
      // Only the link to the other side; the namespace's own loopback is no part of the scenario.
      const direction = hook === 'input' ? 'iifname' : 'oifname';
      commands.push(`add rule inet ${dropTable} ${hook} ${direction} "${this.interfaces[side]}" counter drop`);
    }
    await inNamespace(this.namespaces[side], 'nft', [commands.join('; ')]);
  }

  async restoreTraffic(side: Side): Promise<void> {
    await inNamespace(this.namespaces[side], 'nft', ['delete', 'table', 'inet', dropTable]);
  }

  /** Packets the drop rules of one side have discarded so far, in and out. */
  async droppedPackets(side: Side): Promise<number> {
    const listed = await inNamespace(this.namespaces[side], 'nft', ['list', 'table', 'inet', dropTable]);
    return [...listed.matchAll(/counter packets (\d+)/g)].reduce((sum, match) => sum + Number(match[1]), 0);
  }

  /** Limits what one side sends to rateBitsPerS with a token bucket (tc tbf) on its veth end. */
  async limitRate(side: Side, rateBitsPerS: number, burstBytes: number, queueLatencyMs: number): Promise<void> {
    await inNamespace(this.namespaces[side], 'tc', [
      'qdisc', 'add', 'dev', this.interfaces[side], 'root', 'tbf',
      'rate', `${rateBitsPerS}bit`, 'burst', `${burstBytes}b`, 'latency', `${queueLatencyMs}ms`,
    ]);
  }

  /** Deletes both namespaces, which takes the veth pair, the nftables tables and the qdiscs with them. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;
    for (const namespace of Object.values(this.namespaces)) await ip('netns', 'del', namespace).catch(() => undefined);
  }
}

/**
 * Why network-namespace tests cannot run here, or null when they can. Decided by trying: a pair
 * is made and removed again.
 */
export async function netnsUnavailableReason(): Promise<string | null> {
  try {
    const pair = await NetnsPair.create();
    await pair.remove();
    return null;
  } catch (error) {
    const detail = ((error as { stderr?: string }).stderr || (error as Error).message).trim().split('\n')[0];
    return `network namespaces with veth and nftables are not available here (needs root, iproute2 and nftables): ${detail}`;
  }
}
