import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator, type ModelEmulator } from '../../test/emulators/model/index.js';
import { ManualClock } from '../../test/support/manual-clock.js';
import { toneTimeline } from '../../test/support/long-recording.js';
import { sine } from '../../test/support/media-fixtures.js';
import { sentencesIn, sentenceWord } from '../../test/support/segment-answers.js';
import { encodeWav } from '../audio/wav.js';
import type { Clock } from '../clock.js';
import { isTranslateError, TranslateError } from '../errors.js';
import { planTranslation } from '../plan.js';
import { runSegmented } from '../segments/run-segmented.js';
import { TokenBucketLimiter, type AccountLimiter, type Permit } from './account-limiter.js';
import { estimateRequestTokens } from './request-estimate.js';
import { Translator, type TranslatorOptions } from './translator.js';
import type { TranslationEvent, TranslationRequest, Usage } from './types.js';

let emu: ModelEmulator;
beforeAll(async () => {
  emu = await startModelEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const request = (target: 'en' | 'fr' | 'de' | 'es' | 'it' = 'en'): TranslationRequest => ({
  part: { type: 'input_audio', input_audio: { data: `data:audio/wav;base64,${encodeWav(sine(2, 16000, 300), 16000).toString('base64')}`, format: 'wav' } },
  target, source: 'zh', voice: 'Cherry',
});

function translator(extra: Partial<TranslatorOptions>): Translator {
  return new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', ...extra });
}

async function run(t: Translator, req: TranslationRequest, signal?: AbortSignal): Promise<{ usage?: Usage; error?: TranslateError }> {
  let usage: Usage | undefined;
  try {
    for await (const e of t.translate(req, signal) as AsyncIterable<TranslationEvent>) if (e.type === 'usage') usage = e.usage;
  } catch (err) {
    if (!(err instanceof TranslateError)) throw err;
    return { error: err };
  }
  return { usage };
}

/** The real limiter, with what it was asked and told written down. */
class RecordingLimiter implements AccountLimiter {
  readonly estimates: number[] = [];
  readonly settled: number[] = [];
  constructor(private readonly inner: AccountLimiter) {}
  async acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    const permit = await this.inner.acquire(estimatedTokens, signal);
    this.estimates.push(estimatedTokens);
    return { settle: (actual) => {
      this.settled.push(actual);
      permit.settle(actual);
    } };
  }
}

/** Real time, but sleeps are written down and end at once: the retry's wait is checked without being waited. */
function recordingClock(): Clock & { sleeps: number[] } {
  const sleeps: number[] = [];
  return { sleeps, now: () => Date.now(), sleep: async (ms) => void sleeps.push(ms) };
}

const settledCalls = (calls: Promise<unknown>[]) => {
  const done = calls.map(() => false);
  calls.forEach((c, i) => void c.then(() => (done[i] = true)));
  return done;
};

describe('Translator with the account limiter, against the model emulator', () => {
  it('paces concurrent calls: at 6 requests a minute, one request reaches the model per 10 s window', async () => {
    const clock = new ManualClock();
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 6, tokensPerMinute: 0, clock });
    const t = translator({ limiter });
    const targets = ['en', 'fr', 'de', 'es', 'it'] as const;
    const calls = targets.map((target) => run(t, request(target)));
    const done = settledCalls(calls);
    await calls[0];
    const perWindow = [emu.requests.length];
    for (let window = 1; window < targets.length; window++) {
      expect(done.filter(Boolean)).toHaveLength(window); // the rest are still waiting for the limiter
      clock.advance(10_000);
      await calls[window];
      perWindow.push(emu.requests.length - perWindow.reduce((a, b) => a + b, 0));
    }
    expect(perWindow).toEqual([1, 1, 1, 1, 1]);
    // in arrival order, each once, all translated
    expect(emu.requests.map((r) => (r.body as { translation_options: { target_lang: string } }).translation_options.target_lang))
      .toEqual([...targets]);
    for (const c of calls) expect((await c).error).toBeUndefined();
  });

  it('estimates a WAV request from its byte rate and settles with the usage the model reported', async () => {
    const limiter = new RecordingLimiter(new TokenBucketLimiter({ requestsPerMinute: 100, tokensPerMinute: 100_000 }));
    const { usage } = await run(translator({ limiter }), request());
    // 2 s of input: 25 tokens in; speech and text out: 2 × (12.5 + 4) = 33
    expect(limiter.estimates).toEqual([25 + 33]);
    expect(estimateRequestTokens(request())).toBe(58);
    expect(usage?.totalTokens).toBeGreaterThan(0);
    expect(limiter.settled).toEqual([usage!.totalTokens]);
  });

  it('retries a 429 after its retry-after, through the limiter, and only that request', async () => {
    const limiter = new RecordingLimiter(new TokenBucketLimiter({ requestsPerMinute: 100, tokensPerMinute: 100_000 }));
    const clock = recordingClock();
    const t = translator({ limiter, clock });
    emu.inject({ kind: 'status', status: 429, retryAfter: 1 });
    emu.configure({ chunkDelayMs: 5 });
    const [a, b] = await Promise.all([run(t, request('en')), run(t, request('fr'))]);
    expect(a.error).toBeUndefined();
    expect(b.error).toBeUndefined();
    const byTarget = (lang: string) => emu.requests
      .filter((r) => (r.body as { translation_options: { target_lang: string } }).translation_options.target_lang === lang)
      .map((r) => r.status);
    // whichever request came first was refused; it alone was sent again
    expect([byTarget('en'), byTarget('fr')]).toContainEqual([429, 200]);
    expect([byTarget('en'), byTarget('fr')]).toContainEqual([200]);
    expect(clock.sleeps).toEqual([1_000]); // the service's retry-after, in ms
    expect(limiter.estimates).toHaveLength(3); // every HTTP request asked the limiter
    expect(limiter.settled.filter((n) => n === 0)).toHaveLength(1); // the refused one used no tokens
  });

  it('gives up on 429 after rateLimitRetries, with RATE_LIMITED', async () => {
    const clock = recordingClock();
    emu.inject({ kind: 'status', status: 429, times: 3 });
    const { error } = await run(translator({ clock, rateLimitRetries: 2 }), request());
    expect(error?.code).toBe('RATE_LIMITED');
    expect(emu.requests.map((r) => r.status)).toEqual([429, 429, 429]);
    expect(clock.sleeps).toEqual([1_000, 1_000]);
  });

  it('a cancel while waiting for the limiter sends nothing and ends with CANCELLED', async () => {
    const clock = new ManualClock();
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 6, tokensPerMinute: 0, clock });
    const t = translator({ limiter });
    await run(t, request());
    const controller = new AbortController();
    const waiting = run(t, request(), controller.signal);
    controller.abort();
    const { error } = await waiting;
    expect(isTranslateError(error, 'CANCELLED')).toBe(true);
    expect(emu.requests).toHaveLength(1);
  });
});

