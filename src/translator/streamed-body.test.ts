import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startModelEmulator, type ModelEmulator } from '../../test/emulators/model/index.js';
import { sine } from '../../test/support/media-fixtures.js';
import { encodeWav } from '../audio/wav.js';
import type { ModelInputPart } from '../media/types.js';
import { HeldInputs, SLICE_CHARS, streamingFetch } from './streamed-body.js';
import { Translator, type TranslatorOptions } from './translator.js';
import type { TranslationEvent, TranslationRequest } from './types.js';

let emu: ModelEmulator;
beforeAll(async () => {
  emu = await startModelEmulator({ chunkDelayMs: 0 });
});
afterAll(() => emu.close());
beforeEach(() => emu.reset());

const wav = (seconds: number) => encodeWav(sine(seconds, 16000, 300), 16000);
const part = (data: Buffer): ModelInputPart => ({ type: 'input_audio', input_audio: { data: `data:audio/wav;base64,${data.toString('base64')}`, format: 'wav' } });

async function bytesOf(body: RequestInit['body']): Promise<Buffer> {
  if (typeof body === 'string') return Buffer.from(body);
  return Buffer.from(await new Response(body).arrayBuffer());
}

/** A fetch that records each request's body bytes and content-length, then sends the same bytes to the emulator. */
function recordingFetch(sent: { bytes: Buffer; contentLength: string | null; streamed: boolean }[]): typeof fetch {
  return async (url, init) => {
    const bytes = await bytesOf(init?.body);
    sent.push({ bytes, contentLength: new Headers(init?.headers).get('content-length'), streamed: init?.body instanceof ReadableStream });
    return fetch(url, { ...init, body: bytes });
  };
}

function translator(extra: Partial<TranslatorOptions>): Translator {
  return new Translator({ apiKey: 'test-key', baseUrl: emu.baseUrl, model: 'qwen3-livetranslate-flash', maxRetries: 0, ...extra });
}

async function run(t: Translator, request: TranslationRequest): Promise<TranslationEvent[]> {
  const events: TranslationEvent[] = [];
  for await (const e of t.translate(request)) events.push(e);
  return events;
}

describe('a streamed request body', () => {
  it('is byte for byte the JSON the SDK would send, with an exact content-length', async () => {
    const input = part(wav(7.3)); // 7.3 s of 16 kHz: several slices
    const uri = input.type === 'input_audio' ? input.input_audio.data : '';
    const request: TranslationRequest = { part: input, target: 'en', source: 'zh', voice: 'Cherry' };
    const streamed: { bytes: Buffer; contentLength: string | null; streamed: boolean }[] = [];
    const serialised: typeof streamed = [];
    await run(translator({ fetch: recordingFetch(streamed) }), request);
    await run(translator({ fetch: recordingFetch(serialised), streamRequestBody: false }), { ...request });
    expect(streamed[0]!.streamed).toBe(true);
    expect(serialised[0]!.streamed).toBe(false);
    expect(uri.length).toBeGreaterThan(3 * SLICE_CHARS);
    expect(streamed[0]!.bytes.equals(serialised[0]!.bytes)).toBe(true);
    expect(streamed[0]!.contentLength).toBe(String(streamed[0]!.bytes.length));
    // the emulator parsed and validated both (documented shape, the WAV sniffed and measured)
    expect(emu.requests).toHaveLength(2);
    for (const r of emu.requests) expect(r.input).toMatchObject({ kind: 'audio', sniffed: 'wav', bytes: wav(7.3).length, viaUrl: false });
    expect(emu.requests.map((r) => r.status)).toEqual([200, 200]);
  });

  it('reaches the emulator directly (no recording in between) and the answer streams back', async () => {
    const events = await run(translator({}), { part: part(wav(3)), target: 'en', voice: 'Cherry' });
    expect(events.at(-1)).toMatchObject({ type: 'end', finishReason: 'stop' });
    expect(events.some((e) => e.type === 'audio')).toBe(true);
    expect(emu.requests[0]!.input).toMatchObject({ sniffed: 'wav', bytes: wav(3).length });
  });

  it('HeldInputs: only long base64 data URIs are held; the JSON around them is kept exactly', async () => {
    const held = new HeldInputs();
    expect(held.hold('https://example.com/a.wav')).toBe('https://example.com/a.wav');
    expect(held.hold('data:audio/wav;base64,AAAA')).toBe('data:audio/wav;base64,AAAA');
    const long = `data:audio/mpeg;base64,${Buffer.alloc(200_000, 7).toString('base64')}`;
    const notBase64 = `data:audio/mpeg,${'x'.repeat(100_000)}`;
    expect(held.hold(notBase64)).toBe(notBase64);
    const token = held.hold(long);
    expect(token).not.toBe(long);
    const body = { model: 'm', note: 'quote " and \u00e9 and \n', messages: [{ content: [{ input_audio: { data: token } }] }] };
    const out = held.body(JSON.stringify(body))!;
    const bytes = await bytesOf(out.stream);
    const expected = Buffer.from(JSON.stringify({ ...body, messages: [{ content: [{ input_audio: { data: long } }] }] }));
    expect(bytes.equals(expected)).toBe(true);
    expect(out.length).toBe(expected.length);
    expect(held.body('{"no":"placeholder"}')).toBeUndefined();
    // base64 in MIME lines would need escapes: the request fails rather than send other bytes than JSON.stringify
    const lines = held.hold(`data:audio/mpeg;base64,${'QUJD\n'.repeat(30_000)}`);
    await expect(bytesOf(held.body(JSON.stringify({ data: lines }))!.stream)).rejects.toThrow(/not plain base64/);
    held.release(lines);
    held.release(token);
    expect(held.size).toBe(0);
    expect(() => held.body(JSON.stringify(body))).toThrow(/released/);
    // a fetch for a body without a held input goes through untouched
    const seen: RequestInit[] = [];
    await streamingFetch(held, (async (_url: string, init: RequestInit) => {
      seen.push(init);
      return new Response('{}');
    }) as typeof fetch)('http://x', { method: 'POST', body: '{"a":1}' });
    expect(seen[0]!.body).toBe('{"a":1}');
    // a streamed body is sent without following redirects: else fetch keeps a replay copy of every byte sent
    const again = held.hold(long);
    await streamingFetch(held, (async (_url: string, init: RequestInit) => {
      seen.push(init);
      await bytesOf(init.body);
      return new Response('{}');
    }) as typeof fetch)('http://x', { method: 'POST', body: JSON.stringify({ data: again }) });
    expect(seen[1]).toMatchObject({ redirect: 'error', duplex: 'half' });
    expect(seen[1]!.body).toBeInstanceOf(ReadableStream);
  });
});

