// Under scripts/test-sanitized.sh (SOCKSCOPE_SANITIZED=1) or scripts/test-tsan.sh
// (SOCKSCOPE_SANITIZED=thread): this worker really runs the sanitized addon with its runtime
// preloaded, so a quiet run of the other tests means the sanitizers watched them.
import { readFileSync, realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadNativeAddon } from '../../src-main/engine/native-engine.js';

describe.runIf(process.env.SOCKSCOPE_SANITIZED === '1')('the sanitized build', () => {
  it('is the addon this worker loaded, next to the preloaded ASan and UBSan runtimes', () => {
    expect(loadNativeAddon().models).toContain('epoll');
    const mapped = readFileSync('/proc/self/maps', 'utf8');
    expect(process.env.LD_PRELOAD).toMatch(/libasan\.so/);
    expect(mapped).toMatch(/\/libasan\.so/);
    expect(mapped).toMatch(/\/libubsan\.so/);
    expect(mapped).toContain(realpathSync(process.env.SOCKSCOPE_ADDON!));
  });
});

describe.runIf(process.env.SOCKSCOPE_SANITIZED === 'thread')('the ThreadSanitizer build', () => {
  it('is the addon this worker loaded, next to the preloaded ThreadSanitizer runtime', () => {
    expect(loadNativeAddon().models).toContain('epoll');
    const mapped = readFileSync('/proc/self/maps', 'utf8');
    expect(process.env.LD_PRELOAD).toMatch(/libtsan\.so/);
    expect(mapped).toMatch(/\/libtsan\.so/);
    expect(mapped).toContain(realpathSync(process.env.SOCKSCOPE_ADDON!));
  });
});
