import OpenAI from 'openai';
import { PcmAssembler } from '../audio/pcm-assembler.js';
import { systemClock, type Clock } from '../clock.js';
import { TranslateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AccountLimiter, Permit } from './account-limiter.js';
import { OutputBounds, formatDuration } from './output-bounds.js';
import { mapProviderError, retryAfterMs } from './provider-errors.js';
import { estimateRequestTokens } from './request-estimate.js';
import { AUDIO_SAMPLE_RATE, type TranslationEvent, type TranslationRequest, type TranslatorLike, type Usage } from './types.js';
import type { LiveTranslateChunk, LiveTranslateDelta, LiveTranslateParams, LiveTranslateUsage } from './wire.js';

export interface TranslatorOptions {
  apiKey: string;
  baseUrl: string;
  model: string;
  /** Time allowed until the response starts, ms, per SDK attempt (default 2 min). */
  timeoutMs?: number;
  /** Longest silence allowed between two chunks of a started stream, ms (default 90 s): a stalled stream fails. */
  idleTimeoutMs?: number;
  /**
   * Retries of a request refused with 408 or 5xx, or that could not connect, before its response started (default 2),
   * after the service's `retry-after` or 0.5 s, 1 s, 2 s… (at most 8 s). The SDK's own retries are off: every HTTP
   * request goes through `translate`'s loop, and so through the limiter.
   */
  maxRetries?: number;
  /**
   * Retries of a request refused with 429 (default 2, as many as the SDK made), after the service's `retry-after` (at
   * most 60 s), else 2 s, 4 s, 8 s…: only that request waits; other requests (other segments, other jobs) go on.
   */
  rateLimitRetries?: number;
  /** Our own retries of a stream that broke before it yielded anything (default 1). */
  streamRetries?: number;
  /**
   * The account's request and token limits, shared by every translator of the process: each HTTP request (retries
   * included) waits for a permit, estimated from the request, and settles it with the usage the model reports.
   */
  limiter?: AccountLimiter | undefined;
  /**
   * Most characters of text one call may yield (default `DEFAULT_MAX_OUTPUT_CHARS`): the text is cut at exactly this
   * many, the stream is aborted and OUTPUT_TOO_LONG is thrown.
   */
  maxOutputChars?: number;
  /** Most seconds of speech one call may yield (default `DEFAULT_MAX_OUTPUT_AUDIO_SECS`); past it, as above. */
  maxOutputAudioSecs?: number;
  /**
   * Wall-clock limit of one call, retries included, ms (default `DEFAULT_DEADLINE_MS`): past it the stream is aborted
   * and MODEL_DEADLINE is thrown, however steadily it was still sending. It starts when the limiter lets the first
   * request go: waiting for the account's limits before it is not the model's time.
   */
  deadlineMs?: number;
  fetch?: typeof fetch;
  clock?: Clock;
  logger?: Logger;
}

/** The model's own output cap (4,096 tokens) is a few thousand characters; this leaves room and still bounds a runaway. */
export const DEFAULT_MAX_OUTPUT_CHARS = 20_000;
/** 4,096 output tokens of speech are about 5.5 minutes (12.5 tokens a second). */
export const DEFAULT_MAX_OUTPUT_AUDIO_SECS = 600;
export const DEFAULT_DEADLINE_MS = 10 * 60_000;

/** Errors worth trying again while nothing has been shown to the user yet. */
const RETRY_UNSEEN = new Set(['STREAM_CUT', 'PROVIDER_UNAVAILABLE', 'PROVIDER_TIMEOUT']);

/** Without a limiter: a permit that records nothing. */
const UNLIMITED: Permit = { settle: () => undefined };

/** How far one attempt got: the response started (HTTP 200), and something was yielded. */
interface Progress {
  started: boolean;
  yielded: boolean;
}

function toUsage(u: LiveTranslateUsage): Usage {
  return {
    inputTokens: u.prompt_tokens ?? 0,
    outputTokens: u.completion_tokens ?? 0,
    totalTokens: u.total_tokens ?? (u.prompt_tokens ?? 0) + (u.completion_tokens ?? 0),
    inputAudioTokens: u.prompt_tokens_details?.audio_tokens ?? 0,
    inputVideoTokens: u.prompt_tokens_details?.video_tokens ?? 0,
    inputTextTokens: u.prompt_tokens_details?.text_tokens ?? 0,
    outputAudioTokens: u.completion_tokens_details?.audio_tokens ?? 0,
    outputTextTokens: u.completion_tokens_details?.text_tokens ?? 0,
  };
}

