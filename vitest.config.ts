import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'adapters/**/*.test.ts', 'commands/**/*.test.ts', 'test/**/*.test.ts'],
    // A throwaway redis-server for the store tests (test/support/redis-url.ts reads it).
    globalSetup: ['test/support/redis-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
