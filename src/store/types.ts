import type { ChatJobRequest, ReplyHeader } from '../jobs/types.js';
import type { LanguageCode } from '../languages.js';
import type { Usage } from '../translator/types.js';

/**
 * The bot's memory, one Keyv namespace per concern, on SQLite (`sqlite://path`, the embedded default) or Redis
 * (`redis://host:port`, for several bot processes). Every stored value carries a schema version `v` so a later
 * change can migrate it; a value of an unknown version is treated as absent.
 *
 * Platforms are 'discord' | 'slack'; a "server" is a Discord guild or a Slack workspace (team).
 */
export type Platform = 'discord' | 'slack';

export interface UserSettings {
  /** Preferred target language. */
  target?: LanguageCode | undefined;
  voice?: string | undefined;
  textOnly?: boolean | undefined;
}

export interface ServerSettings {
  /** Default target for the server, after the user's own preference. */
  defaultTarget?: LanguageCode | undefined;
  /** Channels the bot works in; empty or undefined = everywhere. */
  channels?: string[] | undefined;
  /** Auto-translate: a voice note or audio/video file posted in one of these channels is translated into these languages. */
  autoTranslate?: Record<string, LanguageCode[]> | undefined;
}

export interface SettingsStore {
  getUser(platform: Platform, userId: string): Promise<UserSettings>;
  /** Merges `patch` (a key set to undefined clears it) and returns the new settings. */
  setUser(platform: Platform, userId: string, patch: Partial<UserSettings>): Promise<UserSettings>;
  getServer(platform: Platform, serverId: string): Promise<ServerSettings>;
  setServer(platform: Platform, serverId: string, patch: Partial<ServerSettings>): Promise<ServerSettings>;
}

/** A finished translation, kept so the same media, target, voice and mode never pay twice. */
export interface CachedResult {
  text: string;
  voiceNote?: { ogg: Buffer; durationSecs: number; waveform: string; sampleRate: number; samples: number } | undefined;
  usage?: Usage | undefined;
  truncated: boolean;
  createdAt: number;
}

export interface ResultCache {
  get(key: string): Promise<CachedResult | undefined>;
  /** Stores unless the entry is larger than the cache's per-entry cap; expires after the cache's max age. */
  set(key: string, value: CachedResult): Promise<void>;
  /** A platform file id → the content hash of its bytes, so a known file is recognised before downloading it. */
  getFileHash(fileKey: string): Promise<string | undefined>;
  setFileHash(fileKey: string, contentHash: string): Promise<void>;
}

export interface UsageTotals {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  jobs: number;
}

export interface UsageEntry {
  platform: Platform;
  serverId: string;
  userId: string;
  usage: Usage;
  at: number;
}

/** The budgets a hold must fit in (undefined = no limit): per server per UTC month, per user per UTC day. */
export interface HoldLimits {
  serverMonthlyTokens?: number | undefined;
  userDailyTokens?: number | undefined;
}

export interface HoldRequest {
  platform: Platform;
  serverId: string;
  userId: string;
  /** Picks the month and day buckets, and is the clock the hold's expiry is judged by. */
  at: number;
  /** The job's estimated tokens. */
  tokens: number;
  limits: HoldLimits;
  /** How long the hold lives unless extended or released, ms (so a process that dies frees it). */
  ttlMs: number;
}

/** A granted hold, to extend and release. */
export interface UsageHold {
  readonly id: string;
  readonly tokens: number;
  /** The buckets it holds tokens in. */
  readonly keys: readonly string[];
}

/** `used` = recorded + `held` (tokens held by other running jobs) in the budget that had no room. */
export type HoldOutcome =
  | { ok: true; hold: UsageHold }
  | { ok: false; budget: 'server-month' | 'user-day'; limit: number; used: number; held: number };

/**
 * Tokens per server per month and per user per day and month (UTC), from the model's usage chunks, and the holds of
 * running jobs on the budgets.
 */
