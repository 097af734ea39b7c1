import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrowawayRedis } from '../../test/support/redis-server.js';
import { testRedisUrl } from '../../test/support/redis-url.js';
import { systemClock, type Clock } from '../clock.js';
import { openStore } from '../store/open-store.js';
import type { SharedRedis, Store } from '../store/types.js';
import { RedisEditBudget, RedisEditBudgets } from './redis-edit-budget.js';

// Real time and a real redis-server: each budget has its own store (its own connection), as two bot processes would.
const opened: Store[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.close()));
});

async function processes(count: number): Promise<SharedRedis[]> {
  const prefix = `test-${randomUUID()}`;
  const stores = await Promise.all(Array.from({ length: count }, () => openStore(testRedisUrl(), { prefix })));
  opened.push(...stores);
  return stores.map((s) => s.redis!);
}

/** `redis`, noting when (Redis TIME, ms) each write was granted, whatever this busy process's event loop does. */
function recording(redis: SharedRedis, granted: number[]): SharedRedis {
  return {
    ...redis,
    async evalScript(script, keys, args) {
      const reply = await redis.evalScript(script, keys, args);
      if (Array.isArray(reply) && reply.length === 2 && reply[0] === 0) granted.push(Number(reply[1]));
      return reply;
    },
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('RedisEditBudget', () => {
  it('keeps the finals\' reserve across processes: normal writes of both stop short of it, a final takes it at once', async () => {
    const [a, b] = await processes(2);
    const limits = { writes: 4, perMs: 2_000, finalReserve: 1 };
    const [ra, rb] = [a!, b!].map((redis) => new RedisEditBudgets({ redis, platform: 'discord', ...limits }));
    let normals = 0;
    for (const r of [ra!, rb!, ra!, rb!]) void r.get('channel:9').acquire('normal').then(() => void (normals += 1));
    await sleep(300);
    expect(normals).toBe(3);
    const before = Date.now();
    await rb!.get('channel:9').acquire('final');
    expect(Date.now() - before).toBeLessThan(1_000); // the 4th slot was kept for it
    expect(normals).toBe(3);
  });

  it('two processes on one scope never exceed the writes in any window', async () => {
    const [a, b] = await processes(2);
    const limits = { writes: 5, perMs: 300 };
    const times: number[] = [];
    const budgets = [a!, b!].map((redis) => new RedisEditBudgets({ redis: recording(redis, times), platform: 'discord', ...limits }));
    const byProcess = [0, 0];
    await Promise.all(budgets.flatMap((registry, p) => Array.from({ length: 15 }, (_, i) =>
      registry.get('channel:1').acquire(i % 4 === 0 ? 'final' : 'normal').then(() => void (byProcess[p]! += 1)))));
    times.sort((x, y) => x - y);
    expect(times).toHaveLength(30);
    // grant times are Redis's, rounded down to the ms
    for (let i = 0; i + 5 < times.length; i++) expect(times[i + 5]! - times[i]!, times.join(',')).toBeGreaterThanOrEqual(300 - 1);
    expect(times.at(-1)! - times[0]!).toBeGreaterThanOrEqual(5 * 300 - 1);
    expect(byProcess[0]).toBeGreaterThanOrEqual(5);
    expect(byProcess[1]).toBeGreaterThanOrEqual(5);
    // another scope, or another platform's scope of the same name, has its own window
    const before = Date.now();
    await Promise.all(Array.from({ length: 5 }, () => budgets[0]!.get('channel:2').acquire()));
    await Promise.all(Array.from({ length: 5 }, () => new RedisEditBudgets({ redis: a!, platform: 'slack', ...limits }).get('channel:1').acquire()));
    expect(Date.now() - before).toBeLessThan(200);
  });

  it('serves a process\'s final writes before its normal ones', async () => {
    const [a] = await processes(1);
    const budget = new RedisEditBudget({ redis: a!, keyName: 'edits:discord:x', writes: 1, perMs: 200 });
    await budget.acquire('normal');
    const order: string[] = [];
    const all = [
      budget.acquire('normal').then(() => order.push('n1')),
      budget.acquire('normal').then(() => order.push('n2')),
      budget.acquire('final').then(() => order.push('f')),
    ];
    await Promise.all(all);
    expect(order).toEqual(['f', 'n1', 'n2']);
  });

  it("another process's normal writes leave the slot to a waiting final", async () => {
    const [a, b] = await processes(2);
    const limits = { keyName: 'edits:discord:x', writes: 1, perMs: 400 };
    // a's process is slow to ask again (150 ms late, within the grace): the slot still waits for its final
    const late: Clock = { now: () => Date.now(), sleep: (ms, signal) => systemClock.sleep(ms + 150, signal) };
    const ba = new RedisEditBudget({ redis: a!, ...limits, clock: late });
    const bb = new RedisEditBudget({ redis: b!, ...limits });
    await bb.acquire('normal'); // the window is full
    const order: string[] = [];
    const final = ba.acquire('final').then(() => order.push('final'));
    await sleep(30); // a's final was refused first and is noted in Redis
    const normal = bb.acquire('normal').then(() => order.push('normal'));
    await Promise.all([final, normal]);
    expect(order).toEqual(['final', 'normal']);
  });

  it('an aborted waiter rejects with the signal reason and counts nothing', async () => {
    const [a, b] = await processes(2);
    const limits = { keyName: 'edits:slack:team:T1', writes: 1, perMs: 500 };
    const ba = new RedisEditBudget({ redis: a!, ...limits });
    const bb = new RedisEditBudget({ redis: b!, ...limits });
    const start = Date.now();
    await ba.acquire();
    const controller = new AbortController();
    const reason = new Error('cancelled');
    const waiting = bb.acquire('final', controller.signal);
    setTimeout(() => controller.abort(reason), 50);
    await expect(waiting).rejects.toBe(reason);
    await expect(bb.acquire('normal', AbortSignal.abort(reason))).rejects.toBe(reason);
    // neither took a slot, and the aborted final no longer holds one back from normal writes
    await ba.acquire('normal');
    const at = Date.now() - start;
    expect(at).toBeGreaterThanOrEqual(480);
    expect(at).toBeLessThan(980); // not the 1 s it would be
  });

  it('falls back to the process\'s own window when Redis is down, and says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livetranslate-redis-down-'));
    const server = await startThrowawayRedis(dir);
    try {
      const store = await openStore(server.url, { prefix: `test-${randomUUID()}` });
      opened.push(store);
      const errors: unknown[] = [];
      const budgets = new RedisEditBudgets({ redis: store.redis!, platform: 'discord', writes: 2, perMs: 300, onError: (err) => errors.push(err) });
      await budgets.get('channel:1').acquire();
      await server.stop();
      const start = Date.now();
      await budgets.get('channel:1').acquire('final');
      await budgets.get('channel:1').acquire();
      await budgets.get('channel:1').acquire(); // the local window: 2 per 300 ms
      expect(Date.now() - start).toBeGreaterThanOrEqual(290);
      expect(errors).toHaveLength(1); // reported once a minute, not per write
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
