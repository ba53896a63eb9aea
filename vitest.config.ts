import { defineConfig } from 'vitest/config';

// Real sockets and real threads: tests get time, and two files at most share the two cores.
// The soak test runs alone, after everything else, so its full-speed traffic does not disturb
// the latency measurements of the behaviour suite.
const shared = { testTimeout: 60_000, hookTimeout: 60_000, pool: 'forks' as const };

export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'main', include: ['tests/**/*.test.ts'], exclude: ['tests/soak/**'], sequence: { groupOrder: 0 } } },
      { test: { ...shared, name: 'soak', include: ['tests/soak/**/*.test.ts'], sequence: { groupOrder: 1 } } },
    ],
  },
});