describe('a long recording under the account limiter', () => {
  it('a 429 on one segment retries that segment; the job finishes with every sentence once, in order', async () => {
    const timeline = toneTimeline({ durationSec: 6 * 60, seed: 11 });
    emu.configure({ text: (input) => sentencesIn(input.bytes), chunkDelayMs: { min: 0, max: 10 }, fragmentBytes: { min: 16_000, max: 32_000 } });
    emu.inject({ kind: 'status', status: 429, retryAfter: 1 });
    const limiter = new RecordingLimiter(new TokenBucketLimiter({ requestsPerMinute: 100, tokensPerMinute: 100_000 }));
    const clock = recordingClock();
    const t = translator({ limiter, clock });
    const segments: number[] = [];
    const result = await runSegmented(t, { samples: timeline.pcm, sampleRate: timeline.sampleRate },
      planTranslation({ to: 'en' }, { strict: false }), { onSegment: (s) => segments.push(s.index) });
    expect(segments.length).toBeGreaterThanOrEqual(3);
    expect(result.text.match(/S\d+\./g)).toEqual(timeline.sentences.map(sentenceWord));
    const statuses = emu.requests.map((r) => r.status);
    expect(statuses.filter((s) => s === 429)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(segments.length); // one answer per segment, none twice
    expect(clock.sleeps).toEqual([1_000]);
    expect(limiter.estimates).toHaveLength(segments.length + 1);
  }, 120_000);
});
