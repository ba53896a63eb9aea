// The proxy's part of the profile contract: what a proxy endpoint may be, and errors that name
// the field.
import { describe, expect, it } from 'vitest';
import { profileSchema, type EndpointInput } from '../../src-shared/profile.js';
import { profileOf } from '../helpers/profiles.js';

const server: EndpointInput = { id: 'server', role: 'server', transport: 'tcp', model: 'epoll', listen: { host: '127.0.0.1', port: 0 }, workload: { kind: 'framed-echo' } };
const proxy: EndpointInput = {
  id: 'proxy',
  role: 'proxy',
  transport: 'tcp',
  model: 'epoll',
  listen: { host: '127.0.0.1', port: 0 },
  connect: { endpoint: 'server' },
  workload: { kind: 'proxy', toServer: { latency: { ms: 50 }, slicer: { pieceBytes: 1 } } },
};
const client: EndpointInput = { id: 'client', role: 'client', transport: 'tcp', model: 'epoll', connect: { endpoint: 'proxy' }, workload: { kind: 'request-response' } };

/** Each problem as "path: message". */
function problemsOf(endpoints: EndpointInput[]): string[] {
  const parsed = profileSchema.safeParse(profileOf(endpoints));
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

describe('a proxy endpoint in a profile', () => {
  it('is accepted between a client and a server, with its defaults filled in', () => {
    const parsed = profileSchema.parse(profileOf([server, proxy, client]));
    const workload = parsed.endpoints[1]!.workload;
    expect(workload).toEqual({
      kind: 'proxy',
      seed: 1,
      toServer: { latency: { ms: 50, jitterMs: 0, probability: 1 }, slicer: { pieceBytes: 1, delayMs: 0, probability: 1 } },
      toClient: {},
    });
  });

  it('refuses models without a reactor thread, saying why', () => {
    expect(problemsOf([server, { ...proxy, model: 'completion-port' }, client])).toEqual([
      expect.stringMatching(/^endpoints\.1\.model: a proxy runs on select or epoll: it pairs each accepted connection .* "completion-port" does not have$/),
    ]);
  });

  it('names the field of a probability out of range and of a reset without a threshold', () => {
    const problems = problemsOf([
      server,
      { ...proxy, workload: { kind: 'proxy', toServer: { latency: { ms: 5, probability: 1.5 } }, toClient: { reset: {} } } },
      client,
    ]);
    expect(problems).toContainEqual(expect.stringMatching(/^endpoints\.1\.workload\.toServer\.latency\.probability: /));
    expect(problems).toContainEqual('endpoints.1.workload.toClient.reset: a reset needs "afterBytes" or "afterMs"');
  });

  it('needs an upstream that is a server, and listen', () => {
    const withoutListen = { ...proxy };
    delete withoutListen.listen;
    expect(problemsOf([server, { ...withoutListen, connect: { endpoint: 'client' } }, client])).toEqual([
      'endpoints.1.listen: a proxy needs "listen": {"host", "port"}, where its clients connect',
      'endpoints.1.connect.endpoint: "client" is a client; connect to a server',
    ]);
    expect(problemsOf([server, proxy, { ...proxy, id: 'second', connect: { endpoint: 'proxy' } }, client])).toEqual([
      'endpoints.2.connect.endpoint: "proxy" is a proxy; a proxy\'s upstream is a server endpoint or an address',
    ]);
  });

  it('keeps the proxy workload to proxies, and proxies to TCP', () => {
    expect(problemsOf([{ ...server, workload: { kind: 'proxy' } }])).toEqual(['endpoints.0.workload.kind: only a proxy endpoint runs "proxy"; set "role": "proxy"']);
    expect(problemsOf([server, { ...proxy, workload: { kind: 'echo' } }, client])).toEqual(['endpoints.1.workload.kind: a proxy runs the "proxy" workload, not "echo"']);
    expect(problemsOf([server, { ...proxy, transport: 'udp' }])).toContainEqual('endpoints.1.transport: a proxy carries TCP connections; set "transport": "tcp"');
  });

  it('checks a framed client against the server behind the proxy', () => {
    const mismatched: EndpointInput = { ...client, workload: { kind: 'request-response', frame: { sizeBytes: 4 } } };
    expect(problemsOf([server, proxy, mismatched])).toEqual(['endpoints.2.workload.frame: the frame format differs from that of "server"']);
  });
});
