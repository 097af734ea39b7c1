import type { Keyv } from 'keyv';
import type { IdSets } from './backend.js';
import type { JobJournal, JournalEntry } from './types.js';
import { KeyLock, VersionedKeyv } from './versioned-keyv.js';

/** An interaction token (Discord) can be used this long after it was issued. */
export const INTERACTION_TOKEN_LIFE_MS = 15 * 60_000;
/** An entry holding an interaction token is kept this long past the token's end (a quick restart still sees it). */
export const TOKEN_ENTRY_MARGIN_MS = 5 * 60_000;
/** An entry holding a token is kept at least this long after each write: its job still runs (a public reply goes on with the bot's token). */
export const RUNNING_ENTRY_KEEP_MS = 15 * 60_000;
/** Any other entry is kept this long after its last write (a running job writes at every edit). */
export const ENTRY_KEEP_MS = 24 * 60 * 60_000;

/**
 * When the reply's place holds an interaction token, when it was issued: the journal reads only `token` and
 * `createdAt` of the otherwise opaque place (Discord's interaction replies carry both; a place without them is none).
 */
function tokenIssuedAt(place: unknown): number | undefined {
  const p = place as { token?: unknown; createdAt?: unknown } | null;
  return typeof p?.token === 'string' && typeof p.createdAt === 'number' ? p.createdAt : undefined;
}

/**
 * How long an entry written now is kept: a crashed process that is never restarted under the same
 * `LIVETRANSLATE_INSTANCE` must not keep interaction tokens and signed file URLs for ever. An entry with an
 * interaction token lives until the token is dead plus a margin (and while its job still writes it); any other, a day
 * after its last write.
 */
export function journalEntryTtlMs(entry: JournalEntry, now: number): number {
  const issuedAt = tokenIssuedAt(entry.place);
  if (issuedAt === undefined) return ENTRY_KEEP_MS;
  return Math.max(issuedAt + INTERACTION_TOKEN_LIFE_MS + TOKEN_ENTRY_MARGIN_MS - now, RUNNING_ENTRY_KEEP_MS);
}

/**
 * Running jobs in the `journal` namespace: the entry at `job:<jobId>`, and each owner's job ids in the id set
 * `owner:<owner>` (a Redis set, or a versioned id list on SQLite) so `list(owner)` needs no scan. Only the owning
 * process writes its entries; inside it, writes to one job are serialised, so `addMessage` never loses a message id.
 * The owner index is written before the entry and cleaned after it, so a crash in between leaves at worst a stale id,
 * which `list` drops. Entries are kept until `remove`d or until they expire (`journalEntryTtlMs`, renewed by each write).
 */
export function createJobJournal(keyv: Keyv, idSets: IdSets): JobJournal {
  const lock = new KeyLock();
  const entries = new VersionedKeyv<JournalEntry>(keyv, lock);
  const jobKey = (jobId: string) => `job:${jobId}`;
  const ownerKey = (owner: string) => `owner:${owner}`;

  const read = (jobId: string) => entries.get(jobKey(jobId));
  // the one narrowing of the stored place: an owner's entries were all written by that owner's platform
  const get = async <P>(jobId: string) => (await read(jobId)) as JournalEntry<P> | undefined;
  /**
   * The entries of the jobs this process is running, as last written: the job's own updates (one before every edit
   * of its reply) modify this copy instead of reading the store first, which halved the store's queries per edit.
   * `get`/`list` (recovery, a take-over by another worker) still read the store.
   */
  const live = new Map<string, JournalEntry>();
  const write = (entry: JournalEntry) => {
    live.set(entry.jobId, entry);
    return entries.set(jobKey(entry.jobId), entry, journalEntryTtlMs(entry, Date.now()));
  };
  /** A read-modify-write of an existing entry (none: nothing happens), its expiry renewed. */
  const update = (jobId: string, change: (current: JournalEntry) => JournalEntry) =>
    lock.run(jobKey(jobId), async () => {
      const current = live.get(jobId) ?? await read(jobId);
      if (current) await write(change(current));
    });

  return {
    async put(entry) {
      const copy = { ...entry, messages: [...entry.messages] };
      await lock.run(jobKey(entry.jobId), async () => {
        const previous = await get(entry.jobId);
        await idSets.add(ownerKey(entry.owner), entry.jobId);
        await write(copy as JournalEntry);
        if (previous && previous.owner !== entry.owner) await idSets.remove(ownerKey(previous.owner), entry.jobId);
      });
    },
    async addMessage(jobId, messageId) {
      await update(jobId, (current) => ({ ...current, messages: [...current.messages, messageId] }));
    },
    async setView(jobId, messageId, view) {
      await update(jobId, (current) => ({ ...current, views: { ...current.views, [messageId]: view } }));
    },
    async setHeader(jobId, header) {
      await update(jobId, (current) => ({ ...current, header }));
    },
    async addEffect(jobId, effect) {
      await update(jobId, (current) => ({ ...current, effects: [...(current.effects ?? []), effect] }));
    },
    async remove(jobId) {
      await lock.run(jobKey(jobId), async () => {
        live.delete(jobId);
        const previous = await get(jobId);
        if (!previous) return;
        await entries.delete(jobKey(jobId));
        await idSets.remove(ownerKey(previous.owner), jobId);
      });
    },
    release(jobId) {
      live.delete(jobId);
    },
    async list<P>(owner: string) {
      const ids = await idSets.members(ownerKey(owner));
      const found = await Promise.all(ids.map(async (id) => ({ id, entry: await get<P>(id) })));
      const stale = found.filter(({ entry }) => entry?.owner !== owner).map(({ id }) => id);
      // Re-checked under each job's lock, so an entry being put right now keeps its index id.
      await Promise.all(
        stale.map((id) =>
          lock.run(jobKey(id), async () => {
            if ((await get(id))?.owner !== owner) await idSets.remove(ownerKey(owner), id);
          }),
        ),
      );
      return found
        .flatMap(({ entry }) => (entry?.owner === owner ? [entry] : []))
        .sort((a, b) => a.startedAt - b.startedAt || a.jobId.localeCompare(b.jobId));
    },
    get,
  };
}
