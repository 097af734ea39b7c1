import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator, type Fault, type ModelEmulator } from '../../test/emulators/model/index.js';
import { encodeWav } from '../audio/wav.js';
import { isTranslateError, TranslateError, type ErrorCode } from '../errors.js';
import type { ModelInputPart } from '../media/types.js';
import { frequencyOf, sine } from '../../test/support/media-fixtures.js';
import { Translator, type TranslatorOptions } from './translator.js';
import type { TranslationEvent, TranslationRequest } from './types.js';

let emu: ModelEmulator;
const wavPart = (seconds: number): ModelInputPart => ({
  type: 'input_audio',
  input_audio: { data: `data:audio/wav;base64,${encodeWav(sine(seconds, 16000, 300), 16000).toString('base64')}`, format: 'wav' },
});
const speech: TranslationRequest = { part: wavPart(2), target: 'en', source: 'zh', voice: 'Cherry' };

function translator(extra: Partial<TranslatorOptions> = {}): Translator {
  return new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, ...extra });
}

async function collect(t: Translator, req: TranslationRequest, signal?: AbortSignal) {
  const events: TranslationEvent[] = [];
  let error: TranslateError | undefined;
  try {
    for await (const e of t.translate(req, signal)) events.push(e);
  } catch (err) {
    if (!(err instanceof TranslateError)) throw err;
    error = err;
  }
  const text = events.flatMap((e) => (e.type === 'text' ? [e.delta] : [])).join('');
  const pcm = events.flatMap((e) => (e.type === 'audio' ? [...e.pcm] : []));
  return { events, error, text, pcm: Int16Array.from(pcm) };
}

