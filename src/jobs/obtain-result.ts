import { TranslateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../ops/metrics.js';
import { prepareMedia } from '../media/intake.js';
import { audioTokens } from '../media/tokens.js';
import type { IntakeOptions, MediaSource, PreparedMedia } from '../media/types.js';
import { singleAnswerSecs, translateMedia, VOICE_NOTE_MAX_BYTES, type TranslationResult } from '../pipeline.js';
import type { SegmentCache } from '../segments/run-segmented.js';
import { JobMeter, jobBoundsFor } from '../segments/job-meter.js';
import type { TranslationPlan } from '../plan.js';
import type { CachedResult, Store } from '../store/types.js';
import type { TranslationEvent, TranslatorLike } from '../translator/types.js';
import { FairQueue } from './fair-queue.js';
import { reserveBudget, resultKey, type BudgetHold, type BudgetLimits, type JobScope } from './limits.js';

/** What a chat job may use beyond the model: memory, the global queue, budgets. All optional (tests, CLI). */
export interface JobServices {
  store?: Store | undefined;
  queue?: FairQueue | undefined;
  budgets?: BudgetLimits | undefined;
  /** Model name, part of the cache key. */
  model?: string | undefined;
  metrics?: Metrics | undefined;
  now?: () => number;
  /**
   * Files being downloaded and prepared, or prepared and waiting for the model queue, at once (default: the process's
   * `processIntake`, `INTAKE_SLOTS` of them, shared fairly between servers like the model queue).
   */
  intake?: FairQueue | undefined;
  /** Store a long recording's segments as each one finishes (workers of the shared queue: see `SegmentedOptions`). */
  checkpointSegments?: boolean | undefined;
}

export interface Obtained {
  result: TranslationResult;
  /** Where it came from: the model now, the cache, or another job translating the same thing at the same moment. */
  from: 'model' | 'cache' | 'shared';
  media: PreparedMedia | undefined;
}

export interface ObtainInput {
  source: MediaSource;
  /** Platform file id, e.g. `discord:<attachment id>`: a known file is found in the cache before downloading. */
  fileKey?: string | undefined;
  plan: TranslationPlan;
  scope?: JobScope | undefined;
}

export interface ObtainHooks {
  onMedia?(media: PreparedMedia): void;
  onText(delta: string): void;
  /** A long recording's progress: the segment now streaming, and where it is in the recording. */
  onProgress?(progress: { index: number; count: number; positionSec: number; durationSec: number }): void;
  /** Place in the model queue while waiting (1 = next); 0 once the job's turn has come (only after a wait). */
  onQueued?(position: number): void;
  /** The model's speech as it streams (24 kHz mono PCM; not for a cached or shared result). */
  onAudio?(pcm: Int16Array): void;
  /** The model has finished: no more speech comes (its usage may still be on the way). */
  onAudioEnd?(): void;
}

/**
 * Files prepared at once in this process. A prepared file holds its bytes, and a long recording its whole decoded
 * PCM (a 694 KB silent FLAC of 65 minutes is 125 MB of it), until its model call starts: six at once reached 740 MB
 * and stalled the event loop. A job takes one of these slots before its download and gives it back once its model
 * slot is held (or it ends), so at most this many prepared files wait in the model queue.
 */
export const INTAKE_SLOTS = 2;
const processIntake = new FairQueue(INTAKE_SLOTS);

/** Identical requests in flight share one model call (keyed like the cache). */
const inFlight = new Map<string, Promise<TranslationResult>>();

const fromCache = (c: CachedResult): TranslationResult => ({
  text: c.text, voiceNote: c.voiceNote, usage: c.usage, truncated: c.truncated,
  timings: { firstTextMs: 0, modelDoneMs: 0, voiceReadyMs: 0 },
});

/**
 * Gets the translation for a chat job while never paying twice: a cached result for the same media (by platform
 * file id, then by content hash), target, voice and mode is reused; an identical request already running is shared;
 * otherwise the job's estimate is held on the budgets (atomically: refused when it does not fit), a place in the fair
 * model queue is taken, the model is called, the result is cached, and the hold is settled to the real usage. A
 * job that fails or is cancelled is charged what the model answered before it stopped (reported usage, else an
 * estimate: job-meter.ts); the hold is released without a charge only when the model never started answering.
 */
export async function obtainResult(
  input: ObtainInput, translator: TranslatorLike, intake: Omit<IntakeOptions, 'signal'>, services: JobServices,
  hooks: ObtainHooks, log: Logger, signal: AbortSignal,
): Promise<Obtained> {
  const { store } = services;
  const model = services.model ?? 'qwen3-livetranslate-flash';
  const cached = async (hash: string) => store?.cache.get(resultKey(hash, input.plan, model)).catch((err: unknown) => {
    log.warn({ err }, 'cache read failed; translating anyway');
    return undefined;
  });

  const knownHash = input.fileKey ? await store?.cache.getFileHash(input.fileKey).catch(() => undefined) : undefined;
  const early = knownHash ? await cached(knownHash) : undefined;
  if (early) {
    services.metrics?.cacheHit();
    return deliver(fromCache(early), 'cache', undefined, hooks);
  }

  // a job waiting here is behind the jobs holding a slot that the model's free slots will not take at once (they
  // wait in the model queue): its place in line counts them too
  const intakeQueue = services.intake ?? processIntake;
  let waitedForIntake = false;
  const slot = await intakeQueue.acquire(input.scope?.serverId ?? '', signal, (p) => {
    waitedForIntake = true;
    const free = services.queue ? Math.max(0, services.queue.limit - services.queue.active) : Infinity;
    hooks.onQueued?.(Math.max(0, intakeQueue.active - free) + p);
  });
  let held = true;
  const endIntake = () => {
    if (held) slot();
    held = false;
  };
  try {
    const media = await prepareMedia(input.source, { ...intake, segmentAboveSecs: singleAnswerSecs(input.plan), audioOnly: input.plan.audioOnly, signal });
    try {
      return await translated(media, knownHash, input, translator, services, hooks, log, signal, cached, endIntake, waitedForIntake);
    } finally {
      // a long video keeps its spooled file for its segments: translateMedia releases it, and so does any other way out
      await media.video?.release();
    }
  } finally {
    endIntake();
  }
}

/** The rest of `obtainResult` once the media is prepared. */
async function translated(
  media: PreparedMedia, knownHash: string | undefined, input: ObtainInput, translator: TranslatorLike, services: JobServices, hooks: ObtainHooks,
  log: Logger, signal: AbortSignal, cached: (hash: string) => Promise<CachedResult | undefined>, endIntake: () => void,
  waitedForIntake: boolean,
): Promise<Obtained> {
  const { store } = services;
  const now = services.now ?? Date.now;
  const model = services.model ?? 'qwen3-livetranslate-flash';
  hooks.onMedia?.(media);
  // the file id was known with these very bytes: the cache was just asked, and the index is already right
  const known = knownHash === media.contentHash;
  if (input.fileKey && !known) await store?.cache.setFileHash(input.fileKey, media.contentHash).catch(() => undefined);
  const hit = known ? undefined : await cached(media.contentHash);
  if (hit) {
    services.metrics?.cacheHit();
    return deliver(fromCache(hit), 'cache', media, hooks);
  }
  if (store) services.metrics?.cacheMiss();

  const key = resultKey(media.contentHash, input.plan, model);
  const running = inFlight.get(key);
  if (running) {
    endIntake();
    return deliver(await unlessAborted(running, signal), 'shared', media, hooks);
  }

  let hold: BudgetHold | undefined;
  if (store && services.budgets && input.scope) {
    const seconds = media.source.durationSecs ?? 60;
    const estimate = (media.estimatedInputTokens ?? audioTokens(seconds)) + (input.plan.voice ? audioTokens(seconds) : 0) + Math.ceil(seconds * 3);
    hold = await reserveBudget(store, services.budgets, input.scope, estimate, now, log);
  }
  // every model call of the job is counted here as it answers: a job that fails or is cancelled after the model
  // started answering is charged what it used so far (job-meter.ts), not let off because its usage never came
  const meter = new JobMeter(jobBoundsFor(media.pcm ? media.pcm.samples.length / media.pcm.sampleRate : media.source.durationSecs));
  const work = (async () => {
    let waited = waitedForIntake;
    const onPosition = (p: number) => {
      waited = true;
      hooks.onQueued?.(p);
    };
    const release = services.queue ? await services.queue.acquire(input.scope?.serverId ?? '', signal, onPosition, input.scope && `${input.scope.platform}:${input.scope.userId}`) : () => undefined;
    if (waited) hooks.onQueued?.(0);
    endIntake();
    try {
      const segments = store ? { store: segmentCache(store), key } : undefined;
      const { onAudio, onAudioEnd } = hooks;
      const onEvent = onAudio && ((e: TranslationEvent) => (e.type === 'audio' ? onAudio(e.pcm) : e.type === 'finish' ? onAudioEnd?.() : undefined));
      return await translateMedia(translator, media, input.plan, { onText: hooks.onText, onProgress: hooks.onProgress, ...(onEvent ? { onEvent } : {}) }, signal, { cache: segments, voiceMaxBytes: VOICE_NOTE_MAX_BYTES, checkpoint: !!services.checkpointSegments, meter });
    } finally {
      release();
    }
  })();
  inFlight.set(key, work);
  let result: TranslationResult;
  try {
    result = await work;
  } catch (err) {
    const used = meter.charge();
    if (!used) await hold?.release();
    else if (hold) await hold.settle(used);
    else if (store && input.scope) await store.usage.record({ ...input.scope, usage: used, at: now() }).catch((e: unknown) => log.error({ err: e }, 'usage not recorded'));
    if (used) services.metrics?.tokens(used);
    throw err;
  } finally {
    inFlight.delete(key);
  }
  services.metrics?.modelTimings(result.timings);
  if (result.usage) services.metrics?.tokens(result.usage);
  if (hold) await hold.settle(result.usage);
  if (store) {
    if (!hold && result.usage && input.scope) {
      await store.usage.record({ ...input.scope, usage: result.usage, at: now() }).catch((err: unknown) => log.error({ err }, 'usage not recorded'));
    }
    // a long recording is kept segment by segment (the next request reuses every one of them), not as a whole
    if (!result.segments) {
      const value: CachedResult = { text: result.text, voiceNote: result.voiceNote, usage: result.usage, truncated: result.truncated, createdAt: now() };
      await store.cache.set(key, value).catch((err: unknown) => log.warn({ err }, 'cache write failed'));
    }
  }
  return { result, from: 'model', media };
}

/** A long recording's finished segments in the result cache (their speech as each one's own Ogg Opus file). */
function segmentCache(store: Store): SegmentCache {
  return {
    async get(key) {
      const c = await store.cache.get(key);
      return c && { text: c.text, speech: c.voiceNote?.ogg, usage: c.usage };
    },
    async set(key, answer) {
      const voiceNote = answer.speech ? { ogg: answer.speech, durationSecs: 0, waveform: '', sampleRate: 24_000, samples: 0 } : undefined;
      await store.cache.set(key, { text: answer.text, voiceNote, usage: answer.usage, truncated: false, createdAt: Date.now() });
    },
  };
}

/** The shared result, or CANCELLED as soon as this job's own signal aborts (the other job goes on). */
function unlessAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new TranslateError('CANCELLED'));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new TranslateError('CANCELLED'));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function deliver(result: TranslationResult, from: 'cache' | 'shared', media: PreparedMedia | undefined, hooks: ObtainHooks): Obtained {
  if (result.text) hooks.onText(result.text);
  return { result, from, media };
}
