// `sockscope agent` on the command line: options, defaults and refusals.
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src-main/cli/args.js';
import { defaultProfilesDir } from '../../../src-main/cli/commands/agent.js';
import { UsageError } from '../../../src-main/cli/exit-codes.js';
import { helpText } from '../../../src-main/cli/help.js';

describe('sockscope agent arguments', () => {
  it('defaults to loopback, any free port, a generated token and the data folder', () => {
    expect(parseCommandLine(['agent'])).toEqual({ command: 'agent', args: { host: '127.0.0.1', port: 0, token: undefined, profilesDir: undefined } });
    expect(defaultProfilesDir({ XDG_DATA_HOME: '/data' })).toBe('/data/sockscope/profiles');
  });

  it('takes --host, --port, --token and --profiles', () => {
    const token = 'abcdefghijklmnop-_.~';
    expect(parseCommandLine(['agent', '--host', '::1', '--port', '8080', '--token', token, '--profiles', 'mine'])).toEqual({
      command: 'agent',
      args: { host: '::1', port: 8080, token, profilesDir: 'mine' },
    });
    expect(parseCommandLine(['agent', '--help'])).toEqual({ command: 'help', topic: 'agent' });
    expect(helpText('agent')).toContain('--token TOKEN');
    expect(helpText(null)).toContain('agent ');
  });

  it('refuses a bad port, a weak or unsafe token, and positionals', () => {
    for (const argv of [
      ['agent', '--port', '65536'],
      ['agent', '--port', 'http'],
      ['agent', '--token', 'short'],
      ['agent', '--token', 'has;semicolons;in;it;x'],
      ['agent', '--host', ''],
      ['agent', 'extra'],
    ]) {
      expect(() => parseCommandLine(argv), argv.join(' ')).toThrow(UsageError);
    }
  });
});
