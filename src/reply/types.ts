import type { Clock } from '../clock.js';
import type { TranslateError } from '../errors.js';

/**
 * The reply-stream contract: how streamed text becomes one chat reply that is edited as the text grows.
 *
 * The core (`ReplyStream`) decides WHAT each message shows and WHEN it is written; an adapter (Discord, Slack) only
 * renders a `ReplyView` into its platform's shape and sends it through its SDK.
 *
 * A reply is one or more messages ("parts"). Part 0 is posted at once with empty text (the "translating…" state) and
 * edited as text arrives. When the text outgrows `maxTextLength`, the current part is finalized with as much as fits
 * (`final: true, continued: true`) and the rest goes on in a newly posted part 1, and so on. The concatenation of the
 * parts' final `text`s is exactly the translated text: nothing is trimmed, lost or repeated at a split.
 */
export interface ReplyView {
  /** 0 = the first message; 1, 2, ... = continuation messages posted when the text outgrew one message. */
  part: number;
  /** This message's share of the text so far; never longer than `ReplySurface.maxTextLength`. May be empty. */
  text: string;
  /** This message will never be written again: render it without the in-progress marker. */
  final: boolean;
  /** The text goes on in the next message (only with `final: true`). */
  continued: boolean;
  /** The reply reached its most messages (`maxParts`): this last one shows no more, the rest is in an attached file. */
  overflow?: boolean;
  /** How the whole reply ended; present on the last message's final view only. */
  outcome?: ReplyOutcome;
}

/**
 * How a reply ended. Failed and cancelled replies keep the partial text they had; the adapter shows the error
 * (`userMessage(error)`) or a "cancelled" note beside it.
 */
export type ReplyOutcome =
  /** `truncated`: the model's output cap cut the text short. `footer`: a line under the text (usage, language...). */
  | { status: 'done'; truncated?: boolean; footer?: string }
  | { status: 'failed'; error: TranslateError }
  | { status: 'cancelled' };

/**
 * One reply's messages on one platform; an adapter creates one per reply.
 *
 * - `maxTextLength`: how long `view.text` may be so that the message still fits once the adapter's decoration
 *   (header, marker, footer, error line) is added. At least 1.
 * - `post(view)`: creates the message for `view.part` and returns the handle later passed to `edit`. Part 0 may be
 *   "edit the deferred interaction reply"; parts 1+ are new messages (replies/thread messages after part 0).
 * - `edit(message, view)`: replaces what `message` shows with `view`.
 * - Either may throw (network, 5xx, expired token); the stream logs, retries final views and skips stale ones.
 *   Waiting out a platform 429 inside `post`/`edit` (as discord.js and Slack's client do) is fine: the stream never
 *   has more than one call in flight per reply and never queues stale text behind it.
 */
export interface ReplySurface<M = unknown> {
  readonly maxTextLength: number;
  post(view: ReplyView): Promise<M>;
  edit(message: M, view: ReplyView): Promise<void>;
}

/**
 * When a budget is contended, 'final' writes (a message's last view) are served first, then 'normal' ones (new
 * text), then 'low' ones (a rewrite of unchanged text for its decoration only, e.g. a place in the model queue).
 */
export type WritePriority = 'low' | 'normal' | 'final';

/**
 * A rate budget for writes (posts and edits) to one platform rate-limit scope: a Discord channel or interaction
 * webhook (about 5 writes per 5 s), a Slack workspace's `chat.update` (about 50 per minute). `EditBudget` is the
 * implementation; this interface lets a test or the CLI pass something else.
 *
 * `acquire(priority, signal)` resolves when the caller may make ONE write now, and counts that write. Waiters are
 * served final-first, then normal, then low, and first come first served within a priority. If `signal` aborts while waiting, the waiter leaves the queue
 * and the promise rejects with `signal.reason` (nothing is counted).
 */
export interface WriteBudget {
  acquire(priority?: WritePriority, signal?: AbortSignal): Promise<void>;
}

/** The pino subset the reply stream uses. */
export interface ReplyLogger {
  warn(obj: object, msg: string): void;
}

export interface ReplyStreamOptions<M = unknown> {
  surface: ReplySurface<M>;
  /** Shared by every reply in the surface's rate-limit scope (see `EditBudgets`). */
  budget: WriteBudget;
  clock?: Clock;
  /**
   * Most messages one reply may take; past it the last message stops growing and says the rest is in the attached
   * text file (`ReplyView.overflow`). Default: no limit.
   */
  maxParts?: number;
  /**
   * Per-reply floor between the starts of two writes, in ms. Default 1000. It coalesces a growing text; the last
   * message's final view (once `end` was called) is not held by it, only by the shared budget.
   */
  minIntervalMs?: number;
  /**
   * Write the first text right after the empty "translating…" post instead of waiting out `minIntervalMs` (the
   * budget still applies): the interval exists to coalesce a growing text, not to delay the first words. Default false.
   */
  eagerFirstText?: boolean;
  logger?: ReplyLogger;
}

/** Counters for tests and benchmarks. Times are `clock.now()` values. */
export interface ReplyStreamStats {
  /** Calls made to the surface (posts + edits), failed ones included. */
  writes: number;
  posts: number;
  edits: number;
  /** Surface calls that threw. */
  failedWrites: number;
  /** Non-empty deltas appended before the end. */
  deltas: number;
  /** Deltas that never got a write of their own because a later delta was shown in the same write. */
  coalescedDeltas: number;
  /** When the first write landed (normally the empty part-0 post). */
  firstWriteAt?: number;
  /** When the first write showing some text landed. */
  firstTextWriteAt?: number;
}
