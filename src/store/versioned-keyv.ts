import type { Keyv } from 'keyv';
import { unwrap, wrap } from './backend.js';

/**
 * Serialises async work per key inside this process, so two read-modify-writes of one key never interleave.
 * (Across processes, only Redis's own atomic commands help; see `Counters` and `IdSets`.)
 */
export class KeyLock {
  readonly #tails = new Map<string, Promise<unknown>>();

  async run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.#tails.get(key) ?? Promise.resolve();
    const result = previous.then(work, work);
    const tail = result.catch(() => undefined);
    this.#tails.set(key, tail);
    try {
      return await result;
    } finally {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    }
  }
}

/**
 * Typed access to one Keyv namespace whose values are wrapped as `{ v: 1, value }`: a value of another version
 * (or of no recognisable shape) reads as absent. `update` is a per-key serialised read-modify-write.
 */
export class VersionedKeyv<T> {
  readonly #keyv: Keyv;
  readonly #lock: KeyLock;

  constructor(keyv: Keyv, lock = new KeyLock()) {
    this.#keyv = keyv;
    this.#lock = lock;
  }

  async get(key: string): Promise<T | undefined> {
    return unwrap<T>(await this.#keyv.get(key));
  }

  /** `ttlMs` undefined = kept until deleted. */
  async set(key: string, value: T, ttlMs?: number): Promise<void> {
    await this.#keyv.set(key, wrap(value), ttlMs);
  }

  async delete(key: string): Promise<void> {
    await this.#keyv.delete(key);
  }

  /**
   * Reads the value, passes it to `change`, and writes what it returns: `undefined` leaves the key as it was, `null`
   * deletes it. Returns the value now stored (undefined when absent).
   */
  async update(key: string, change: (current: T | undefined) => T | null | undefined, ttlMs?: number): Promise<T | undefined> {
    return this.#lock.run(key, async () => {
      const current = await this.get(key);
      const next = change(current);
      if (next === undefined) return current;
      if (next === null) {
        await this.delete(key);
        return undefined;
      }
      await this.set(key, next, ttlMs);
      return next;
    });
  }
}
