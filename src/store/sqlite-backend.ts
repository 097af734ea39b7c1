import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import KeyvSqlite from '@keyv/sqlite';
import { Keyv } from 'keyv';
import { CONCERNS, type Backend, type Concern, type Counters, type IdSets } from './backend.js';
import { prepareHoldsTable, sqliteHolds } from './sqlite-holds.js';
import { KeyLock, VersionedKeyv } from './versioned-keyv.js';

/** How long a writer waits for another connection's lock on the file before failing, ms. */
const BUSY_TIMEOUT_MS = 5_000;

/**
 * The embedded back end: one SQLite file (`:memory:` for tests), Keyv's standard `keyv` table, one `@keyv/sqlite`
 * connection per concern (so each Keyv instance keeps its own namespace), WAL mode for files. Meant for one bot
 * process: counters and id sets are read-modify-writes serialised per key inside this process.
 *
 * Throws (with the driver's message) when the file cannot be created or opened; the caller names STORE_URL.
 */
export async function openSqliteBackend(path: string, prefix: string): Promise<Backend> {
  const file = path === ':memory:' ? path : resolve(path);
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });

  const adapters: KeyvSqlite[] = [];
  const open = async (): Promise<KeyvSqlite> => {
    const adapter = new KeyvSqlite({ uri: `sqlite://${file}`, busyTimeout: BUSY_TIMEOUT_MS });
    // Keyv forwards the adapter's 'error' events; without a listener EventEmitter would throw them.
    adapter.on('error', () => undefined);
    adapters.push(adapter);
    await adapter.query('SELECT 1');
    return adapter;
  };

  try {
    const first = await open();
    if (file !== ':memory:') await first.query('PRAGMA journal_mode=WAL');
    for (let i = 1; i < CONCERNS.length; i++) await open();
    // budget holds run their transactions on a connection of their own, after the concerns' connections
    await prepareHoldsTable(await open(), Date.now());
    await pruneExpired(first, prefix);
  } catch (err) {
    await Promise.allSettled(adapters.map((a) => a.disconnect()));
    throw err;
  }

  const keyv = Object.fromEntries(
    CONCERNS.map((concern, i) => [concern, new Keyv(adapters[i], { namespace: `${prefix}:${concern}`, throwOnErrors: true })]),
  ) as Record<Concern, Keyv>;

  let closed = false;
  const counters = keyvCounters(keyv.usage);
  return {
    kind: 'sqlite',
    keyv,
    counters,
    idSets: keyvIdSets(keyv.journal),
    holds: sqliteHolds(adapters[CONCERNS.length]!, counters, prefix),
    async ping() {
      if (closed) throw new Error('the store is closed');
      await Promise.all(adapters.map((a) => a.query('SELECT 1')));
    },
    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(adapters.map((a) => a.disconnect()));
    },
  };
}

/**
 * SQLite never drops an expired row by itself (Keyv deletes one only when it is read), so expired cache entries,
 * voice notes included, are removed at open. Keyv stores `{"value":...,"expires":ms}` as JSON text.
 */
async function pruneExpired(adapter: KeyvSqlite, prefix: string): Promise<void> {
  const start = `${prefix}:`;
  await adapter.query(
    `DELETE FROM ${adapter.opts.table ?? 'keyv'} WHERE substr(key, 1, ?) = ? AND json_valid(value)
       AND json_extract(value, '$.expires') IS NOT NULL AND json_extract(value, '$.expires') < ?`,
    start.length,
    start,
    Date.now(),
  );
}

function keyvCounters(keyv: Keyv): Counters {
  const values = new VersionedKeyv<Record<string, number>>(keyv, new KeyLock());
  return {
    async add(key, deltas, ttlMs) {
      await values.update(
        key,
        (current) => {
          const next = { ...current };
          for (const [field, delta] of Object.entries(deltas)) next[field] = (next[field] ?? 0) + delta;
          return next;
        },
        ttlMs,
      );
    },
    read: (key) => values.get(key),
  };
}

function keyvIdSets(keyv: Keyv): IdSets {
  const values = new VersionedKeyv<string[]>(keyv, new KeyLock());
  return {
    async add(key, id) {
      await values.update(key, (ids = []) => (ids.includes(id) ? undefined : [...ids, id]));
    },
    async remove(key, ...ids) {
      await values.update(key, (current) => {
        if (!current) return undefined;
        const next = current.filter((id) => !ids.includes(id));
        if (next.length === current.length) return undefined;
        return next.length ? next : null;
      });
    },
    async members(key) {
      return [...((await values.get(key)) ?? [])];
    },
  };
}
