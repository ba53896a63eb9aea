// The built-in profile commands: "sockscope profiles" and "sockscope run --profile NAME".
import { describe, expect, it } from 'vitest';
import { parseCommandLine } from '../../../src-main/cli/args.js';
import { formatFindings } from '../../../src-main/cli/findings-text.js';
import { main } from '../../../src-main/cli/main.js';
import { recordingIo } from '../../helpers/cli-io.js';

describe('sockscope profiles', () => {
  it('parses, with --help and without arguments', () => {
    expect(parseCommandLine(['profiles'])).toEqual({ command: 'profiles' });
    expect(parseCommandLine(['profiles', '--help'])).toEqual({ command: 'help', topic: 'profiles' });
    expect(() => parseCommandLine(['profiles', 'extra'])).toThrow(/profiles takes no arguments/);
  });

  it('lists every built-in profile with its file and first sentence', async () => {
    const io = recordingIo();
    expect(await main(['profiles'], io)).toBe(0);
    const stdout = io.out.join('');
    expect(stdout).toMatch(/^name +file +what it shows$/m);
    expect(stdout).toMatch(/^half-close +half-close\.json +Half-close: after shutdown\(write\) the client still receives\.$/m);
    expect(stdout).toMatch(/^nagle-delayed-ack +nagle-delayed-ack\.json /m);
    expect(stdout).toContain('sockscope run --profile NAME');
    expect(io.err).toEqual([]);
  });

  it('has a help text naming --profile', async () => {
    const io = recordingIo();
    expect(await main(['help', 'profiles'], io)).toBe(0);
    expect(io.out.join('')).toContain('sockscope run --profile NAME');
    const runHelp = recordingIo();
    await main(['run', '--help'], runHelp);
    expect(runHelp.out.join('')).toContain('-p, --profile NAME');
  });
});

describe('sockscope run --profile', () => {
  it('parses a name, and refuses a name together with a file', () => {
    expect(parseCommandLine(['run', '--profile', 'half-close'])).toEqual({
      command: 'run',
      args: { profilePath: undefined, profileName: 'half-close', durationMs: undefined, outPath: undefined, quiet: false },
    });
    expect(() => parseCommandLine(['run', 'p.json', '--profile', 'half-close'])).toThrow(/not both/);
    expect(() => parseCommandLine(['run', '--profile='])).toThrow(/--profile needs a name/);
  });

  it('exits 2 on an unknown name, listing the built-in ones', async () => {
    const io = recordingIo();
    expect(await main(['run', '--profile', 'no-such-profile'], io)).toBe(2);
    const stderr = io.err.join('');
    expect(stderr).toContain('unknown profile "no-such-profile"');
    expect(stderr).toContain('half-close, ');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('runs a built-in profile from any working directory and prints the findings after the summary', async () => {
    const io = recordingIo();
    const cwd = process.cwd();
    process.chdir('/');
    try {
      expect(await main(['run', '--profile', 'buffer-sizes', '--duration', '0.3'], io)).toBe(0);
    } finally {
      process.chdir(cwd);
    }
    const stdout = io.out.join('');
    expect(stdout).toMatch(/^endpoint +role +model/m);
    expect(stdout.indexOf('findings:')).toBeGreaterThan(stdout.indexOf('endpoint'));
    expect(stdout).toMatch(/^ {2}info {5}client: The kernel doubled the buffer sizes asked for\.$/m);
    expect(stdout).toContain('requestedSndBufBytes 65536, appliedSndBufBytes 131072');
  });
});

describe('formatFindings', () => {
  it('says so when there is nothing to report', () => {
    expect(formatFindings([])).toMatch(/^findings: none/);
  });

  it('wraps the detail under the title', () => {
    const text = formatFindings([
      { severity: 'warning', kind: 'x', endpoint: 'client', title: 'Something happened.', detail: 'word '.repeat(40).trim(), figures: { countOfThings: 3 } },
    ]);
    const lines = text.trimEnd().split('\n');
    expect(lines[1]).toBe('  warning  client: Something happened.');
    expect(lines.slice(2).every((line) => line.startsWith('           ') && line.length <= 100)).toBe(true);
    expect(lines.at(-1)).toBe('           countOfThings 3');
  });
});
