import type { VoiceNote } from '../audio/voice-encoder.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { IntakeOptions, MediaSource } from '../media/types.js';
import type { TranslationAsk } from '../plan.js';
import type { ReplySurface, WriteBudget } from '../reply/types.js';
import type { TranslatorLike, Usage } from '../translator/types.js';
import type { JobTrigger } from '../ops/metrics.js';
import type { JobScope } from './limits.js';
import type { JobServices } from './obtain-result.js';

/**
 * Chat jobs: one translation started from a chat (slash command, context menu, shortcut, reaction), shown as one
 * streamed reply and, when the target can be spoken, followed by a voice note.
 *
 * The core owns the whole flow (`runChatJob`): the reply appears at once in its "translating…" state, the request
 * is validated and the media prepared, text streams into the reply under the scope's edit budget, the reply ends
 * with a footer or a clear error (never left in progress), then the voice note is posted. An adapter supplies a
 * `ChatSurface` (how its platform shows a reply and a voice note) and nothing else.
 */

/** What the reply's header says once the request is understood. */
export interface ReplyHeader {
  /** e.g. "🇨🇳 Chinese → 🇯🇵 Japanese" or "auto-detected → 🇯🇵 Japanese". */
  languages: string;
  /** The voice speaking the translation, or undefined for text only. */
  voice: string | undefined;
  /** The file being translated, when known. */
  fileName: string | undefined;
  /** Substitutions and limits the user should know (voice replaced, text-only language, video sent as audio). */
  notices: string[];
  /** The target language's English name (e.g. the title of Slack's audio file). */
  targetName?: string | undefined;
  /**
   * What it is doing now, shown with the in-progress marker and gone once it ends: "Waiting for the translator: 2nd
   * in line", or for a long recording "Segment 3 of 24 · 12:30 / 58:10".
   */
  progress?: string | undefined;
}

/**
 * The translated speech while the model streams it (mono 16-bit PCM at the rate `openSpeech` was given), for a
 * surface that re-encodes it as it arrives (Slack's MP3). The chunks are the surface's to copy, never to keep.
 */
export interface SpeechFeed {
  write(pcm: Int16Array): void;
  /** The model finished: no more audio. `postVoiceNote` follows when the job has a voice note to post. */
  end(): void;
  /** Nothing from this feed will be posted (a failure, a cancel, no note): stop and free it. Idempotent. */
  abort(): void;
}

/**
 * One reply on one platform (an adapter makes one per job). Beyond the `ReplySurface` writes:
 * - `setHeader` is called once the request is planned and media inspected, before any translated text; the adapter
 *   renders it in every later view. Notices may be added again later (call replaces).
 * - `postVoiceNote` is called once the text's final view is on its way (`ReplyStream.finalSent`: an edit of the reply's
 *   messages, which already exist, carrying the whole text; in parallel with it, so the speech does not wait for that
 *   edit's round trip nor the per-reply interval). It should fall back by itself where the
 *   platform refuses voice messages (Discord 50173 → a plain audio file) and may throw only when nothing could be
 *   posted; the job then logs it and tells the user in a short follow-up through `postNotice`.
 * - `postNotice` posts a short standalone line in the reply's place (a thread reply, a follow-up).
 * - `postTextFile` attaches the whole translation as a text file, called after the final view when the text is
 *   longer than `LONG_TEXT_CHARS` (several messages): easier to read, copy and keep than a run of messages.
 */
export interface ChatSurface<M = unknown> extends ReplySurface<M> {
  /**
   * Clock time after which this reply can no longer be written (a Discord ephemeral reply lives on a 15-minute
   * token), or undefined. The job is ended with REPLY_EXPIRING just before, so the reply never stays "translating…".
   */
  readonly writableUntil?: number | undefined;
  setHeader(header: ReplyHeader): void;
  /**
   * A message of this reply that is already on screen because a worker that died posted it (the job was taken over,
   * see `journaledSurface`): later writes treat it as this surface's own, with `shown` the text it shows.
   */
  adopt?(message: M, part: number, shown: string): void;
  /**
   * Optional: called when the first chunk of speech arrives (a single-answer translation with a voice; never for a
   * cached or shared result, nor a long recording's segments), fed every chunk after it, ended when the model ends
   * and aborted when the job does not post a note from it. `postVoiceNote` may then use what it made, once it checked
   * it is the same speech (the note's `samples` and `sampleRate`), instead of converting the note afterwards.
   */
  openSpeech?(sampleRate: number): SpeechFeed | undefined;
  postVoiceNote(note: VoiceNote): Promise<void>;
  postNotice(text: string): Promise<void>;
  postTextFile(name: string, text: string): Promise<void>;
}

/** Past this many characters a translation is also attached as a .txt file. */
export const LONG_TEXT_CHARS = 4_000;

/** Most messages one reply takes; past them the text goes on only in the attached `translation.txt`. */
export const MAX_REPLY_MESSAGES = 5;

/**
 * What one chat job translates, for whom and from where: built by the trigger pipeline, run by `runChatJob`, kept
 * for Retry and written to the journal (so it is plain JSON: platform credentials are added when the job runs).
 */
export interface ChatJobRequest {
  source: MediaSource;
  /** What the reply's header calls the file. */
  fileName: string;
  ask: TranslationAsk;
  /** Dedupe key (see `jobKey`). */
  key: string;
  /** Platform file id (e.g. `discord:<attachment id>`), to find a cached result before downloading. */
  fileKey?: string | undefined;
  /** Who it is for: budgets, the usage ledger and fair queueing (`serverId` is `dm:<user>` in a DM). */
  scope: JobScope;
  /** Where it was asked (server undefined in a DM): Retry and Cancel clicks must come from the same place. */
  where: { serverId: string | undefined; channelId: string };
  /** Only the requester sees the reply (Retry keeps it so). */
  private: boolean;
  /** What started it, for metrics. */
  trigger: JobTrigger;
}

/** Dedupe key: the same file into the same language, voice and mode runs once at a time; `unique` opts out. */
export function jobKey(fileId: string, ask: TranslationAsk, unique = ''): string {
  return [fileId, ask.to, ask.voice ?? '', ask.textOnly ? 'text' : '', ...(ask.audioOnly ? ['sound'] : []), unique].join(':');
}

export interface ChatJobDeps {
  translator: TranslatorLike;
  intake: Omit<IntakeOptions, 'signal'>;
  /** The edit budget of the reply's platform rate-limit scope (shared with other jobs there). */
  budget: WriteBudget;
  logger: Logger;
  clock?: Clock;
  /** Per-reply floor between writes (default 1000 ms). */
  minIntervalMs?: number;
  /** Cache, ledger, budgets and the model queue (all optional). */
  services?: JobServices;
}

export type ChatJobOutcome =
  | { status: 'done'; text: string; usage: Usage | undefined; truncated: boolean; voice: 'posted' | 'none' | 'failed'; from: 'model' | 'cache' | 'shared' }
  | { status: 'failed'; code: string; retryable: boolean }
  | { status: 'cancelled' };
