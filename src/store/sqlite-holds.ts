import type KeyvSqlite from '@keyv/sqlite';
import type { Counters, Holds } from './backend.js';
import { KeyLock } from './versioned-keyv.js';

/** The table of budget holds, beside Keyv's `keyv` table in the same file. */
export const HOLDS_TABLE = 'budget_holds';

/** Creates the holds table (if missing) and forgets holds that expired before `now`. */
export async function prepareHoldsTable(adapter: KeyvSqlite, now: number): Promise<void> {
  await adapter.query(
    `CREATE TABLE IF NOT EXISTS ${HOLDS_TABLE} (bucket TEXT NOT NULL, id TEXT NOT NULL, tokens INTEGER NOT NULL,
       expires INTEGER NOT NULL, PRIMARY KEY (bucket, id))`,
  );
  await adapter.query(`DELETE FROM ${HOLDS_TABLE} WHERE expires <= ?`, now);
}

/**
 * Holds on SQLite: every `take`, `extend` and `drop` runs under one lock of this process, and `take` writes its rows in
 * one `BEGIN IMMEDIATE` transaction on a connection of its own, so the check (recorded totals read from `counters`,
 * live holds summed from the table) and the writing of the hold are one step for this process, and all-or-nothing on
 * disk. Bucket names carry the store prefix, so two prefixes in one file never share holds.
 */
export function sqliteHolds(adapter: KeyvSqlite, counters: Counters, prefix: string): Holds {
  const lock = new KeyLock();
  const q = (sql: string, ...params: unknown[]) => adapter.query(sql, ...params) as Promise<Record<string, unknown>[]>;
  const bucketOf = (key: string) => `${prefix}:${key}`;
  const inTransaction = async <T>(work: () => Promise<T>): Promise<T> => {
    await q('BEGIN IMMEDIATE');
    try {
      const result = await work();
      await q('COMMIT');
      return result;
    } catch (err) {
      await q('ROLLBACK').catch(() => undefined);
      throw err;
    }
  };

  return {
    take: (id, tokens, buckets, now, expiresAt) =>
      lock.run('holds', async () => {
        const recorded = await Promise.all(buckets.map(async (b) => (await counters.read(b.key))?.totalTokens ?? 0));
        const names = buckets.map((b) => bucketOf(b.key));
        const marks = names.map(() => '?').join(', ');
        return inTransaction(async () => {
          await q(`DELETE FROM ${HOLDS_TABLE} WHERE bucket IN (${marks}) AND expires <= ?`, ...names, now);
          const rows = await q(
            `SELECT bucket, SUM(tokens) AS held FROM ${HOLDS_TABLE} WHERE bucket IN (${marks}) AND id <> ? GROUP BY bucket`,
            ...names, id,
          );
          const heldBy = new Map(rows.map((r) => [String(r.bucket), Number(r.held)]));
          for (const [index, bucket] of buckets.entries()) {
            const held = heldBy.get(names[index]!) ?? 0;
            const used = recorded[index]!;
            if (used + held + tokens > bucket.limit) return { ok: false as const, index, recorded: used, held };
          }
          for (const name of names) {
            await q(
              `INSERT INTO ${HOLDS_TABLE} (bucket, id, tokens, expires) VALUES (?, ?, ?, ?)
                 ON CONFLICT (bucket, id) DO UPDATE SET tokens = excluded.tokens, expires = excluded.expires`,
              name, id, Math.round(tokens), expiresAt,
            );
          }
          return { ok: true as const };
        });
      }),
    extend: (id, keys, _now, expiresAt) =>
      lock.run('holds', async () => {
        const names = keys.map(bucketOf);
        await q(`UPDATE ${HOLDS_TABLE} SET expires = ? WHERE id = ? AND bucket IN (${names.map(() => '?').join(', ')})`, expiresAt, id, ...names);
      }),
    drop: (id, keys) =>
      lock.run('holds', async () => {
        const names = keys.map(bucketOf);
        await q(`DELETE FROM ${HOLDS_TABLE} WHERE id = ? AND bucket IN (${names.map(() => '?').join(', ')})`, id, ...names);
      }),
  };
}
