import type { Keyv } from 'keyv';
import { wrap } from './backend.js';
import type { CachedResult, ResultCache } from './types.js';
import { VersionedKeyv } from './versioned-keyv.js';

export interface ResultCacheOptions {
  /** Age after which an entry (and a file-hash mapping) reads as absent; also the back end's TTL. */
  maxAgeMs: number;
  /** Largest entry stored, measured as stored (JSON with the Ogg as base64, ~4/3 of its bytes). */
  maxEntryBytes: number;
  /** The clock expiry is judged by (tests pass a fake one). */
  now: () => number;
}

/** A `CachedResult` as JSON can carry it: the voice note's Ogg as base64, plus when the entry expires. */
interface StoredResult extends Omit<CachedResult, 'voiceNote'> {
  expiresAt: number;
  voiceNote?: (Omit<NonNullable<CachedResult['voiceNote']>, 'ogg'> & { ogg: string }) | undefined;
}

interface StoredFileHash {
  hash: string;
  expiresAt: number;
}

/**
 * Finished translations in the `cache` namespace, `result:<key>`, and platform file ids → content hashes,
 * `file:<fileKey>`. Both expire `maxAgeMs` after they are written: by `now()` on read, and by the back end's TTL
 * (Redis drops the key; SQLite rows are dropped when read or at the next open). An entry over `maxEntryBytes` is
 * not stored (a previous entry under the key stays).
 */
export function createResultCache(keyv: Keyv, options: ResultCacheOptions): ResultCache {
  const results = new VersionedKeyv<StoredResult>(keyv);
  const files = new VersionedKeyv<StoredFileHash>(keyv);
  const resultKey = (key: string) => `result:${key}`;
  const fileKey = (key: string) => `file:${key}`;

  return {
    async get(key) {
      const stored = await results.get(resultKey(key));
      if (!stored) return undefined;
      if (options.now() >= stored.expiresAt) {
        await results.delete(resultKey(key));
        return undefined;
      }
      return fromStored(stored);
    },
    async set(key, value) {
      const stored = toStored(value, options.now() + options.maxAgeMs);
      if (Buffer.byteLength(JSON.stringify(wrap(stored))) > options.maxEntryBytes) return;
      await results.set(resultKey(key), stored, options.maxAgeMs);
    },
    async getFileHash(key) {
      const stored = await files.get(fileKey(key));
      if (!stored) return undefined;
      if (options.now() >= stored.expiresAt) {
        await files.delete(fileKey(key));
        return undefined;
      }
      return stored.hash;
    },
    async setFileHash(key, contentHash) {
      await files.set(fileKey(key), { hash: contentHash, expiresAt: options.now() + options.maxAgeMs }, options.maxAgeMs);
    },
  };
}

function toStored(value: CachedResult, expiresAt: number): StoredResult {
  const { voiceNote, ...rest } = value;
  return {
    ...rest,
    expiresAt,
    voiceNote: voiceNote ? { ...voiceNote, ogg: Buffer.from(voiceNote.ogg).toString('base64') } : undefined,
  };
}

function fromStored(stored: StoredResult): CachedResult {
  const { voiceNote, expiresAt: _expiresAt, ...rest } = stored;
  return { ...rest, voiceNote: voiceNote ? { ...voiceNote, ogg: Buffer.from(voiceNote.ogg, 'base64') } : undefined };
}
