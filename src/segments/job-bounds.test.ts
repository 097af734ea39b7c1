import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator, type ModelEmulator } from '../../test/emulators/model/index.js';
import { toneTimeline } from '../../test/support/long-recording.js';
import { isTranslateError } from '../errors.js';
import { planTranslation } from '../plan.js';
import { Translator } from '../translator/translator.js';
import { JobMeter } from './job-meter.js';
import { runSegmented } from './run-segmented.js';
import { translateMedia } from '../pipeline.js';

/**
 * One job's bounds are shared by all its segments: a long recording against a model that never stops answering
 * writes at most the job's character cap in all (not segments × the per-call cap) and stops at the job's deadline
 * (not segments × the per-call deadline).
 */

let emu: ModelEmulator;
const log = pino({ level: 'silent' });
const plan = planTranslation({ to: 'en' }, { strict: false });
let pcm: { samples: Int16Array; sampleRate: number };

beforeAll(async () => {
  emu = await startModelEmulator();
  const t = toneTimeline({ durationSec: 8 * 60, seed: 3 });
  pcm = { samples: t.pcm, sampleRate: t.sampleRate };
}, 60_000);
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('a long recording against an endless stream', () => {
  it('stops every segment at the job character cap, shared by the segments running at once', async () => {
    // each call alone may write 2,000 characters; three at once would write 6,000 without a job bound
    const translator = new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, streamRetries: 0, maxOutputChars: 2_000, logger: log });
    emu.inject({ kind: 'endless', chunkDelayMs: 5, times: 100 });
    const meter = new JobMeter({ maxOutputChars: 2_500, deadlineMs: 600_000 });
    let shown = 0;
    const err = await runSegmented(translator, pcm, plan, { onText: (d) => (shown += d.length) }, undefined, { meter, concurrency: 3 }).catch((e: unknown) => e);
    expect(isTranslateError(err, 'OUTPUT_TOO_LONG')).toBe(true);
    expect(String(err)).toContain('At most 2,500 characters');
    // three segments streamed at once, and together they were let through exactly the job's 2,500 characters
    expect(emu.requests).toHaveLength(3);
    expect(meter.outputChars).toBe(2_500);
    expect(shown).toBeLessThanOrEqual(2_500);
    // what they answered is charged though no usage came: 1 token per 2 characters, plus each segment's input
    expect(meter.charge()!.outputTextTokens).toBeGreaterThanOrEqual(1_250);
  });

  it('stops every segment at the job deadline (the per-call deadline is far off)', async () => {
    const translator = new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, streamRetries: 0, logger: log });
    emu.inject({ kind: 'endless', chunkDelayMs: 20, times: 100 });
    const meter = new JobMeter({ maxOutputChars: 1_000_000, deadlineMs: 500 });
    const media = {
      source: { kind: 'audio' as const, format: 'wav' as const, mime: 'audio/wav', bytes: pcm.samples.length * 2, durationSecs: pcm.samples.length / pcm.sampleRate },
      contentHash: 'x', sent: { kind: 'audio' as const, format: 'wav', bytes: 0, via: 'data-uri' as const }, estimatedInputTokens: undefined, notices: [], pcm,
    };
    const err = await translateMedia(translator, media, plan, {}, undefined, { meter, concurrency: 3 }).catch((e: unknown) => e);
    expect(isTranslateError(err, 'MODEL_DEADLINE')).toBe(true);
  });
});
