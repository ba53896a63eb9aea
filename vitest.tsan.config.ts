import { defineConfig } from 'vitest/config';

// scripts/test-tsan.sh: the ThreadSanitizer run. These files drive every thread the engine has in
// about a minute: the sampler against the model threads, live commands from JavaScript, a chat
// room's job-queue hand-offs with a slow member and two-worker completion ports on both backends
// (thread storm), proxy pairs with faults (proxy storm), closes while reads and writes are pending
// (reset storm), and stops in mid-stream (all of them). Under ThreadSanitizer the engine runs
// several times slower, so tests get more time than in vitest.config.ts, and the files that assert
// on timing-made shapes (tests/native/proactor's gathered writes) stay out.
const files = [
  'tests/sanitizer/sanitized-build.test.ts',
  'tests/sanitizer/thread-storm.test.ts',
  'tests/sanitizer/proxy-storm.test.ts',
  'tests/sanitizer/reset-storm.test.ts',
];

export default defineConfig({
  test: {
    name: 'tsan',
    include: files,
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // Only the workers load the addon, so only they get the ThreadSanitizer runtime.
    env: process.env.SOCKSCOPE_TSAN_RUNTIME ? { LD_PRELOAD: process.env.SOCKSCOPE_TSAN_RUNTIME } : {},
  },
});
