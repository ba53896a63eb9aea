// The chat workload's settings in the profile schema: every bad field is named by its path.
import { describe, expect, it } from 'vitest';
import { profileSchema } from '../../../src-shared/profile.js';
import { toNativeConfig } from '../../../src-main/engine/native-config.js';
import { profileOf } from '../../helpers/profiles.js';

const server = (workload: object, extra: object = {}) => ({
  id: 'server',
  role: 'server',
  transport: 'tcp',
  model: 'epoll',
  listen: { host: '127.0.0.1', port: 0 },
  workload: { kind: 'chat', ...workload },
  ...extra,
});
const client = (workload: object, extra: object = {}) => ({
  id: 'members',
  role: 'client',
  transport: 'tcp',
  model: 'epoll',
  connect: { endpoint: 'server' },
  connections: 4,
  workload: { kind: 'chat', ...workload },
  ...extra,
});

function issues(endpoints: object[]): string[] {
  return (profileSchema.safeParse(profileOf(endpoints as never)).error?.issues ?? []).map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('chat settings', () => {
  it('takes a server with rooms and an overflow policy, and clients that talk and listen', () => {
    expect(issues([server({ rooms: 4, memberQueueBytes: 65536, overflow: 'drop-member' }), client({ room: 3, messagesPerSecond: 10, readBytesPerSecond: 1000 })])).toEqual([]);
  });

  it('names a bad field by its path', () => {
    expect(issues([server({ overflow: 'drop-everyone' }), client({})])).toEqual([expect.stringMatching(/^endpoints\.0\.workload\.overflow: /)]);
    expect(issues([server({ rooms: 0 }), client({})])).toEqual([expect.stringMatching(/^endpoints\.0\.workload\.rooms: /)]);
    expect(issues([server({ memberQueueBytes: 0 }), client({})])).toEqual([expect.stringMatching(/^endpoints\.0\.workload\.memberQueueBytes: /)]);
    expect(issues([server({}), client({ messageBytes: 8 })])).toEqual([expect.stringMatching(/^endpoints\.1\.workload\.messageBytes: /)]);
    expect(issues([server({}), client({ messagesPerSecond: 0 })])).toEqual([expect.stringMatching(/^endpoints\.1\.workload\.messagesPerSecond: /)]);
  });

  it('refuses a room the server does not have', () => {
    expect(issues([server({ rooms: 2 }), client({ room: 2 })])).toEqual(['endpoints.1.workload.room: "server" has 2 rooms: rooms 0 to 1']);
    expect(issues([server({}), client({ rooms: 3 })])).toEqual(['endpoints.1.workload.rooms: "server" has only 1 room']);
  });

  it('refuses a field of the other role, so a setting never silently does nothing', () => {
    expect(issues([server({ messagesPerSecond: 10 }), client({ overflow: 'drop-member' })])).toEqual([
      'endpoints.0.workload.messagesPerSecond: "messagesPerSecond" is for chat clients; this endpoint is a server',
      'endpoints.1.workload.overflow: "overflow" is for chat servers; this endpoint is a client',
    ]);
  });

  it('refuses a message whose broadcast would not fit the frame', () => {
    expect(issues([server({ frame: { maxFrameBytes: 100 } }), client({ frame: { maxFrameBytes: 100 }, messageBytes: 93 })])).toEqual([
      expect.stringMatching(/^endpoints\.1\.workload\.messageBytes: a chat message of 93 bytes does not fit: .* at most 92 bytes$/),
    ]);
    expect(issues([server({ frame: { maxFrameBytes: 20 } }), client({ frame: { maxFrameBytes: 20 } })]).join('\n')).toMatch(
      /endpoints\.0\.workload\.frame\.maxFrameBytes: a broadcast frame needs room for at least 24 bytes/,
    );
  });

  it('refuses a chat client of a server that is not a chat server, and the libuv model', () => {
    expect(issues([{ ...server({}), workload: { kind: 'echo' } }, client({})])).toEqual(['endpoints.1.workload.kind: "server" runs echo, not a chat server']);
    expect(issues([server({}, { model: 'libuv' }), client({})])).toEqual([expect.stringMatching(/^endpoints\.0\.workload\.kind: the libuv model runs .*"chat" runs in the engine's own models$/)]);
    expect(issues([server({}, { transport: 'udp' })]).join('\n')).toMatch(/endpoints\.0\.workload\.kind: a udp server cannot run "chat"/);
  });

  it("gives the engine the defaults: a client spreads over its server's rooms", async () => {
    const profile = profileSchema.parse(profileOf([server({ rooms: 3 }), client({})] as never));
    const config = await toNativeConfig(profile);
    expect(config.endpoints[0]!.workload).toMatchObject({ kind: 'chat', rooms: 3, memberQueueBytes: 262144, dropMemberOnOverflow: false });
    expect(config.endpoints[1]!.workload).toMatchObject({ kind: 'chat', rooms: 3, messageBytes: 64 });
  });
});
