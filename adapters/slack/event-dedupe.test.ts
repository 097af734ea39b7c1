import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { App } from '@slack/bolt';
import { afterEach, describe, expect, it } from 'vitest';
import { startThrowawayRedis } from '../../test/support/redis-server.js';
import { testRedisUrl } from '../../test/support/redis-url.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { dedupeEvents, type DedupeOptions } from './event-dedupe.js';

const opened: Store[] = [];
afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.close()));
});

type Middleware = (args: { body: unknown; next: () => Promise<void> }) => Promise<void>;

/** A Bolt app as far as the dedupe sees it: one middleware, and how many events got past it. */
function fakeApp(options: DedupeOptions = {}) {
  let middleware: Middleware | undefined;
  const app = { use: (fn: Middleware) => void (middleware = fn) } as unknown as Pick<App, 'use'>;
  const started: string[] = [];
  const events = dedupeEvents(app, options);
  return {
    events,
    started,
    deliver: (eventId: string) => middleware!({ body: { event_id: eventId, event: {} }, next: async () => void started.push(eventId) }),
  };
}

describe('dedupeEvents', () => {
  it('drops a retried delivery in one process (no Redis)', async () => {
    const bot = fakeApp();
    await bot.deliver('Ev1');
    await bot.deliver('Ev1');
    await bot.deliver('Ev2');
    expect(bot.started).toEqual(['Ev1', 'Ev2']);
    expect(bot.events.seen).toBe(2);
  });

  it('with Redis, two processes behind a load balancer never both start one event', async () => {
    const prefix = `test-${randomUUID()}`;
    const stores = await Promise.all([0, 1].map(() => openStore(testRedisUrl(), { prefix })));
    opened.push(...stores);
    const [a, b] = stores.map((s) => fakeApp({ redis: s.redis }));
    // the first delivery and Slack's retry reach different processes, at the same moment or one after the other
    const ids = Array.from({ length: 20 }, (_, i) => `Ev${i}-${randomUUID()}`);
    await Promise.all(ids.map((id, i) => (i % 2 ? [a!.deliver(id), b!.deliver(id)] : [b!.deliver(id), a!.deliver(id)])).flat());
    for (const id of ids) await a!.deliver(id);
    expect([...a!.started, ...b!.started].sort()).toEqual([...ids].sort());
    // another deployment (another prefix) on the same Redis is not affected
    const other = await openStore(testRedisUrl(), { prefix: `test-${randomUUID()}` });
    opened.push(other);
    const c = fakeApp({ redis: other.redis });
    await c.deliver(ids[0]!);
    expect(c.started).toEqual([ids[0]]);
  });

  it('when Redis is down, the process\'s own memory decides and the failure is reported', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'livetranslate-redis-down-'));
    const server = await startThrowawayRedis(dir);
    try {
      const store = await openStore(server.url, { prefix: `test-${randomUUID()}` });
      opened.push(store);
      const errors: unknown[] = [];
      const bot = fakeApp({ redis: store.redis, onError: (err) => errors.push(err) });
      await bot.deliver('Ev1');
      await server.stop();
      await bot.deliver('Ev2');
      await bot.deliver('Ev2');
      await bot.deliver('Ev1');
      expect(bot.started).toEqual(['Ev1', 'Ev2']);
      expect(errors).toHaveLength(1);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