beforeAll(async () => {
  emu = await startModelEmulator();
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

describe('Translator against the model emulator', () => {
  it('sends the request exactly as documented', async () => {
    await collect(translator(), speech);
    const body = emu.requests[0]!.body as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(
      ['audio', 'messages', 'modalities', 'model', 'stream', 'stream_options', 'translation_options'],
    );
    expect(body).toMatchObject({
      model: 'qwen3-livetranslate-flash',
      modalities: ['text', 'audio'],
      audio: { voice: 'Cherry', format: 'wav' },
      stream: true,
      stream_options: { include_usage: true },
      translation_options: { source_lang: 'zh', target_lang: 'en' },
    });
    const messages = body.messages as { role: string; content: { type: string }[] }[];
    expect(messages).toHaveLength(1);
    expect(messages[0]!.role).toBe('user');
    expect(messages[0]!.content.map((c) => c.type)).toEqual(['input_audio']);
    expect(emu.requests[0]!.headers.authorization).toBe('Bearer ***');
  });

  it.each(['aligned', 'padded', 'unaligned'] as const)('streams text, whole samples of a 440 Hz tone, usage and end (%s fragments)', async (mode) => {
    emu.configure({ fragmentMode: mode, text: 'Hello there, this is a translated sentence.' });
    const { events, error, text, pcm } = await collect(translator(), speech);
    expect(error).toBeUndefined();
    expect(text).toBe('Hello there, this is a translated sentence.');
    expect(pcm.length).toBe(2 * 24000);
    expect(frequencyOf(pcm, 24000)).toBeCloseTo(440, 0);
    const usage = events.find((e) => e.type === 'usage');
    expect(usage).toMatchObject({ usage: { inputAudioTokens: 25, outputAudioTokens: 25 } });
    expect(events.at(-1)).toEqual({ type: 'end', finishReason: 'stop', truncated: false });
    // the finish comes once, after the last speech and before the usage chunk and the end of the stream
    const kinds = events.map((e) => e.type);
    expect(kinds.filter((k) => k === 'finish')).toHaveLength(1);
    expect(kinds.indexOf('finish')).toBeGreaterThan(kinds.lastIndexOf('audio'));
    expect(kinds.indexOf('finish')).toBeLessThan(kinds.indexOf('usage'));
  });

  it('asks for text only when there is no voice', async () => {
    const { events } = await collect(translator(), { ...speech, voice: undefined, source: undefined });
    const body = emu.requests[0]!.body as Record<string, unknown>;
    expect(body.modalities).toEqual(['text']);
    expect(body).not.toHaveProperty('audio');
    expect(body.translation_options).toEqual({ target_lang: 'en' });
    expect(events.some((e) => e.type === 'audio')).toBe(false);
  });

  it('reports the output cap as a truncated translation', async () => {
    emu.inject({ kind: 'length' });
    const { events, error } = await collect(translator(), speech);
    expect(error).toBeUndefined();
    expect(events.at(-1)).toEqual({ type: 'end', finishReason: 'length', truncated: true });
    expect(events).toContainEqual({ type: 'finish', finishReason: 'length' });
  });

  const refusals: [string, Fault, ErrorCode][] = [
    ['401', { kind: 'status', status: 401 }, 'PROVIDER_AUTH'],
    ['403', { kind: 'status', status: 403 }, 'PROVIDER_ACCESS_DENIED'],
    ['Arrearage', { kind: 'arrearage' }, 'PROVIDER_ARREARS'],
    ['input moderation', { kind: 'input-moderation' }, 'INPUT_MODERATED'],
    ['400 InvalidParameter', { kind: 'status', status: 400 }, 'PROVIDER_REJECTED'],
    ['408', { kind: 'status', status: 408 }, 'PROVIDER_TIMEOUT'],
    ['413', { kind: 'status', status: 413 }, 'PROVIDER_TOO_LARGE'],
    ['429', { kind: 'status', status: 429, retryAfter: 0 }, 'RATE_LIMITED'],
    ['500', { kind: 'status', status: 500 }, 'PROVIDER_UNAVAILABLE'],
    ['503', { kind: 'status', status: 503 }, 'PROVIDER_UNAVAILABLE'],
  ];
  it.each(refusals)('maps %s to %s', async (_name, fault, code) => {
    emu.inject({ ...fault, times: 5 });
    const { error, events } = await collect(translator({ streamRetries: 0 }), speech);
    expect(error?.code).toBe(code);
    expect(events).toEqual([]);
  });

  it('maps a bad key and an unknown model from the service itself', async () => {
    expect((await collect(translator({ apiKey: 'wrong' }), speech)).error?.code).toBe('PROVIDER_AUTH');
    const unknown = await collect(translator({ model: 'qwen-nope' }), speech);
    expect(unknown.error?.code).toBe('PROVIDER_REJECTED');
    expect(unknown.error?.message).toContain('The service said');
  });

  it('retries a 429 before anything is shown', async () => {
    emu.inject({ kind: 'status', status: 429, retryAfter: 0 });
    const { error, text } = await collect(translator({ maxRetries: 2 }), speech);
    expect(error).toBeUndefined();
    expect(text.length).toBeGreaterThan(0);
    expect(emu.requests.map((r) => r.status)).toEqual([429, 200]);
  });

  it('keeps the text shown so far when moderation stops the output mid-stream', async () => {
    emu.inject({ kind: 'output-moderation', afterChunks: 3 });
    const { error, text } = await collect(translator(), speech);
    expect(error?.code).toBe('OUTPUT_MODERATED');
    expect(text.length).toBeGreaterThan(0);
    expect(emu.requests).toHaveLength(1);
  });

  it('reports a stream cut after output as STREAM_CUT, without retrying', async () => {
    emu.inject({ kind: 'cut', afterChunks: 4 });
    const { error, events } = await collect(translator(), speech);
    expect(error?.code).toBe('STREAM_CUT');
    expect(error?.retryable).toBe(true);
    expect(events.length).toBeGreaterThan(0);
    expect(emu.requests).toHaveLength(1);
  });

  it('retries a stream cut before any output once, invisibly', async () => {
    emu.inject({ kind: 'cut', afterChunks: 0 });
    const { error, events } = await collect(translator(), speech);
    expect(error).toBeUndefined();
    expect(events.at(-1)).toMatchObject({ type: 'end', finishReason: 'stop' });
    expect(emu.requests).toHaveLength(2);
  });

  it('times out a stalled response', async () => {
    emu.inject({ kind: 'stall', afterChunks: 0, times: 3 });
    const { error } = await collect(translator({ idleTimeoutMs: 300, streamRetries: 0 }), speech);
    expect(error?.code).toBe('PROVIDER_TIMEOUT');
  });

  it('stops at once when cancelled mid-stream', async () => {
    emu.configure({ chunkDelayMs: 20 });
    const controller = new AbortController();
    const t = translator();
    const events: TranslationEvent[] = [];
    let caught: unknown;
    try {
      for await (const e of t.translate(speech, controller.signal)) {
        events.push(e);
        if (events.length === 2) controller.abort();
      }
    } catch (err) {
      caught = err;
    }
    expect(isTranslateError(caught, 'CANCELLED')).toBe(true);
    expect(events).toHaveLength(2);
  });
});
