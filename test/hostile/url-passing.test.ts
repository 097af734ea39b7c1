/**
 * A URL is passed to the model only when the model would fetch the very bytes that were measured (issue 9): a WAV
 * whose header declares 1 s but which holds 5 s is cut to its declared second here, so its URL (which would give
 * the model all 5 s) is not sent; the cut bytes are.
 */
import { describe, expect, it } from 'vitest';
import { prepareMedia } from '../../src/media/intake.js';
import { parseWav } from '../../src/audio/wav.js';
import { FFMPEG } from '../support/media-fixtures.js';
import { wavDeclaring } from './media-corpus.js';
import { makeWav } from '../emulators/model/test-support.js';

const serve = (data: Buffer) => (async () => new Response(new Uint8Array(data), { headers: { 'content-type': 'audio/wav' } })) as unknown as typeof fetch;
const source = { kind: 'url' as const, url: 'https://files.example/voice.wav' };

describe('passing URLs (the CLI default)', () => {
  it('a WAV trimmed to its declared length goes as the trimmed bytes, not as its URL', async () => {
    const media = await prepareMedia(source, { maxBytes: 25 << 20, ffmpegPath: FFMPEG, fetch: serve(wavDeclaring(1, 5)), passUrls: true });
    expect(media.sent.via).toBe('data-uri');
    const part = media.part!;
    if (part.type !== 'input_audio') throw new Error('not audio');
    const sent = parseWav(Buffer.from(part.input_audio.data.slice(part.input_audio.data.indexOf(',') + 1), 'base64'));
    expect(sent.samples.length / sent.sampleRate).toBeCloseTo(1, 1);
  });

  it('a WAV sent unchanged still goes as its URL', async () => {
    const media = await prepareMedia(source, { maxBytes: 25 << 20, ffmpegPath: FFMPEG, fetch: serve(makeWav(1)), passUrls: true });
    expect(media.sent.via).toBe('url');
    expect(media.part).toMatchObject({ input_audio: { data: source.url } });
  });
});