/** The model client: one streaming chat completion per translation, request shaped exactly as the guide says. */
export class Translator implements TranslatorLike {
  private readonly client: OpenAI;
  private readonly clock: Clock;

  constructor(private readonly options: TranslatorOptions) {
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: 0, // retried by `attempts`, so that each HTTP request waits for the limiter
      timeout: options.timeoutMs ?? 120_000,
      ...(options.fetch ? { fetch: options.fetch } : {}),
    });
    this.clock = options.clock ?? systemClock;
  }

  private body(request: TranslationRequest): LiveTranslateParams {
    return {
      model: this.options.model,
      messages: [{ role: 'user', content: [request.part] }],
      modalities: request.voice ? ['text', 'audio'] : ['text'],
      ...(request.voice ? { audio: { voice: request.voice, format: 'wav' } } : {}),
      stream: true,
      stream_options: { include_usage: true },
      translation_options: {
        ...(request.source ? { source_lang: request.source } : {}),
        target_lang: request.target,
      },
    };
  }

  async *translate(request: TranslationRequest, signal?: AbortSignal): AsyncGenerator<TranslationEvent> {
    const estimate = this.options.limiter ? estimateRequestTokens(request) : 0;
    const first = await this.acquire(estimate, signal);
    const deadlineMs = this.options.deadlineMs ?? DEFAULT_DEADLINE_MS;
    const deadline = new AbortController();
    const timer = setTimeout(() => deadline.abort(), deadlineMs);
    const callSignal = signal ? AbortSignal.any([signal, deadline.signal]) : deadline.signal;
    const bounds = new OutputBounds(
      this.options.maxOutputChars ?? DEFAULT_MAX_OUTPUT_CHARS,
      (this.options.maxOutputAudioSecs ?? DEFAULT_MAX_OUTPUT_AUDIO_SECS) * AUDIO_SAMPLE_RATE,
    );
    try {
      // Leaving this loop early (a bound reached, or the consumer stopping) returns the inner generators, whose
      // `finally` aborts the HTTP stream.
      for await (const event of this.attempts(request, callSignal, estimate, first)) {
        if (event.type === 'text') {
          const allowed = bounds.text(event.delta);
          if (allowed) yield { type: 'text', delta: allowed };
        } else if (event.type === 'audio') {
          const allowed = bounds.audio(event.pcm);
          if (allowed.length > 0) yield { type: 'audio', pcm: allowed };
        } else {
          yield event;
        }
        if (bounds.exceeded) throw new TranslateError('OUTPUT_TOO_LONG', bounds.describe());
      }
    } catch (err) {
      if (deadline.signal.aborted && !signal?.aborted) {
        throw new TranslateError('MODEL_DEADLINE', `(The limit is ${formatDuration(deadlineMs)}; the text so far is kept.)`, { cause: err });
      }
      throw err;
    } finally {
      clearTimeout(timer);
    }
    if (deadline.signal.aborted && !signal?.aborted) {
      throw new TranslateError('MODEL_DEADLINE', `(The limit is ${formatDuration(deadlineMs)}; the text so far is kept.)`);
    }
  }

  /** A permit from the limiter (at once without one); an abort while waiting throws CANCELLED. */
  private async acquire(estimate: number, signal?: AbortSignal): Promise<Permit> {
    if (!this.options.limiter) return UNLIMITED;
    try {
      return await this.options.limiter.acquire(estimate, signal);
    } catch (err) {
      throw mapProviderError(err, false, signal);
    }
  }

  /**
   * One HTTP request after another until one succeeds or fails for good. Only what failed before any output is
   * retried: a refusal with 429 (`rateLimitRetries`), with 408/5xx or no connection (`maxRetries`), a stream that
   * broke before yielding (`streamRetries`). Each retry waits for a permit again; a refused request settles at 0.
   */
  private async *attempts(
    request: TranslationRequest, signal: AbortSignal, estimate: number, first: Permit,
  ): AsyncGenerator<TranslationEvent> {
    const budget = {
      rateLimited: this.options.rateLimitRetries ?? 2,
      refused: this.options.maxRetries ?? 2,
      cut: this.options.streamRetries ?? 1,
    };
    const used = { rateLimited: 0, refused: 0, cut: 0 };
    for (let permit = first; ; permit = await this.acquire(estimate, signal)) {
      const progress: Progress = { started: false, yielded: false };
      try {
        yield* this.attempt(request, progress, permit, signal);
        return;
      } catch (err) {
        const mapped = err instanceof TranslateError ? err : mapProviderError(err, true, signal);
        if (!progress.started) permit.settle(0); // refused or unreachable: no tokens were used
        const kind = progress.yielded || signal.aborted || (!RETRY_UNSEEN.has(mapped.code) && mapped.code !== 'RATE_LIMITED')
          ? undefined
          : mapped.code === 'RATE_LIMITED' ? 'rateLimited' : progress.started ? 'cut' : 'refused';
        if (!kind || used[kind] >= budget[kind]) throw mapped;
        const n = used[kind]++;
        const backoff = kind === 'rateLimited' ? Math.min(30_000, 2_000 * 2 ** n) : Math.min(8_000, 500 * 2 ** n);
        const delayMs = kind === 'cut' ? backoff : retryAfterMs(mapped, this.clock.now()) ?? backoff;
        this.options.logger?.warn({ code: mapped.code, retry: n + 1, delayMs }, 'model request failed before any output; retrying');
        await this.clock.sleep(delayMs, signal);
      }
    }
  }

  private async *attempt(
    request: TranslationRequest, progress: Progress, permit: Permit, signal?: AbortSignal,
  ): AsyncGenerator<TranslationEvent> {
    // The SDK's timeout (and its retries) cover the wait for the response; once it has started, a stream that goes
    // silent is ended by this watchdog.
    const watchdog = new AbortController();
    const onAbort = () => watchdog.abort(signal?.reason);
    signal?.addEventListener('abort', onAbort, { once: true });
    let stalled = false;
    let timer: NodeJS.Timeout | undefined;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        stalled = true;
        watchdog.abort();
      }, this.options.idleTimeoutMs ?? 90_000);
    };
    try {
      yield* this.stream(request, progress, permit, watchdog.signal, arm, signal);
    } catch (err) {
      if (stalled) throw new TranslateError('PROVIDER_TIMEOUT', undefined, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      watchdog.abort(); // a consumer that stopped early leaves no request open
    }
    if (stalled) throw new TranslateError('PROVIDER_TIMEOUT');
  }

  private async *stream(
    request: TranslationRequest, progress: Progress, permit: Permit, signal: AbortSignal, onChunk: () => void,
    userSignal?: AbortSignal,
  ): AsyncGenerator<TranslationEvent> {
    const stream = await this.client.chat.completions
      .create(this.body(request) as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal })
      .catch((err: unknown) => {
        throw mapProviderError(err, false, userSignal);
      });
    progress.started = true;
    onChunk(); // the response has started: from now on, silence is bounded by the idle timeout
    const pcm = new PcmAssembler();
    let finish: string | null = null;
    let sawContent = false;
    for await (const raw of stream) {
      onChunk();
      const chunk = raw as unknown as LiveTranslateChunk;
      const choice = chunk.choices[0];
      if (choice) {
        const delta = choice.delta as LiveTranslateDelta;
        // Some SDK samples read `audio.transcript`; use it only if the model sends no `content` at all.
        const text = delta.content || (!sawContent ? delta.audio?.transcript : undefined);
        if (delta.content) sawContent = true;
        if (text) {
          progress.yielded = true;
          yield { type: 'text', delta: text };
        }
        if (delta.audio?.data) {
          const samples = pcm.push(delta.audio.data);
          if (samples.length > 0) {
            progress.yielded = true;
            yield { type: 'audio', pcm: samples };
          }
        }
        if (choice.finish_reason) finish = choice.finish_reason;
      }
      if (chunk.usage) {
        const usage = toUsage(chunk.usage);
        permit.settle(usage.totalTokens);
        yield { type: 'usage', usage };
      }
    }
    // The SDK ends iteration quietly when the signal aborts it: cancelled by the user, or by the stall watchdog.
    if (userSignal?.aborted) throw new TranslateError('CANCELLED');
    if (signal.aborted) return;
    const rest = pcm.flush();
    if (rest.length > 0) yield { type: 'audio', pcm: rest };
    if (finish !== 'stop' && finish !== 'length') {
      throw new TranslateError('STREAM_CUT', finish ? `(it stopped with "${finish}")` : undefined);
    }
    yield { type: 'end', finishReason: finish, truncated: finish === 'length' };
  }
}
