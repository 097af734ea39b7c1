import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'adapters/**/*.test.ts', 'commands/**/*.test.ts', 'test/**/*.test.ts'],
    // dist/ brought up to date for the tests that run bin/livetranslate.js as a process; a throwaway redis-server
    // for the store tests (test/support/redis-url.ts reads it).
    globalSetup: ['test/support/build-dist.ts', 'test/support/redis-server.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
