import type { Keyv } from 'keyv';
import type { SharedRedis } from './types.js';

/**
 * What the typed stores (settings, result cache, usage ledger, job journal) need from a back end; `openStore` builds
 * one per `STORE_URL` scheme (`sqlite-backend.ts`, `redis-backend.ts`). Internal to `src/store`.
 *
 * - `keyv[concern]` is one Keyv namespace per concern, created with `throwOnErrors` so a failing back end surfaces as
 *   a rejected promise instead of reading as "absent".
 * - `counters` (in the usage namespace) and `idSets` (in the journal namespace) are the two shapes that several writers
 *   may touch at once: Redis implements them atomically (HINCRBY, SADD/SREM); SQLite, which one process owns, with a
 *   read-modify-write serialised per key inside the process.
 * - `holds` (budget holds of running jobs) are checked against the counters and written in one atomic step: a Lua
 *   script on Redis, a transaction serialised inside the process on SQLite.
 */
export type Concern = 'settings' | 'cache' | 'usage' | 'journal';

export const CONCERNS: readonly Concern[] = ['settings', 'cache', 'usage', 'journal'];

/** Named integer counters under one key (a usage bucket). */
export interface Counters {
  /** Adds each delta to its field; `ttlMs` (optional) makes the whole key expire that long after this write. */
  add(key: string, deltas: Readonly<Record<string, number>>, ttlMs?: number): Promise<void>;
  /** Every field of the key; undefined when the key is absent or was written under an unknown schema version. */
  read(key: string): Promise<Record<string, number> | undefined>;
}

/** Unordered sets of ids under one key (a journal owner's job ids). */
export interface IdSets {
  add(key: string, id: string): Promise<void>;
  remove(key: string, ...ids: string[]): Promise<void>;
  members(key: string): Promise<string[]>;
}

/** One budget a hold is checked against: a counter key of `counters` (its `totalTokens` field) and its limit. */
export interface HoldBucket {
  key: string;
  limit: number;
}

/** What `Holds.take` answers: the hold was added to every bucket, or to none because `index` had no room. */
export type TakeOutcome =
  | { ok: true }
  | { ok: false; index: number; recorded: number; held: number };

/**
 * Token holds of running jobs, next to the counters they are checked against. A hold is `tokens` under an `id`
 * on each bucket, until `expiresAt` (ms) passes or it is dropped. Redis implements `take` as one Lua script;
 * SQLite as one transaction on its own table, serialised inside the process.
 */
export interface Holds {
  /**
   * In one atomic step: forgets the expired holds of these buckets, then, when every bucket has
   * `totalTokens + live holds + tokens <= limit`, adds the hold on all of them; otherwise adds nothing and names
   * the first bucket without room, with its recorded and held tokens.
   */
  take(id: string, tokens: number, buckets: readonly HoldBucket[], now: number, expiresAt: number): Promise<TakeOutcome>;
  /** Moves the expiry of a live hold (no-op for a hold that is gone). */
  extend(id: string, keys: readonly string[], now: number, expiresAt: number): Promise<void>;
  drop(id: string, keys: readonly string[]): Promise<void>;
}

export interface Backend {
  readonly kind: 'sqlite' | 'redis';
  readonly keyv: Readonly<Record<Concern, Keyv>>;
  readonly counters: Counters;
  readonly idSets: IdSets;
  readonly holds: Holds;
  /** Redis only: the connection for limits shared between processes (see `SharedRedis`). */
  readonly redis?: SharedRedis | undefined;
  /** Throws when the back end does not answer (or the store was closed). */
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** The schema version every value is written with; anything else reads as absent. */
export const SCHEMA_VERSION = 1;

/** How every value is wrapped. */
export interface Versioned<T> {
  v: typeof SCHEMA_VERSION;
  value: T;
}

export function unwrap<T>(raw: unknown): T | undefined {
  if (typeof raw !== 'object' || raw === null) return undefined;
  const record = raw as Partial<Versioned<T>>;
  return record.v === SCHEMA_VERSION ? record.value : undefined;
}

export function wrap<T>(value: T): Versioned<T> {
  return { v: SCHEMA_VERSION, value };
}
