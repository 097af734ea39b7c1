import OpenAI from 'openai';
import { PcmAssembler } from '../audio/pcm-assembler.js';
import { systemClock, type Clock } from '../clock.js';
import { TranslateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { AccountLimiter, Permit } from './account-limiter.js';
import { OutputBounds, formatDuration } from './output-bounds.js';
import { mapProviderError, retryAfterMs } from './provider-errors.js';
import { estimateRequestTokens } from './request-estimate.js';
import { sseJson } from './sse.js';
import { HeldInputs, streamingFetch } from './streamed-body.js';
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
  /** Told how long each request waited for `limiter`, ms (for /metrics). */
  onLimiterWait?: ((ms: number) => void) | undefined;
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
  /**
   * Send a long inline input (a base64 data URI) by streaming it into the request body instead of serialising it
   * with the rest (see streamed-body.ts): default true. False is the behaviour before: the SDK's JSON string, then
   * its bytes, each a whole copy of the input.
   */
  streamRequestBody?: boolean;
  /**
   * Longest run of stream processing (parsing chunks, decoding speech, and the consumer's handling of what is
   * yielded) before the loop lets the event loop run other work, ms (default 2). Infinity: never (the behaviour
   * before: a burst of chunks was processed in one stretch).
   */
  yieldAfterMs?: number;
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

/**
 * One call's request, held only while it may still be sent: once something was yielded nothing is retried, so the
 * input is released (`request` undefined, its held body dropped, the caller's `releaseInput` told).
 */
interface Call {
  request: TranslationRequest | undefined;
  /** The placeholder of the held input in the body, when it is streamed. */
  token?: string | undefined;
  release(): void;
}

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

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
  private readonly held = new HeldInputs();

  constructor(private readonly options: TranslatorOptions) {
    const stream = options.streamRequestBody ?? true;
    const inner = options.fetch ?? ((url, init) => fetch(url, init));
    this.client = new OpenAI({
      apiKey: options.apiKey,
      baseURL: options.baseUrl,
      maxRetries: 0, // retried by `attempts`, so that each HTTP request waits for the limiter
      timeout: options.timeoutMs ?? 120_000,
      ...(stream ? { fetch: streamingFetch(this.held, inner) } : options.fetch ? { fetch: options.fetch } : {}),
    });
    this.clock = options.clock ?? systemClock;
  }

  /** The request body; a long inline input as a placeholder `held` streams in (see streamed-body.ts). */
  private body(request: TranslationRequest, held: string | undefined): LiveTranslateParams {
    const { part } = request;
    const content: typeof part = held === undefined
      ? part
      : part.type === 'input_audio'
        ? { type: 'input_audio', input_audio: { ...part.input_audio, data: held } }
        : { type: 'video_url', video_url: { ...part.video_url, url: held } };
    return {
      model: this.options.model,
      messages: [{ role: 'user', content: [content] }],
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

  /**
   * Streams one translation (see `TranslatorLike`). The request's input is held only until the answer starts (or the
   * call ends): then it is released here and `request.releaseInput` is called, so a caller holding nothing else keeps
   * no copy of the input while the answer streams.
   */
  translate(request: TranslationRequest, signal?: AbortSignal): AsyncGenerator<TranslationEvent> {
    // A plain function: its frame (and `request`) is gone once the generator is made; the generator holds `call`.
    const estimate = this.options.limiter ? estimateRequestTokens(request) : 0;
    const { releaseInput } = request;
    const call: Call = {
      request,
      release: () => {
        if (!call.request) return;
        call.request = undefined;
        this.held.release(call.token);
        releaseInput?.();
      },
    };
    return this.run(call, estimate, signal);
  }

  private async *run(call: Call, estimate: number, signal?: AbortSignal): AsyncGenerator<TranslationEvent> {
    try {
      if (this.options.streamRequestBody ?? true) call.token = this.hold(call.request!);
      yield* this.bounded(call, call.token, estimate, signal);
    } finally {
      call.release();
    }
  }

  /** The placeholder a long inline input is streamed in for (see streamed-body.ts); undefined when it is not held. */
  private hold(request: TranslationRequest): string | undefined {
    // not in a generator: a local holding the input would live as long as the suspended generator
    const { part } = request;
    const value = part.type === 'input_audio' ? part.input_audio.data : part.video_url.url;
    const held = this.held.hold(value);
    return held === value ? undefined : held;
  }

  private async *bounded(call: Call, token: string | undefined, estimate: number, signal?: AbortSignal): AsyncGenerator<TranslationEvent> {
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
      for await (const event of this.attempts(call, token, callSignal, estimate, first)) {
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
    const started = performance.now();
    try {
      const permit = await this.options.limiter.acquire(estimate, signal);
      this.options.onLimiterWait?.(performance.now() - started);
      return permit;
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
    call: Call, token: string | undefined, signal: AbortSignal, estimate: number, first: Permit,
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
        yield* this.attempt(call, token, progress, permit, signal);
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
    call: Call, token: string | undefined, progress: Progress, permit: Permit, signal?: AbortSignal,
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
      yield* this.stream(call, token, progress, permit, watchdog.signal, arm, signal);
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
    call: Call, token: string | undefined, progress: Progress, permit: Permit, signal: AbortSignal, onChunk: () => void,
    userSignal?: AbortSignal,
  ): AsyncGenerator<TranslationEvent> {
    // only the first attempt, or a retry before anything was yielded, gets here: the request is still held
    if (!call.request) throw new Error('Translator: the request was already released');
    // the SDK sends the request (auth, timeout, retries, error statuses); the answer's events are read by `sseJson`
    const response = await this.client.chat.completions
      .create(this.body(call.request, token) as unknown as OpenAI.ChatCompletionCreateParamsStreaming, { signal })
      .asResponse()
      .catch((err: unknown) => {
        throw mapProviderError(err, false, userSignal);
      });
    const stream = sseJson(response.body, response.headers, signal);
    progress.started = true;
    onChunk(); // the response has started: from now on, silence is bounded by the idle timeout
    const pcm = new PcmAssembler();
    let finish: string | null = null;
    let sawContent = false;
    const yieldAfterMs = this.options.yieldAfterMs ?? 2;
    let turnStarted = performance.now();
    for await (const raw of stream) {
      onChunk();
      // a burst of chunks (one network read can hold hundreds) is not processed in one stretch: other jobs, timers
      // and sockets get their turn between events
      if (performance.now() - turnStarted >= yieldAfterMs) {
        await nextTurn();
        turnStarted = performance.now();
      }
      const chunk = raw as unknown as LiveTranslateChunk;
      const choice = chunk.choices[0];
      // after its finish_reason the model has nothing more to say: a stray delta would come after the finished speech
      if (choice && !finish) {
        const delta = choice.delta as LiveTranslateDelta;
        // Some SDK samples read `audio.transcript`; use it only if the model sends no `content` at all.
        const text = delta.content || (!sawContent ? delta.audio?.transcript : undefined);
        if (delta.content) sawContent = true;
        if (text) {
          progress.yielded = true;
          call.release(); // nothing is retried from here on
          yield { type: 'text', delta: text };
        }
        if (delta.audio?.data) {
          const samples = pcm.push(delta.audio.data);
          if (samples.length > 0) {
            progress.yielded = true;
            call.release();
            yield { type: 'audio', pcm: samples };
          }
        }
        if (choice.finish_reason) {
          finish = choice.finish_reason;
          if (finish === 'stop' || finish === 'length') {
            // everything is said: the speech can be finished now, not when the stream (usage, [DONE]) closes
            const rest = pcm.flush();
            if (rest.length > 0) yield { type: 'audio', pcm: rest };
            yield { type: 'finish', finishReason: finish };
          }
        }
      }
      if (chunk.usage) {
        const usage = toUsage(chunk.usage);
        permit.settle(usage.totalTokens);
        yield { type: 'usage', usage };
      }
    }
    // `sseJson` ends quietly when the signal aborts it: cancelled by the user, or by the stall watchdog.
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
