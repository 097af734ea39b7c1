import type { Keyv } from 'keyv';
import type { IdSets } from './backend.js';
import type { JobJournal, JournalEntry } from './types.js';
import { KeyLock, VersionedKeyv } from './versioned-keyv.js';

/**
 * Running jobs in the `journal` namespace: the entry at `job:<jobId>`, and each owner's job ids in the id set
 * `owner:<owner>` (a Redis set, or a versioned id list on SQLite) so `list(owner)` needs no scan. Only the owning
 * process writes its entries; inside it, writes to one job are serialised, so `addMessage` never loses a message id.
 * The owner index is written before the entry and cleaned after it, so a crash in between leaves at worst a stale id,
 * which `list` drops. Entries are kept until `remove`d.
 */
export function createJobJournal(keyv: Keyv, idSets: IdSets): JobJournal {
  const lock = new KeyLock();
  const entries = new VersionedKeyv<JournalEntry>(keyv, lock);
  const jobKey = (jobId: string) => `job:${jobId}`;
  const ownerKey = (owner: string) => `owner:${owner}`;

  const read = (jobId: string) => entries.get(jobKey(jobId));
  // the one narrowing of the stored place: an owner's entries were all written by that owner's platform
  const get = async <P>(jobId: string) => (await read(jobId)) as JournalEntry<P> | undefined;

  return {
    async put(entry) {
      const copy = { ...entry, messages: [...entry.messages] };
      await lock.run(jobKey(entry.jobId), async () => {
        const previous = await get(entry.jobId);
        await idSets.add(ownerKey(entry.owner), entry.jobId);
        await entries.set(jobKey(entry.jobId), copy as JournalEntry);
        if (previous && previous.owner !== entry.owner) await idSets.remove(ownerKey(previous.owner), entry.jobId);
      });
    },
    async addMessage(jobId, messageId) {
      await entries.update(jobKey(jobId), (current) => (current ? { ...current, messages: [...current.messages, messageId] } : undefined));
    },
    async setView(jobId, messageId, view) {
      await entries.update(jobKey(jobId), (current) => (current ? { ...current, views: { ...current.views, [messageId]: view } } : undefined));
    },
    async setHeader(jobId, header) {
      await entries.update(jobKey(jobId), (current) => (current ? { ...current, header } : undefined));
    },
    async addEffect(jobId, effect) {
      await entries.update(jobKey(jobId), (current) => (current ? { ...current, effects: [...(current.effects ?? []), effect] } : undefined));
    },
    async remove(jobId) {
      await lock.run(jobKey(jobId), async () => {
        const previous = await get(jobId);
        if (!previous) return;
        await entries.delete(jobKey(jobId));
        await idSets.remove(ownerKey(previous.owner), jobId);
      });
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
