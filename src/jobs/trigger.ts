import type { TranslateError } from '../errors.js';
import type { LanguageCode } from '../languages.js';
import type { JobTrigger } from '../ops/metrics.js';
import type { TranslationAsk } from '../plan.js';
import type { Platform } from '../store/types.js';
import type { ChatJobOutcome } from './types.js';

/**
 * The trigger contract: every way a user (or an auto-translate channel) starts a translation, on every platform,
 * enters the core through `ChatJobs.trigger(t)` with one of these, and gets back a `TriggerResult` that the adapter
 * only renders. The core applies one fixed order of checks (see `ChatJobs.trigger`):
 *
 * 0. not a request at all → `ignored` (a flag on a text-only message, a bot's own message, a channel without
 *    auto-translate).
 * 1. channel allow-list — fails closed: a store that cannot be read refuses (an auto-translate message, which
 *    nobody asked about, is ignored and logged instead). Only in an allowed channel does a flag on a message whose
 *    files the bot cannot see (`filesHidden`) get a refusal saying so. A Retry's id is checked after step 2.
 * 2. per-user abuse limit (triggers per minute). A burst below it is queued, not refused: at most a few jobs per
 *    user run at once and the rest wait in the fair queue, showing their place in line.
 * 3. media and size refusals, before anything is downloaded.
 * 4. the target: typed ask (validated; a bad choice names its `field`) / flag / default (saved preference → server
 *    default → client locale → English) / the channel's auto-translate languages; the user's saved voice and
 *    text-only apply where the ask does not say.
 * 5. one job per file (and language), run one after another in order, each deduplicated against running jobs.
 */

/** One file a trigger points at, as the platform describes it before any download. */
export interface TriggerFile {
  /** The platform's file id (Discord attachment id, Slack file id): dedupe key and the cache's file index. */
  id: string;
  /** What the reply's header calls it ("voice message", "audio clip", the file name). */
  label: string;
  /** Declared type, name and size, for the refusals before download (the bytes decide later what it really is). */
  contentType?: string | null | undefined;
  name?: string | null | undefined;
  size?: number | undefined;
  /** Where it is downloaded from (platform credentials are added when the job runs, never stored). */
  url: string;
}

export type TriggerTarget =
  /** Typed by the user: /translate, the Slack modal, "Translate to…". Validated before anything is posted. */
  | { kind: 'ask'; ask: TranslationAsk }
  /** A flag reaction. */
  | { kind: 'flag'; language: LanguageCode }
  /** "Translate": the user's saved preference → the server default → the client's locale → English. */
  | { kind: 'default' }
  /** An auto-translate channel: the languages the server configured for it. */
  | { kind: 'auto' }
  /** The Retry button of job `jobId`: the same request again, with the same privacy. */
  | { kind: 'retry'; jobId: string };

/** Where a trigger happened and who asked; also what Cancel and Retry clicks carry. */
export interface TriggerWhere {
  platform: Platform;
  /** Guild / workspace; undefined in a DM. */
  serverId: string | undefined;
  channelId: string;
  userId: string;
}

export interface Trigger<P> extends TriggerWhere {
  kind: Exclude<JobTrigger, 'cli'>;
  target: TriggerTarget;
  /** The message's (or command's) files, in order; the core picks the audio and video among them. */
  files: TriggerFile[];
  /** The user's client locale (e.g. `ja`, `pt-BR`), for the default target. */
  locale?: string | undefined;
  /** The user asked for a reply only they can see (Discord `/translate private:true`). */
  private?: boolean | undefined;
  /** The message was posted by a bot (never auto-translated: the bot's own speech would translate itself). */
  byBot?: boolean | undefined;
  /** The platform hides this message's files from the bot (Discord without Message Content): say what works. */
  filesHidden?: boolean | undefined;
  /** Makes this trigger's jobs their own (an explicit command); menus and reactions on one file share a job. */
  unique?: string | undefined;
  /** Where the reply of the `n`-th job (0-based) lives; `isPrivate` as decided (Retry keeps the original's). */
  placeFor(n: number, isPrivate: boolean): P;
  /** Called once, just before the first job starts: defer an interaction, close a modal. */
  acknowledge?(isPrivate: boolean): Promise<void>;
}

/** Which input of a form a refusal is about (Slack shows it on the modal's field). */
export type TriggerField = 'to' | 'from' | 'voice' | 'file';

export type TriggerResult =
  /** Not a request (nothing to say): see step 0. */
  | { status: 'ignored' }
  /**
   * Turned away before any job: show `userMessage(reason)` to the requester only (see `triggerNotice`). `quiet`:
   * the requester was already told this a moment ago (a flood of flags past the abuse limit): show nothing.
   */
  | { status: 'refused'; reason: TranslateError; field?: TriggerField | undefined; quiet?: true | undefined }
  /** Every job it asked for is already running: show `NOTICES.alreadyRunning` to the requester only. */
  | { status: 'deduplicated' }
  /**
   * `jobs` jobs started (`duplicates` more were already running: say so too). `done` resolves when the last one
   * ends, with every outcome in order; it never rejects.
   */
  | { status: 'started'; jobs: number; duplicates: number; done: Promise<ChatJobOutcome[]> };

/** The answer to a Cancel click, already decided: `refused` carries the sentence for the clicker only. */
export type CancelResult = { status: 'cancelled' } | { status: 'refused'; notice: string };
