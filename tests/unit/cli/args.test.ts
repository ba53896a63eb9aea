import { describe, expect, it } from 'vitest';
import { parseCommandLine, parseDurationSeconds } from '../../../src-main/cli/args.js';
import { ExitCode, UsageError } from '../../../src-main/cli/exit-codes.js';

/** The UsageError that parsing `argv` throws. */
function usageErrorOf(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error(`no UsageError for ${argv.join(' ')}`);
}

describe('parseCommandLine', () => {
  it('asks for the top-level help with --help, -h or help', () => {
    expect(parseCommandLine(['--help'])).toEqual({ command: 'help', topic: null });
    expect(parseCommandLine(['-h'])).toEqual({ command: 'help', topic: null });
    expect(parseCommandLine(['help'])).toEqual({ command: 'help', topic: null });
  });

  it('asks for the help of a command in every spelling', () => {
    expect(parseCommandLine(['run', '--help'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCommandLine(['run', '-h'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCommandLine(['help', 'run'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCommandLine(['--help', 'run'])).toEqual({ command: 'help', topic: 'run' });
    expect(parseCommandLine(['help', '--help'])).toEqual({ command: 'help', topic: 'help' });
  });

  it('shows the help of run even when other arguments are wrong', () => {
    expect(parseCommandLine(['run', '--duration', 'soon', '--help'])).toEqual({ command: 'help', topic: 'run' });
  });

  it('reads run with its options', () => {
    expect(parseCommandLine(['run', 'p.json', '--duration', '2.5', '--out', 'r.json', '--quiet'])).toEqual({
      command: 'run',
      args: { profilePath: 'p.json', durationMs: 2500, outPath: 'r.json', quiet: true },
    });
    expect(parseCommandLine(['run', '-d', '1', '-o', '-', '-q', 'p.json'])).toEqual({
      command: 'run',
      args: { profilePath: 'p.json', durationMs: 1000, outPath: '-', quiet: true },
    });
    expect(parseCommandLine(['run', 'p.json'])).toEqual({
      command: 'run',
      args: { profilePath: 'p.json', durationMs: undefined, outPath: undefined, quiet: false },
    });
  });

  it('names an unknown option, for exit code 2', () => {
    const error = usageErrorOf(['run', 'p.json', '--bogus']);
    expect(error.message).toContain('--bogus');
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(error.command).toBe('run');
    expect(usageErrorOf(['--verbose']).message).toContain('--verbose');
    expect(usageErrorOf(['run', '-x', 'p.json']).message).toContain('-x');
  });

  it('names an option that lacks its value or has one it does not take', () => {
    expect(usageErrorOf(['run', 'p.json', '--out']).message).toBe('--out needs a value');
    expect(usageErrorOf(['run', 'p.json', '--quiet=yes']).message).toBe('--quiet takes no value');
    expect(usageErrorOf(['run', 'p.json', '--duration', '-1']).message).toContain('--duration needs a value');
  });

  it('asks for the profile path', () => {
    const error = usageErrorOf(['run']);
    expect(error.message).toContain('PROFILE.json');
    expect(error.exitCode).toBe(ExitCode.usage);
    expect(usageErrorOf(['run', 'a.json', 'b.json']).message).toContain('one profile');
  });

  it('rejects a missing or unknown command', () => {
    expect(usageErrorOf([]).message).toBe('missing command');
    expect(usageErrorOf(['frob']).message).toContain('"frob"');
    expect(usageErrorOf(['help', 'frob']).message).toContain('"frob"');
  });
});

describe('parseDurationSeconds', () => {
  it('turns decimal seconds into whole milliseconds', () => {
    expect(parseDurationSeconds('10')).toBe(10000);
    expect(parseDurationSeconds('0.5')).toBe(500);
    expect(parseDurationSeconds('0.001')).toBe(1);
  });

  it('refuses what is not a duration, naming --duration', () => {
    for (const text of ['soon', '', '-1', '1e3', '0', '0.0001', '86401']) {
      expect(() => parseDurationSeconds(text)).toThrow(/--duration/);
    }
  });
});
