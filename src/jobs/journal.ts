import { TranslateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { ReplyView } from '../reply/types.js';
import type { JobJournal, JournalEntry } from '../store/types.js';
import type { ChatSurface } from './types.js';

/**
 * Writes down where a job's reply lives as it is posted and what each message shows, so that a process killed
 * mid-stream leaves enough for the next start to finish the reply as "interrupted" (see `recoverInterrupted`), or for
 * another worker of the shared queue to take the job over (`resumeFrom`). An edit's text is journaled BEFORE the edit
 * is sent, so the journal is never behind the screen (at worst a few words ahead of it). Voice notes, text files and
 * notices are recorded once they landed (`JournalEntry.effects`). Journal failures are logged and never stop the job.
 *
 * `resumeFrom` (the entry a dead worker left): the job runs again on the same reply. A message already posted for a
 * part is edited instead of posted again, and an effect already recorded is not repeated, so the user sees the
 * reply finish once — never a second reply, a second voice note or a second file.
 */
export function journaledSurface<M>(
  surface: ChatSurface<M>, journal: JobJournal, jobId: string, log: Logger, resumeFrom?: JournalEntry,
): ChatSurface<M> {
  const note = (p: Promise<void>) => void p.catch((err: unknown) => log.warn({ err }, 'journal write failed'));
  const posted = new Map<number, string>(Object.entries(resumeFrom?.views ?? {}).map(([id, v]) => [v.part, id]));
  for (const [id, v] of Object.entries(resumeFrom?.views ?? {})) surface.adopt?.(id as M, v.part, v.text);
  const done = new Set(resumeFrom?.effects ?? []);
  /** Runs a side effect once across workers: skipped when recorded, recorded once it landed. */
  const once = async (effect: string, post: () => Promise<void>) => {
    if (done.has(effect)) return;
    await post();
    done.add(effect);
    await journal.addEffect(jobId, effect).catch((err: unknown) => log.warn({ err }, 'journal write failed'));
  };
  let voiceNotes = 0;
  /** The journal write of the latest edit (see `postVoiceNote`). */
  let lastEdit: Promise<unknown> = Promise.resolve();
  return {
    maxTextLength: surface.maxTextLength,
    setHeader(h) {
      surface.setHeader(h);
      note(journal.setHeader(jobId, h));
    },
    async post(view: ReplyView) {
      const existing = posted.get(view.part);
      if (existing !== undefined) {
        // taken over from a worker that died: this part's message is already on screen
        await journal.setView(jobId, existing, { part: view.part, text: view.text }).catch((err: unknown) => log.warn({ err }, 'journal write failed'));
        await surface.edit(existing as M, view);
        return existing as M;
      }
      const message = await surface.post(view);
      // awaited: a worker killed right after posting must leave the message id behind, or the worker taking the job
      // over would post a second reply (the window left is one journal write, a few ms)
      await journal.addMessage(jobId, String(message))
        .then(() => journal.setView(jobId, String(message), { part: view.part, text: view.text }))
        .catch((err: unknown) => log.warn({ err }, 'journal write failed'));
      return message;
    },
    async edit(message: M, view: ReplyView) {
      const noted = journal.setView(jobId, String(message), { part: view.part, text: view.text }).catch((err: unknown) => log.warn({ err }, 'journal write failed'));
      lastEdit = noted;
      await noted;
      await surface.edit(message, view);
    },
    writableUntil: surface.writableUntil,
    ...(surface.openSpeech ? { openSpeech: (rate: number) => surface.openSpeech!(rate) } : {}),
    // what follows the reply may be posted while its final edit is still being journaled: it goes after that edit
    // reached the surface (the same journal write resolves the edit's wait first)
    postVoiceNote: (n) => lastEdit.then(() => once(`voice:${++voiceNotes}`, () => surface.postVoiceNote(n))),
    postNotice: (t) => lastEdit.then(() => once(`notice:${t}`, () => surface.postNotice(t))),
    postTextFile: (n, t) => lastEdit.then(() => once(`file:${n}`, () => surface.postTextFile(n, t))),
  };
}

/**
 * On start: every job this process (`owner`) left in the journal — killed mid-stream, or stopped by a shutdown —
 * gets its reply finished as "interrupted" with its text kept and a Retry button, and its request handed to
 * `remember` so Retry works. Each entry gets one attempt and then leaves the journal, finished or not: a reply the
 * platform no longer lets us write (an expired interaction token, a deleted message) is never tried again, and one
 * whose surface is past `writableUntil` is not tried at all. Returns how many replies were finished.
 */
export async function recoverInterrupted<P>(
  journal: JobJournal, owner: string, surfaceFor: (entry: JournalEntry<P>) => ChatSurface<string>,
  remember: (entry: JournalEntry<P>) => void, log: Logger, now: () => number = Date.now,
): Promise<number> {
  const entries = await journal.list<P>(owner);
  let finished = 0;
  for (const entry of entries) if (await endInterrupted(journal, entry, surfaceFor, remember, log, now)) finished++;
  if (entries.length) log.info({ found: entries.length, finished }, 'interrupted replies finished');
  return finished;
}

/**
 * Ends one journaled reply as "interrupted" (text kept, Retry offered) and removes its entry, whatever happens: see
 * `recoverInterrupted`. Also used for a job of the shared queue that no worker could finish (every worker that took
 * it died). True when the reply was updated.
 */
export async function endInterrupted<P>(
  journal: JobJournal, entry: JournalEntry<P>, surfaceFor: (entry: JournalEntry<P>) => ChatSurface<string>,
  remember: (entry: JournalEntry<P>) => void, log: Logger, now: () => number = Date.now,
): Promise<boolean> {
  try {
    const surface = surfaceFor(entry);
    const until = surface.writableUntil;
    if (until !== undefined && now() >= until + 60_000) {
      log.info({ jobId: entry.jobId }, 'interrupted reply can no longer be written (its token expired); dropped');
      return false;
    }
    if (entry.header) surface.setHeader(entry.header);
    remember(entry);
    const outcome = { status: 'failed' as const, error: new TranslateError('INTERRUPTED') };
    const views = Object.entries(entry.views ?? {}).sort(([, a], [, b]) => a.part - b.part);
    const last = views.at(-1);
    if (last) await surface.edit(last[0], { part: last[1].part, text: last[1].text, final: true, continued: false, outcome });
    else await surface.post({ part: 0, text: '', final: true, continued: false, outcome });
    return true;
  } catch (err) {
    log.warn({ err, jobId: entry.jobId }, 'could not finish an interrupted reply; dropped');
    return false;
  } finally {
    await journal.remove(entry.jobId).catch((err: unknown) => log.warn({ err }, 'journal write failed'));
  }
}
