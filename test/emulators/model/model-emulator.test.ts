// The model emulator driven by the real openai SDK: successful streams and validation refusals.

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator, type FragmentMode, type ModelEmulator } from './index.js';
import {
  client,
  collect,
  fakeOgg,
  goertzelRatio,
  livetranslateBody,
  makeWav,
  samplesOf,
  send,
  zeroCrossingHz,
} from './test-support.js';

let emu: ModelEmulator;
let files: Server;
let filesUrl: string;
const wav32 = makeWav(3.2);

beforeAll(async () => {
  emu = await startModelEmulator();
  // A local file server for URL inputs.
  files = createServer((req, res) => {
    if (req.url === '/voice.wav') return void res.end(wav32);
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => files.listen(0, '127.0.0.1', () => r()));
  filesUrl = `http://127.0.0.1:${(files.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await emu.close();
  await new Promise((r) => files.close(r));
});
beforeEach(() => emu.reset());

/** Decodes fragments the way a client must for each mode. */
function decode(fragments: string[], mode: FragmentMode): Buffer {
  if (mode === 'padded') return Buffer.concat(fragments.map((f) => Buffer.from(f, 'base64')));
  return Buffer.from(fragments.join(''), 'base64');
}

describe('successful streams', () => {
  it.each<FragmentMode>(['aligned', 'padded', 'unaligned'])('WAV in, text and a 440 Hz tone out (%s)', async (mode) => {
    emu.configure({ fragmentMode: mode });
    const got = await collect(await send(client(emu.baseUrl), livetranslateBody(wav32)));

    expect(got.text).toMatch(/^\[en\] This is the emulated translation of 3\.2 s of audio\./);
    expect(got.chunks.filter((c) => c.choices[0]?.delta.content).length).toBeGreaterThan(2);
    expect(got.fragments.length).toBeGreaterThan(5);
    expect(got.audioIds.size).toBe(1);
    expect([...got.audioIds][0]).toMatch(/^audio_/);
    expect(got.finishReasons).toEqual(['stop']);

    const sizes = got.fragments.map((f) => Buffer.from(f, 'base64').length);
    if (mode === 'aligned') expect(got.fragments.slice(0, -1).every((f) => f.length % 4 === 0)).toBe(true);
    if (mode === 'unaligned') expect(got.fragments.some((f) => f.length % 4 !== 0)).toBe(true);
    if (mode !== 'unaligned') expect(sizes.some((n) => n % 2 === 1)).toBe(true);

    const pcm = decode(got.fragments, mode);
    expect(pcm.length).toBe(3.2 * 24_000 * 2);
    const samples = samplesOf(pcm);
    expect(zeroCrossingHz(samples, 24_000)).toBeCloseTo(440, -1);
    expect(goertzelRatio(samples, 24_000, 440)).toBeGreaterThan(0.9);
    expect(goertzelRatio(samples, 24_000, 600)).toBeLessThan(0.05);
    expect(Math.max(...samples.slice(0, 200))).toBeGreaterThan(16_000);

    expect(got.usage).toMatchObject({
      prompt_tokens: 50,
      prompt_tokens_details: { audio_tokens: 50 },
      completion_tokens_details: { audio_tokens: 50 },
    });
    const u = got.usage as unknown as { completion_tokens_details: { text_tokens: number } };
    expect(got.usage?.completion_tokens).toBe(50 + u.completion_tokens_details.text_tokens);
    expect(got.usage?.total_tokens).toBe(got.usage!.prompt_tokens + got.usage!.completion_tokens);
  });

  it('records the request with the input sniffed, measured and the key masked', async () => {
    await collect(await send(client(emu.baseUrl), livetranslateBody(wav32, { seed: 7, max_tokens: 4096 })));
    const [r] = emu.requests;
    expect(r).toMatchObject({ method: 'POST', path: '/compatible-mode/v1/chat/completions', status: 200 });
    expect(r?.headers['authorization']).toBe('Bearer ***');
    expect(r?.input).toEqual({ kind: 'audio', sniffed: 'wav', declaredFormat: 'wav', bytes: wav32.length, durationSecs: 3.2, viaUrl: false, promptTokens: 50 });
    expect(r?.inputBytes).toBe(wav32.length);
    expect(JSON.stringify(r?.body).length).toBeLessThan(2_000);
  });

  it('text only: no audio, and the same works on /v1 with a URL input', async () => {
    const base = emu.baseUrl.replace('/compatible-mode/v1', '/v1');
    const body = livetranslateBody(wav32, { modalities: ['text'], audio: undefined, translation_options: { target_lang: 'vi' } });
    const messages = [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: `${filesUrl}/voice.wav`, format: 'wav' } }] }];
    const got = await collect(await send(client(base), { ...body, messages }));
    expect(got.text).toMatch(/^\[vi\] /);
    expect(got.fragments).toEqual([]);
    expect(got.usage).toMatchObject({ completion_tokens_details: { audio_tokens: 0 } });
    expect(emu.requests[0]?.input).toMatchObject({ viaUrl: true, sniffed: 'wav', durationSecs: 3.2 });
  });

  it('sniffs the bytes, not the declared format: MPEG frames measured by music-metadata; MP4 video', async () => {
    const frame = Buffer.alloc(417);
    frame.writeUInt32BE(0xfffb9064, 0); // MPEG-1 Layer III, 128 kbps, 44.1 kHz
    const mp3 = Buffer.concat(Array.from({ length: 100 }, () => frame)); // 100 × 1152 samples ≈ 2.61 s
    const audioPart = { type: 'input_audio', input_audio: { data: `data:audio/wav;base64,${mp3.toString('base64')}`, format: 'wav' } };
    await collect(await send(client(emu.baseUrl), livetranslateBody(wav32, { messages: [{ role: 'user', content: [audioPart] }] })));
    expect(emu.requests[0]?.input).toMatchObject({ sniffed: 'mp3', declaredFormat: 'wav' });
    expect(emu.requests[0]?.input?.durationSecs).toBeCloseTo(2.61, 2);

    const mp4 = Buffer.alloc(32);
    mp4.writeUInt32BE(32, 0);
    mp4.write('ftypisom', 4, 'latin1');
    const videoPart = { type: 'video_url', video_url: { url: `data:video/mp4;base64,${mp4.toString('base64')}` } };
    const got = await collect(await send(client(emu.baseUrl), livetranslateBody(wav32, { messages: [{ role: 'user', content: [videoPart] }] })));
    expect(emu.requests[1]?.input).toMatchObject({ kind: 'video', sniffed: 'mp4', durationSecs: 5 }); // unknown length: 5 s
    expect(got.usage).toMatchObject({ prompt_tokens_details: { audio_tokens: 63, video_tokens: 1102 }, prompt_tokens: 1165 });
  });

  it('speaks SSE: event-stream lines, then [DONE] (or not, when configured)', async () => {
    const post = () =>
      fetch(`${emu.baseUrl}/chat/completions`, {
        method: 'POST',
        headers: { authorization: 'Bearer test-key', 'content-type': 'application/json' },
        body: JSON.stringify(livetranslateBody(makeWav(1), { modalities: ['text'], audio: undefined })),
      });
    const res = await post();
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    expect(text.split('\n\n').filter(Boolean).every((l) => l.startsWith('data: '))).toBe(true);
    expect(text.endsWith('data: [DONE]\n\n')).toBe(true);
    const first = JSON.parse(text.slice(6, text.indexOf('\n\n'))) as Record<string, unknown>;
    expect(first).toMatchObject({ object: 'chat.completion.chunk', model: 'qwen3-livetranslate-flash' });
    expect(first['choices']).toEqual([expect.objectContaining({ index: 0, finish_reason: null })]);

    emu.configure({ sendDone: false, text: 'Hola mundo' });
    const again = await (await post()).text();
    expect(again).not.toContain('[DONE]');
    expect(again).toContain('"finish_reason":"stop"');
  });

  it('cuts at the output cap with finish_reason "length" (max_tokens, or a 5-minute input)', async () => {
    const small = await collect(await send(client(emu.baseUrl), livetranslateBody(wav32, { max_tokens: 30 })));
    expect(small.finishReasons).toEqual(['length']);
    expect(small.usage!.completion_tokens).toBeLessThanOrEqual(30);

    emu.configure({ chunkDelayMs: 0, fragmentBytes: { min: 32_000, max: 64_000 } });
    const long = makeWav(300, { rate: 8000, bits: 8 });
    const got = await collect(await send(client(emu.baseUrl), livetranslateBody(long)));
    expect(got.finishReasons).toEqual(['length']);
    expect(got.usage!.completion_tokens).toBeLessThanOrEqual(4096);
    expect(emu.requests[1]?.input?.durationSecs).toBe(300);
  });
});

describe('validation refusals', () => {
  const wav = makeWav(1);
  const user = livetranslateBody(wav)['messages'] as unknown[];
  const cases: [string, Record<string, unknown>, number, string][] = [
    ['a system message', { messages: [{ role: 'system', content: 'Translate.' }, ...user] }, 400, 'InvalidParameter'],
    ['two messages', { messages: [...user, ...user] }, 400, 'InvalidParameter'],
    ['an unknown target', { translation_options: { target_lang: 'xx' } }, 400, 'InvalidParameter'],
    ['no translation_options', { translation_options: undefined }, 400, 'InvalidParameter'],
    ['audio for a text-only target', { translation_options: { target_lang: 'th' } }, 400, 'InvalidParameter'],
    ['a voice that cannot speak the target', { audio: { voice: 'Kiki', format: 'wav' } }, 400, 'InvalidParameter'],
    ['an mp3 output format', { audio: { voice: 'Cherry', format: 'mp3' } }, 400, 'InvalidParameter'],
    ['stream false', { stream: false }, 400, 'InvalidParameter'],
    ['an unknown model', { model: 'qwen-max' }, 404, 'model_not_found'],
    ['an Ogg input', {
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: `data:audio/ogg;base64,${fakeOgg().toString('base64')}`, format: 'ogg' } }] }],
    }, 400, 'InvalidParameter'],
    ['garbage bytes', {
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'data:audio/wav;base64,AAAAAAAAAAAA', format: 'wav' } }] }],
    }, 400, 'InvalidParameter'],
    ['an unreachable URL', {
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: `${filesUrl}/missing.wav`, format: 'wav' } }] }],
    }, 400, 'InvalidParameter'],
  ];

  it.each(cases)('refuses %s', async (_name, overrides, status, code) => {
    const err = await send(client(emu.baseUrl), livetranslateBody(wav, overrides)).then(collect).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({ status, code });
    expect((err as APIError).message.length).toBeGreaterThan(15);
    expect(emu.requests.at(-1)).toMatchObject({ status, errorCode: code });
  });

  it('records the sniffed format of a refused Ogg input', async () => {
    const body = livetranslateBody(wav, cases.find((c) => c[0] === 'an Ogg input')![1]);
    await send(client(emu.baseUrl), body).catch(() => undefined);
    expect(emu.requests[0]?.input).toMatchObject({ sniffed: 'ogg', declaredFormat: 'ogg', durationSecs: 0 });
  });

  it('refuses a bad key with 401 InvalidApiKey', async () => {
    const err = await send(client(emu.baseUrl, 'wrong'), livetranslateBody(wav)).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 401, code: 'InvalidApiKey' });
  });
});
