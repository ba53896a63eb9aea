import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vitest/config';

// Real sockets and real threads: tests get time, and two files at most share the two cores.
// The soak and scale tests run last, beside each other and after the suites that measure
// latency, so their full-speed traffic and ten thousand connections disturb no measurement.
// tests/sanitizer runs under the sanitized builds only (scripts/test-sanitized.sh sets
// SOCKSCOPE_SANITIZED; test-tsan.sh has its own config), whose runs make the same checks.
const shared = { testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const };
const sanitizerSuites = process.env.SOCKSCOPE_SANITIZED ? [] : ['tests/sanitizer/**'];

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'main', include: ['tests/**/*.test.ts'], exclude: ['tests/soak/**', 'tests/scale/**', 'tests/renderer/**', 'tests/e2e/**', 'tests/netns/**', ...sanitizerSuites], sequence: { groupOrder: 0 } } },
      // Renderer unit tests mount single-file components, so they need the Vue plugin.
      { plugins: [vue()], test: { ...shared, name: 'renderer', include: ['tests/renderer/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      // Two network namespaces per file, made and removed by the test (root, iproute2, nftables);
      // each file skips with the reason where namespaces cannot be made.
      { test: { ...shared, name: 'netns', include: ['tests/netns/**/*.test.ts'], sequence: { groupOrder: 0 } } },
      // The browser tests measure latency and frame times through a real page: they run after the
      // socket suites, not beside them.
      { test: { ...shared, name: 'e2e', include: ['tests/e2e/**/*.test.ts'], sequence: { groupOrder: 1 } } },
      // Ten thousand connections, and a minute of traffic at full speed: they load the whole
      // machine, and measure memory and completeness, not time.
      { test: { ...shared, name: 'scale', include: ['tests/scale/**/*.test.ts'], sequence: { groupOrder: 2 } } },
      { test: { ...shared, name: 'soak', include: ['tests/soak/**/*.test.ts'], sequence: { groupOrder: 2 } } },
    ],
  },
});