describe('the input is held only until the answer starts', () => {
  it('is released (and the caller told) at the first output, and kept for a retry before it', async () => {
    emu.inject({ kind: 'status', status: 503 });
    const t = translator({ maxRetries: 1 });
    let released = 0;
    let eventsBeforeRelease = -1;
    const events: TranslationEvent[] = [];
    const request: TranslationRequest = { part: part(wav(2)), target: 'en', voice: 'Cherry', releaseInput: () => (released++, eventsBeforeRelease = events.length) };
    for await (const e of t.translate(request)) events.push(e);
    expect(emu.requests.map((r) => r.status)).toEqual([503, 200]); // the retry sent the whole input again
    expect(emu.requests[1]!.input).toMatchObject({ bytes: wav(2).length });
    expect(released).toBe(1);
    expect(eventsBeforeRelease).toBe(0); // before the first event was handed over
    expect((t as unknown as { held: HeldInputs }).held.size).toBe(0);
  });

  it('is released when the call fails or the consumer stops early', async () => {
    const t = translator({});
    emu.inject({ kind: 'status', status: 400, code: 'InvalidParameter' });
    let released = 0;
    await expect(run(t, { part: part(wav(2)), target: 'en', releaseInput: () => released++ })).rejects.toThrow();
    expect(released).toBe(1);
    for await (const _ of t.translate({ part: part(wav(2)), target: 'en', voice: 'Cherry', releaseInput: () => released++ })) break;
    expect(released).toBe(2);
    expect((t as unknown as { held: HeldInputs }).held.size).toBe(0);
  });
});

describe('the stream loop', () => {
  it('lets the event loop run between events (yieldAfterMs 0)', async () => {
    emu.configure({ audioSeconds: 4, chunkDelayMs: 0 });
    const turnsBetween = async (yieldAfterMs: number) => {
      let turns = 0;
      let live = true;
      const tick = () => {
        turns++;
        if (live) setImmediate(tick);
      };
      const t = translator({ yieldAfterMs });
      const seen: number[] = [];
      const stream = t.translate({ part: part(wav(2)), target: 'en', voice: 'Cherry' });
      const first = await stream.next(); // the response has started and the chunks are arriving
      expect(first.done).toBe(false);
      setImmediate(tick);
      for await (const e of stream) if (e.type !== 'usage') seen.push(turns);
      live = false;
      return seen;
    };
    const yielding = await turnsBetween(0);
    // every event was handed over in a turn of its own (the timer chain advanced between any two)
    expect(yielding.length).toBeGreaterThan(10);
    for (let i = 1; i < yielding.length - 1; i++) expect(yielding[i]!).toBeGreaterThan(yielding[i - 1]!);
  });
});
