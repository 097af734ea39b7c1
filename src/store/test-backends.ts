import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import KeyvRedis, { createClient } from '@keyv/redis';
import KeyvSqlite from '@keyv/sqlite';
import { Keyv } from 'keyv';
import { afterEach } from 'vitest';
import { testRedisUrl } from '../../test/support/redis-url.js';
import type { Concern } from './backend.js';
import { DEFAULT_STORE_PREFIX, openStore, type OpenStoreOptions } from './open-store.js';
import type { Store } from './types.js';

/**
 * Test support, not used by the bot: the two back ends every store test runs on (`describe.each(BACKENDS)`).
 * `open` gives a fresh store: a new SQLite file in a temp dir, or the test Redis under a fresh prefix, so tests
 * never see each other's data. Everything opened is closed (and temp files removed) after each test.
 */
export interface TestBackend {
  name: 'sqlite' | 'redis';
  /** A fresh, empty store; `reopen` opens the same data again (same file or prefix). */
  open(options?: OpenStoreOptions): Promise<TestStore>;
}

export interface TestStore extends Store {
  url: string;
  reopen(options?: OpenStoreOptions): Promise<Store>;
  /**
   * Writes `{ v, value }` under `key` of a concern's namespace behind the store's back, the way a future schema
   * version would (Redis usage buckets are hashes: `value`'s fields plus `v`).
   */
  writeRaw(concern: Concern, key: string, v: number, value: Record<string, unknown>): Promise<void>;
}

const opened: Store[] = [];
const dirs: string[] = [];

afterEach(async () => {
  await Promise.allSettled(opened.splice(0).map((s) => s.close()));
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

async function track(url: string, options: OpenStoreOptions): Promise<Store> {
  const store = await openStore(url, options);
  opened.push(store);
  return store;
}

export const BACKENDS: TestBackend[] = [
  {
    name: 'sqlite',
    async open(options = {}) {
      const dir = mkdtempSync(join(tmpdir(), 'livetranslate-store-'));
      dirs.push(dir);
      const url = `sqlite://${join(dir, 'nested', 'store.sqlite')}`;
      const store = await track(url, options);
      const namespace = (concern: Concern) => `${options.prefix ?? DEFAULT_STORE_PREFIX}:${concern}`;
      return Object.assign(store, {
        url,
        reopen: (more: OpenStoreOptions = {}) => track(url, { ...options, ...more }),
        async writeRaw(concern: Concern, key: string, v: number, value: Record<string, unknown>) {
          const adapter = new KeyvSqlite({ uri: url, busyTimeout: 5_000 });
          await new Keyv(adapter, { namespace: namespace(concern), throwOnErrors: true }).set(key, { v, value });
          await adapter.disconnect();
        },
      });
    },
  },
  {
    name: 'redis',
    async open(options = {}) {
      const url = testRedisUrl();
      const withPrefix = { prefix: `test-${randomUUID()}`, ...options };
      const store = await track(url, withPrefix);
      const namespace = (concern: Concern) => `${withPrefix.prefix}:${concern}`;
      return Object.assign(store, {
        url,
        reopen: (more: OpenStoreOptions = {}) => track(url, { ...withPrefix, ...more }),
        async writeRaw(concern: Concern, key: string, v: number, value: Record<string, unknown>) {
          const client = createClient({ url });
          await client.connect();
          try {
            if (concern === 'usage') {
              const fields = Object.fromEntries(Object.entries({ ...value, v }).map(([f, x]) => [f, String(x)]));
              await client.hSet(`${namespace(concern)}::${key}`, fields);
            } else {
              const adapter = new KeyvRedis(client, { namespace: namespace(concern), throwOnErrors: true });
              await new Keyv(adapter, { namespace: namespace(concern), useKeyPrefix: false, throwOnErrors: true }).set(key, { v, value });
            }
          } finally {
            await client.close();
          }
        },
      });
    },
  },
];
