import { describe, expect, it } from 'vitest';
import { main } from '../../../src-main/cli/main.js';
import { recordingIo } from '../../helpers/cli-io.js';

describe('main', () => {
  it('prints the help and exits 0', async () => {
    const io = recordingIo();
    expect(await main(['--help'], io)).toBe(0);
    expect(io.out.join('')).toMatch(/^\s+run PROFILE\.json/m);
    expect(io.err).toEqual([]);
  });

  it('exits 2 on an unknown option, naming it and the help to read, without a stack', async () => {
    const io = recordingIo();
    expect(await main(['run', 'p.json', '--bogus'], io)).toBe(2);
    const stderr = io.err.join('');
    expect(stderr).toContain('--bogus');
    expect(stderr).toContain('sockscope run --help');
    expect(stderr).not.toMatch(/^\s+at /m);
  });

  it('exits 2 when the profile path is missing', async () => {
    const io = recordingIo();
    expect(await main(['run'], io)).toBe(2);
    expect(io.err.join('')).toContain('PROFILE.json');
  });

  it('exits 2 when the profile file does not exist, naming the file and the code', async () => {
    const io = recordingIo();
    expect(await main(['run', 'no-such-profile.json'], io)).toBe(2);
    const stderr = io.err.join('');
    expect(stderr).toContain('no-such-profile.json');
    expect(stderr).toContain('ENOENT');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
