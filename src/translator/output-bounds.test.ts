import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { startModelEmulator, type ModelEmulator } from '../../test/emulators/model/index.js';
import { makeWav } from '../../test/emulators/model/test-support.js';
import { TranslateError } from '../errors.js';
import type { PreparedMedia } from '../media/types.js';
import { runTranslation } from '../pipeline.js';
import { planTranslation } from '../plan.js';
import { formatDuration, OutputBounds } from './output-bounds.js';
import { Translator, type TranslatorOptions } from './translator.js';
import { AUDIO_SAMPLE_RATE, type TranslationRequest } from './types.js';

/* Every model call is bounded in output and in time, checked against the emulator's never-ending stream. */

let emu: ModelEmulator;
const part = { type: 'input_audio' as const, input_audio: { data: `data:audio/wav;base64,${makeWav(1).toString('base64')}`, format: 'wav' } };
const textOnly: TranslationRequest = { part, target: 'en', source: 'zh' };
const speech: TranslationRequest = { ...textOnly, voice: 'Cherry' };

const translator = (extra: Partial<TranslatorOptions>) =>
  new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, streamRetries: 0, ...extra });

async function drain(t: Translator, request: TranslationRequest, signal?: AbortSignal) {
  let text = '';
  let samples = 0;
  let error: unknown;
  try {
    for await (const e of t.translate(request, signal)) {
      if (e.type === 'text') text += e.delta;
      if (e.type === 'audio') samples += e.pcm.length;
    }
  } catch (err) {
    error = err;
  }
  return { text, samples, error: error as TranslateError | undefined };
}

/** The emulator saw the client hang up: the stream was aborted, not left running. */
const hungUp = () => vi.waitFor(() => expect(emu.requests.at(-1)?.closedAt).toBeDefined());

beforeAll(async () => {
  emu = await startModelEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('output and time bounds of one model call (emulator, real openai SDK)', () => {
  it('a stream that never stops is cut at exactly the character cap and aborted, with OUTPUT_TOO_LONG', async () => {
    emu.inject({ kind: 'endless', chunkDelayMs: 0 });
    const { text, error } = await drain(translator({ maxOutputChars: 500 }), textOnly);
    expect(error?.code).toBe('OUTPUT_TOO_LONG');
    expect(error?.message).toBe('The translation was stopped because it grew past the length this bot allows for one translation. (It stopped at 500 characters; the text so far is kept.)');
    expect(text).toHaveLength(500);
    expect(text.startsWith('Endless sentence 1. Endless sentence 2. ')).toBe(true);
    await hungUp();
  });

  it('speech is capped too: exactly the allowed seconds of samples, then OUTPUT_TOO_LONG', async () => {
    emu.inject({ kind: 'endless', chunkDelayMs: 0 });
    const { samples, error } = await drain(translator({ maxOutputAudioSecs: 1 }), speech);
    expect(error?.code).toBe('OUTPUT_TOO_LONG');
    expect(error?.message).toContain('(It stopped after 1 s of speech; the text so far is kept.)');
    expect(samples).toBe(AUDIO_SAMPLE_RATE);
    await hungUp();
  });

  it('a stream still sending at the deadline is aborted with MODEL_DEADLINE, keeping the text so far', async () => {
    emu.inject({ kind: 'endless', chunkDelayMs: 20 });
    const { text, error } = await drain(translator({ deadlineMs: 400, idleTimeoutMs: 60_000 }), textOnly);
    expect(error?.code).toBe('MODEL_DEADLINE');
    expect(error?.message).toContain('(The limit is 0.4 s; the text so far is kept.)');
    expect(text).toMatch(/^Endless sentence 1\. /);
    await hungUp();
  });

  it('a user cancel stays CANCELLED, and a normal answer is untouched by the bounds', async () => {
    emu.inject({ kind: 'endless', chunkDelayMs: 5 });
    const cancel = new AbortController();
    const t = translator({ deadlineMs: 60_000 });
    let seen = 0;
    let error: unknown;
    try {
      for await (const e of t.translate(textOnly, cancel.signal)) if (e.type === 'text' && ++seen === 3) cancel.abort();
    } catch (err) {
      error = err;
    }
    expect((error as TranslateError).code).toBe('CANCELLED');

    emu.configure({ text: 'Dinner is at eight.' });
    const normal = await drain(translator({ maxOutputChars: 19 }), textOnly);
    expect(normal).toEqual({ text: 'Dinner is at eight.', samples: 0, error: undefined });
  });

  it('runTranslation reports the cut as a failure after delivering exactly the capped text', async () => {
    emu.inject({ kind: 'endless', chunkDelayMs: 0 });
    const media = { part } as unknown as PreparedMedia;
    const plan = planTranslation({ to: 'en', from: 'zh', textOnly: true }, { strict: false });
    let shown = '';
    const err = await runTranslation(translator({ maxOutputChars: 2_000 }), media, plan, { onText: (d) => (shown += d) }).catch((e: unknown) => e);
    expect((err as TranslateError).code).toBe('OUTPUT_TOO_LONG');
    expect(shown).toHaveLength(2_000);
  });
});

describe('OutputBounds', () => {
  it('never splits a surrogate pair at the cap, and counts across deltas', () => {
    const b = new OutputBounds(5, 10);
    expect(b.text('abc')).toBe('abc');
    expect(b.exceeded).toBe(false);
    expect(b.text('d😀e')).toBe('d'); // the emoji would need units 5 and 6
    expect(b.exceeded).toBe(true);
    expect(b.audio(new Int16Array(12))).toHaveLength(10);
  });

  it('formats durations for messages', () => {
    expect(formatDuration(600_000)).toBe('10 min');
    expect(formatDuration(90_000)).toBe('90 s');
    expect(formatDuration(1_500)).toBe('1.5 s');
  });
});
