// A bounded libFuzzer run of the frame parser against its reference (src-main/native/fuzz/):
// the seeds in the repository, then a fixed number of mutated inputs from a fixed seed, under
// ASan and UBSan. scripts/fuzz-framing.sh runs the same target for as long as one likes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const runs = 40_000;

async function haveClang(): Promise<boolean> {
  try {
    await run('clang++', ['--version']);
    return true;
  } catch {
    return false;
  }
}

const clang = await haveClang();
if (!clang) console.warn('framing fuzz test skipped: clang++ is not installed (Debian: apt-get install clang libclang-rt-dev)');

describe.runIf(clang)('the frame parser under libFuzzer', () => {
  it(`finds what the reference parser finds in ${runs} inputs, however the reads cut them`, async () => {
    // libFuzzer reports on stderr; a failure (a mismatch aborts, a sanitizer error) rejects with it.
    const { stderr } = await run('scripts/fuzz-framing.sh', [`-runs=${runs}`, '-seed=1', '-print_final_stats=1'], { maxBuffer: 16 * 1024 * 1024, timeout: 110_000 });
    expect(stderr).toContain(`Done ${runs} runs`);
    const executed = Number(/stat::number_of_executed_units:\s*(\d+)/.exec(stderr)?.[1]);
    expect(executed).toBeGreaterThanOrEqual(runs);
  }, 120_000);
});
