import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrowawayRedis } from '../../test/support/redis-server.js';
import { testRedisUrl } from '../../test/support/redis-url.js';
import { TranslateError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import type { SharedRedis, Store } from '../store/types.js';
import type { AccountLimits } from './account-limiter.js';
import { RedisAccountLimiter, redisAccountLimiter } from './redis-account-limiter.js';

// Real time and a real redis-server: each limiter has its own store (its own connection), as two bot processes would.
const opened: Store[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.close()));
});

async function processes(count: number): Promise<SharedRedis[]> {
  const prefix = `test-${randomUUID()}`;
  const stores = await Promise.all(Array.from({ length: count }, () => openStore(testRedisUrl(), { prefix })));
  opened.push(...stores);
  return stores.map((s) => {
    if (!s.redis) throw new Error('a Redis store has a SharedRedis');
    return s.redis;
  });
}

const limiter = (redis: SharedRedis, limits: AccountLimits, maxPollMs = 50) => new RedisAccountLimiter({ redis, maxPollMs, ...limits });

/**
 * `redis`, noting when (Redis TIME, ms) each `take` was granted: the grants' own times, whatever this busy process's
 * event loop does before it sees them.
 */
function recording(redis: SharedRedis, granted: number[]): SharedRedis {
  return {
    ...redis,
    async evalScript(script, keys, args) {
      const reply = await redis.evalScript(script, keys, args);
      if (args[0] === 'take' && Array.isArray(reply) && reply[0] === 0) granted.push(Number(reply[1]));
      return reply;
    },
  };
}

/** Every window that starts and ends at a grant: how many grants it holds and how long it is. */
function windows(times: number[]): Array<{ count: number; spanMs: number }> {
  const sorted = [...times].sort((a, b) => a - b);
  const out: Array<{ count: number; spanMs: number }> = [];
  for (let i = 0; i < sorted.length; i++) for (let j = i; j < sorted.length; j++) out.push({ count: j - i + 1, spanMs: sorted[j]! - sorted[i]! });
  return out;
}

