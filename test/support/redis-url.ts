import { inject } from 'vitest';

/**
 * The test Redis that `redis-server.ts` (vitest globalSetup) started, or `TEST_REDIS_URL` when it was set.
 * Throws, failing the calling test with the reason, when there is none: Redis tests are never skipped.
 */
export function testRedisUrl(): string {
  const redis = inject('testRedis');
  if (redis?.url) return redis.url;
  throw new Error(
    `No test Redis: ${redis?.error ?? 'the redis-server globalSetup did not run (see vitest.config.ts)'}. ` +
      "Install redis-server (npm test does so via scripts/ensure-redis.sh) or set TEST_REDIS_URL=redis://host:port.",
  );
}