export interface UsageLedger {
  record(entry: UsageEntry): Promise<void>;
  /**
   * Atomically (across processes on Redis): when every limit in `limits` has room for `tokens` beyond what is recorded
   * and held by other running jobs, holds `tokens` in each of those buckets; otherwise holds nothing and says which
   * budget is short. With no limit set it holds nothing and answers ok with an empty hold.
   */
  hold(request: HoldRequest): Promise<HoldOutcome>;
  /** Moves a live hold's expiry to `at + ttlMs`. */
  extendHold(hold: UsageHold, at: number, ttlMs: number): Promise<void>;
  /** Drops a hold (no-op when it is gone or expired). */
  releaseHold(hold: UsageHold): Promise<void>;
  serverMonth(platform: Platform, serverId: string, at: number): Promise<UsageTotals>;
  userMonth(platform: Platform, userId: string, at: number): Promise<UsageTotals>;
  userDay(platform: Platform, userId: string, at: number): Promise<UsageTotals>;
}

/**
 * A running job as written down before its reply appears, so a restart can finish the reply as "interrupted".
 * `P` is the platform's description of where the reply lives (its adapter's place type).
 */
export interface JournalEntry<P = unknown> {
  jobId: string;
  platform: Platform;
  /** The process that runs it (`LIVETRANSLATE_INSTANCE`); a process recovers only its own entries. */
  owner: string;
  /**
   * Where the reply lives (platform-specific, JSON). A place holding an interaction token (`token`, issued at
   * `createdAt`) is kept only a little past the token's life (see `journalEntryTtlMs`).
   */
  place: P;
  /** What it translates (for Retry). */
  request: ChatJobRequest;
  requesterId: string;
  /** Messages of the reply posted so far (platform ids), first first. */
  messages: string[];
  /** What each message last showed (its part number and text), so a restart can end it without losing the text. */
  views?: Record<string, { part: number; text: string }> | undefined;
  /** The reply's header (languages, voice, file, notices). */
  header?: ReplyHeader | undefined;
  /**
   * What was posted besides the reply's messages (`voice:1`, `file:translation.txt`, `notice:<text>`), each written
   * once it landed: a worker that takes over a job never posts them twice.
   */
  effects?: string[] | undefined;
  startedAt: number;
}

/**
 * The journal. Entries of one owner are written by one platform's jobs, so `list`/`get` return them typed with that
 * platform's place type `P` (the owner name says which platform: `<instance>:<platform>`).
 */
export interface JobJournal {
  put<P>(entry: JournalEntry<P>): Promise<void>;
  /** Adds a message id to an entry (no-op when the entry is gone). */
  addMessage(jobId: string, messageId: string): Promise<void>;
  /** Records what a message of the entry shows now (no-op when the entry is gone). */
  setView(jobId: string, messageId: string, view: { part: number; text: string }): Promise<void>;
  /** Records the reply's header (no-op when the entry is gone). */
  setHeader(jobId: string, header: ReplyHeader): Promise<void>;
  /** Records a side effect that landed (see `JournalEntry.effects`; no-op when the entry is gone). */
  addEffect(jobId: string, effect: string): Promise<void>;
  remove(jobId: string): Promise<void>;
  /**
   * This process no longer writes the entry, which stays in the store (an interrupted job for the next start, one
   * handed back for another worker): the copy it kept for its own updates is dropped.
   */
  release(jobId: string): void;
  /** Every entry of `owner`. */
  list<P = unknown>(owner: string): Promise<JournalEntry<P>[]>;
  get<P = unknown>(jobId: string): Promise<JournalEntry<P> | undefined>;
}

/**
 * The store's Redis connection, for the limits that must hold across every bot process sharing it (the model
 * account's rate, the platforms' edit budgets, Slack event ids). Present only when the store is on Redis; the
 * single-process default (SQLite) keeps those limits in memory. Commands fail at once while Redis is down.
 */
export interface SharedRedis {
  /**
   * A key of this deployment's `limits` namespace: `<prefix>:limits::<name>`. Each user of a key documents it and
   * its expiry where it builds the name.
   */
  key(name: string): string;
  /** Runs a Lua script (EVALSHA, with EVAL when Redis does not have it cached yet) and returns its raw reply. */
  evalScript(script: string, keys: readonly string[], args: readonly string[]): Promise<unknown>;
  /** `SET key 1 NX PX ttlMs`: true when this call set the key, false when it already existed. */
  setOnce(key: string, ttlMs: number): Promise<boolean>;
}

export interface Store {
  readonly kind: 'sqlite' | 'redis';
  /** The shared Redis (only when `kind` is 'redis'). */
  readonly redis?: SharedRedis | undefined;
  settings: SettingsStore;
  cache: ResultCache;
  usage: UsageLedger;
  journal: JobJournal;
  /** Throws when the back end cannot be reached (for /healthz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