describe('RedisAccountLimiter', () => {
  it('two processes sharing one bucket never grant more than the limit over any window', async () => {
    const [a, b] = await processes(2);
    // 60 requests a "minute" of 1 s with 0.1 s of burst: a bucket of 6, one more request every 16.7 ms
    const limits = { requestsPerMinute: 60, tokensPerMinute: 0, windowMs: 1_000, burstSeconds: 0.1 };
    const granted: number[] = [];
    const limiters = [limiter(recording(a!, granted), limits), limiter(recording(b!, granted), limits)];
    const byProcess = [0, 0];
    await Promise.all(limiters.flatMap((l, p) => Array.from({ length: 30 }, () => l.acquire(0).then(() => void (byProcess[p]! += 1)))));
    // 6 at once, then 54 at 0.06 a ms: about 900 ms; two separate buckets would have let 12 go at once
    expect(granted).toHaveLength(60);
    for (const { count, spanMs } of windows(granted)) {
      // the bucket (6) plus the rate over the window, times rounded down to the ms
      expect(count, `${count} grants within ${spanMs} ms`).toBeLessThanOrEqual(6 + 0.06 * (spanMs + 1) + 1e-9);
    }
    expect(Math.max(...granted) - Math.min(...granted)).toBeGreaterThanOrEqual(850);
    expect(byProcess[0]).toBeGreaterThan(5);
    expect(byProcess[1]).toBeGreaterThan(5);
  });

  it('settle gives an over-estimate back to every process, and an under-estimate is owed', async () => {
    const [a, b] = await processes(2);
    // 6,000 tokens a second: a bucket of 6,000, 6 tokens a ms
    const limits = { requestsPerMinute: 0, tokensPerMinute: 6_000, windowMs: 1_000 };
    const la = limiter(a!, limits);
    const lb = limiter(b!, limits);
    const permit = await la.acquire(6_000);
    const start = Date.now();
    const other = lb.acquire(6_000).then(() => Date.now() - start);
    await new Promise((r) => setTimeout(r, 100));
    permit.settle(0); // all 6,000 back: b goes at its next poll instead of after a second
    expect(await other).toBeLessThan(700); // not the 1 s a refill would take

    // a request estimated at 0 used 6,000: the (empty) bucket owes 6,000, so 600 more tokens take about 1.1 s
    const owed = Date.now();
    const debt = await la.acquire(0);
    debt.settle(6_000);
    await new Promise((r) => setTimeout(r, 50));
    await la.acquire(600);
    expect(Date.now() - owed).toBeGreaterThanOrEqual(1_000);
  });

  it('an aborted waiter rejects with the signal reason and takes nothing', async () => {
    const [a, b] = await processes(2);
    // one request every 2 s, a bucket of one
    const limits = { requestsPerMinute: 1, tokensPerMinute: 0, windowMs: 2_000 };
    const la = limiter(a!, limits);
    const lb = limiter(b!, limits);
    const start = Date.now();
    await la.acquire(0);
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    const waiting = lb.acquire(0, controller.signal);
    setTimeout(() => controller.abort(reason), 100);
    await expect(waiting).rejects.toBe(reason);
    await expect(lb.acquire(0, AbortSignal.abort(reason))).rejects.toBe(reason);
    // had the aborted waiters taken a request, the next one would wait until about 4 s
    await la.acquire(0);
    const at = Date.now() - start;
    expect(at).toBeGreaterThanOrEqual(1_900);
    expect(at).toBeLessThan(3_500); // not the 4 s it would be
  });

  it('serves one process in arrival order', async () => {
    const [a] = await processes(1);
    const l = limiter(a!, { requestsPerMinute: 0, tokensPerMinute: 6_000, windowMs: 1_000 });
    const order: number[] = [];
    // the large one at the head is never overtaken by the small ones behind it
    await Promise.all([6_000, 6_000, 10, 10].map((t, i) => l.acquire(t).then(() => order.push(i))));
    expect(order).toEqual([0, 1, 2, 3]);
  });

  it('a large request is not starved by a stream of small ones from another process', async () => {
    const [a, b] = await processes(2);
    const limits = { requestsPerMinute: 0, tokensPerMinute: 6_000, windowMs: 1_000 };
    const la = limiter(a!, limits);
    const lb = limiter(b!, limits);
    await lb.acquire(6_000); // empty
    const start = Date.now();
    let done = false;
    const large = la.acquire(6_000).then(() => {
      done = true;
      return Date.now() - start;
    });
    await new Promise((r) => setTimeout(r, 20)); // a is refused first: it holds the reservation
    let small = 0;
    while (!done && Date.now() - start < 3_000) {
      await lb.acquire(500);
      small++;
    }
    // without the reservation the 500s would keep the bucket from ever filling up
    expect(await large).toBeLessThan(2_500);
    expect(small).toBeLessThanOrEqual(2);
  });

  it('is off when both limits are 0', async () => {
    const [a] = await processes(1);
    expect(redisAccountLimiter({ redis: a!, requestsPerMinute: 0, tokensPerMinute: 0 })).toBeUndefined();
    expect(redisAccountLimiter({ redis: a!, requestsPerMinute: 1, tokensPerMinute: 0 })).toBeInstanceOf(RedisAccountLimiter);
  });

  it('fails closed with STORE_UNAVAILABLE when Redis is down', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livetranslate-redis-down-'));
    const server = await startThrowawayRedis(dir);
    try {
      const store = await openStore(server.url, { prefix: `test-${randomUUID()}` });
      opened.push(store);
      const l = limiter(store.redis!, { requestsPerMinute: 60, tokensPerMinute: 0 });
      await l.acquire(0);
      await server.stop();
      const failed = await l.acquire(0).then(() => undefined, (err: unknown) => err);
      expect(failed).toBeInstanceOf(TranslateError);
      expect((failed as TranslateError).code).toBe('STORE_UNAVAILABLE');
      expect((failed as TranslateError).message).toMatch(/rate limit is kept in Redis/);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
