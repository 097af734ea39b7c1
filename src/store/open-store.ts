import type { Backend } from './backend.js';
import { createJobJournal } from './job-journal.js';
import { createResultCache } from './result-cache.js';
import { createSettingsStore } from './settings-store.js';
import type { Store } from './types.js';
import { createUsageLedger } from './usage-ledger.js';

export const DEFAULT_CACHE_MAX_AGE_MS = 7 * 24 * 60 * 60 * 1000;
export const DEFAULT_CACHE_MAX_ENTRY_BYTES = 8 * 1024 * 1024;
export const DEFAULT_STORE_PREFIX = 'livetranslate';

export interface OpenStoreOptions {
  /** How long a cached result (and a file id → hash mapping) is kept, ms. Default 7 days. */
  cacheMaxAgeMs?: number | undefined;
  /** Largest cached result stored, bytes as stored (the Ogg travels as base64). Default 8 MiB. */
  cacheMaxEntryBytes?: number | undefined;
  /** The clock cache expiry is judged by. Default `Date.now`. */
  now?: (() => number) | undefined;
  /**
   * First part of every namespace (`<prefix>:settings`, ...). Default `livetranslate`. Two deployments sharing one
   * Redis need distinct prefixes; tests use a fresh one each.
   */
  prefix?: string | undefined;
  /** Background failures no call returns (a Redis connection dropping, reconnect attempts); for the log. */
  onError?: ((err: unknown) => void) | undefined;
}

/**
 * Thrown by `openStore` when `STORE_URL` is malformed or its back end cannot be opened or reached at start.
 * The message names STORE_URL (password masked) and the cause; `cause` keeps the driver's error.
 */
export class StoreOpenError extends Error {
  /** The URL with any password masked. */
  readonly storeUrl: string;

  constructor(storeUrl: string, problem: string, options?: { cause?: unknown }) {
    super(`STORE_URL=${storeUrl}: ${problem}`, options);
    this.name = 'StoreOpenError';
    this.storeUrl = storeUrl;
  }
}

/**
 * Opens the store `STORE_URL` names:
 * - `sqlite://<path>`: a file relative to the working directory or absolute (`sqlite:///var/lib/x.sqlite`); its
 *   directory is created. `sqlite://:memory:` keeps everything in memory (tests). For one bot process.
 * - `redis://[user:password@]host:port[/db]` or `rediss://...` (TLS): for several bot processes.
 *
 * Resolves once the back end answered; rejects with a `StoreOpenError` otherwise. Every value is written as
 * `{ v: 1, value }`; a value of another version reads as absent. After `close()`, `ping()` throws.
 */
export async function openStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  const shown = maskPassword(url);
  const prefix = options.prefix ?? DEFAULT_STORE_PREFIX;
  let backend: Backend;
  if (url.startsWith('sqlite://')) {
    const path = url.slice('sqlite://'.length);
    if (!path) throw new StoreOpenError(shown, 'no SQLite file path (expected sqlite://./data/livetranslate.sqlite)');
    // each back end (and its driver) is loaded only when STORE_URL names it
    const { openSqliteBackend } = await import('./sqlite-backend.js');
    backend = await openSqliteBackend(path, prefix).catch((err: unknown) => {
      throw new StoreOpenError(shown, `cannot open the SQLite database (${describe(err)})`, { cause: err });
    });
  } else if (url.startsWith('redis://') || url.startsWith('rediss://')) {
    const { openRedisBackend } = await import('./redis-backend.js');
    backend = await openRedisBackend(url, prefix, options.onError ?? (() => undefined)).catch((err: unknown) => {
      throw new StoreOpenError(shown, `cannot reach Redis (${describe(err)})`, { cause: err });
    });
  } else {
    throw new StoreOpenError(shown, 'unsupported store, expected sqlite://path or redis://host:port');
  }

  return {
    kind: backend.kind,
    ...(backend.redis ? { redis: backend.redis } : {}),
    settings: createSettingsStore(backend.keyv.settings),
    cache: createResultCache(backend.keyv.cache, {
      maxAgeMs: options.cacheMaxAgeMs ?? DEFAULT_CACHE_MAX_AGE_MS,
      maxEntryBytes: options.cacheMaxEntryBytes ?? DEFAULT_CACHE_MAX_ENTRY_BYTES,
      now: options.now ?? Date.now,
    }),
    usage: createUsageLedger(backend.counters, backend.holds),
    journal: createJobJournal(backend.keyv.journal, backend.idSets),
    ping: () => backend.ping(),
    close: () => backend.close(),
  };
}

/** `redis://user:secret@host` → `redis://user:***@host`; anything unparsable is shown as given. */
function maskPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.password) return url;
    parsed.password = '***';
    return parsed.toString();
  } catch {
    return url;
  }
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message || err.name;
  return String(err);
}
