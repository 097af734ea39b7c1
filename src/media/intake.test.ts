import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseWav } from '../audio/wav.js';
import { isTranslateError, type ErrorCode } from '../errors.js';
import { frequencyOf, FFMPEG, ffmpegDecode, fixtures } from '../../test/support/media-fixtures.js';
import { isPublicHttpsUrl, prepareMedia } from './intake.js';
import type { IntakeOptions, MediaSource } from './types.js';

const MB = 1024 * 1024;
const opts: IntakeOptions = { maxBytes: 25 * MB, ffmpegPath: FFMPEG };
const bytes = (data: Buffer): MediaSource => ({ kind: 'bytes', data });

function dataOf(uri: string): Buffer {
  return Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64');
}

async function refusal(source: MediaSource, options: IntakeOptions = opts): Promise<ErrorCode | 'accepted'> {
  try {
    await prepareMedia(source, options);
    return 'accepted';
  } catch (err) {
    if (!isTranslateError(err)) throw err;
    return err.code;
  }
}

describe('prepareMedia: formats', () => {
  it.each(['wav', 'mp3', 'aac', 'amr', '3gp'] as const)('sends %s as it is, inline', async (name) => {
    const data = fixtures[name]();
    const media = await prepareMedia(bytes(data), opts);
    expect(media.source).toMatchObject({ kind: 'audio', format: name });
    expect(media.source.durationSecs).toBeGreaterThan(2.4);
    expect(media.source.durationSecs).toBeLessThan(2.7);
    expect(media.estimatedInputTokens).toBe(38);
    expect(media.sent).toEqual({ kind: 'audio', format: name, bytes: data.length, via: 'data-uri' });
    if (media.part?.type !== 'input_audio') throw new Error('expected audio part');
    expect(media.part.input_audio.format).toBe(name);
    expect(dataOf(media.part.input_audio.data).equals(data)).toBe(true);
  });

  it('decodes an Ogg Opus voice note in-process to 16 kHz WAV that keeps pitch and length', async () => {
    const media = await prepareMedia(bytes(fixtures.oggOpus(2.5)), { ...opts, ffmpegPath: undefined });
    expect(media.source).toMatchObject({ kind: 'audio', format: 'ogg-opus', durationSecs: 2.5 });
    expect(media.sent).toMatchObject({ format: 'wav', transcodedBy: 'opus-decoder', via: 'data-uri' });
    if (media.part?.type !== 'input_audio') throw new Error('expected audio part');
    expect(media.part.input_audio.data.startsWith('data:audio/wav;base64,')).toBe(true);
    const wav = parseWav(dataOf(media.part.input_audio.data));
    expect(wav.sampleRate).toBe(16000);
    expect(Math.abs(wav.samples.length / 16000 - 2.5)).toBeLessThan(0.025);
    expect(frequencyOf(wav.samples, 16000)).toBeCloseTo(440, -1);
  });

  it.each(['webmAudio', 'm4a', 'oggVorbis', 'flac'] as const)('converts %s to MP3 with ffmpeg', async (name) => {
    const media = await prepareMedia(bytes(fixtures[name](2)), opts);
    expect(media.source.kind).toBe('audio');
    expect(media.sent).toMatchObject({ kind: 'audio', format: 'mp3', transcodedBy: 'ffmpeg' });
    if (media.part?.type !== 'input_audio') throw new Error('expected audio part');
    const pcm = ffmpegDecode(dataOf(media.part.input_audio.data), 24000).samples;
    expect(Math.abs(pcm.length / 24000 - 2)).toBeLessThan(0.1);
    expect(frequencyOf(pcm, 24000)).toBeCloseTo(440, -1);
  });

  it('says clearly when a format needs ffmpeg and there is none', async () => {
    const err = await prepareMedia(bytes(fixtures.webmAudio()), { ...opts, ffmpegPath: undefined }).catch((e: unknown) => e);
    expect(isTranslateError(err, 'TRANSCODER_MISSING')).toBe(true);
    expect((err as Error).message).toContain('ffmpeg');
  });

  it('sends MP4 video as a video part with its token estimate', async () => {
    const media = await prepareMedia(bytes(fixtures.mp4Video(2.5)), opts);
    expect(media.source).toMatchObject({ kind: 'video', format: 'mp4' });
    expect(media.part?.type).toBe('video_url');
    if (media.part?.type !== 'video_url') return;
    expect(media.part.video_url.url.startsWith('data:video/mp4;base64,')).toBe(true);
    // 5 frames → 4 (min) … ceil(4/2) × tiles(320x240 scaled up to ≥128 tiles) + 2, plus 3 s of audio
    expect(media.estimatedInputTokens).toBeGreaterThan(38 + 2 * 128);
  });

  it('sends WebM video as audio only, and says so', async () => {
    const media = await prepareMedia(bytes(fixtures.webmVideo(2)), opts);
    expect(media.source).toMatchObject({ kind: 'video', format: 'webm' });
    expect(media.sent).toMatchObject({ kind: 'audio', format: 'mp3' });
    expect(media.notices).toEqual(['This video format was sent as audio only, without its pictures.']);
  });
});

describe('prepareMedia: refusals', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lt-intake-'));

  it('refuses missing, empty and non-media files', async () => {
    expect(await refusal({ kind: 'file', path: join(dir, 'nope.wav') })).toBe('FILE_NOT_FOUND');
    writeFileSync(join(dir, 'empty.ogg'), '');
    expect(await refusal({ kind: 'file', path: join(dir, 'empty.ogg') })).toBe('EMPTY_FILE');
    writeFileSync(join(dir, 'notes.mp3'), 'these are not sounds, just text that pretends to be an mp3 file\n'.repeat(20));
    expect(await refusal({ kind: 'file', path: join(dir, 'notes.mp3') })).toBe('NOT_MEDIA');
    const png = Buffer.from('89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489', 'hex');
    expect(await refusal(bytes(png))).toBe('NOT_MEDIA');
    expect(await refusal({ kind: 'file', path: dir })).toBe('FILE_NOT_FOUND');
  });

  it('refuses a file over the size cap before reading it', async () => {
    writeFileSync(join(dir, 'big.wav'), fixtures.wav(2));
    expect(await refusal({ kind: 'file', path: join(dir, 'big.wav') }, { ...opts, maxBytes: 1000 })).toBe('FILE_TOO_LARGE');
  });

  it('refuses audio beyond the model input cap (about 65 min)', async () => {
    // AMR "no data" frames: 1 byte per 20 ms, so 66 minutes fit in 198 kB
    const amr = Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(66 * 60 * 50, 0x7c)]);
    const err = await prepareMedia(bytes(amr), opts).catch((e: unknown) => e);
    expect(isTranslateError(err, 'MEDIA_TOO_LONG')).toBe(true);
    expect((err as Error).message).toContain('66 min');
    const ok = Buffer.concat([Buffer.from('#!AMR\n'), Buffer.alloc(60 * 60 * 50, 0x7c)]);
    expect((await prepareMedia(bytes(ok), opts)).estimatedInputTokens).toBe(45_000);
  });
});

describe('prepareMedia: downloads', () => {
  let server: Server;
  let base = '';
  const served: { path: string; bytesSent: number; aborted: boolean }[] = [];
  const wav = fixtures.wav(1);

  beforeAll(async () => {
    server = createServer((req, res) => {
      const record = { path: req.url ?? '', bytesSent: 0, aborted: false };
      served.push(record);
      res.on('close', () => (record.aborted = !res.writableFinished));
      if (req.url === '/voice.wav') return void res.writeHead(200, { 'content-type': 'audio/wav' }).end(wav);
      if (req.url === '/login') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<!DOCTYPE html><html>Sign in</html>');
      if (req.url === '/declared-huge') return void res.writeHead(200, { 'content-length': String(50 * MB) }).end();
      if (req.url === '/endless') {
        // no content-length: the cap must stop the download while it streams
        res.writeHead(200, { 'content-type': 'audio/wav' });
        const chunk = Buffer.alloc(64 * 1024, 1);
        const pump = () => {
          while (!res.destroyed && record.bytesSent < 20 * MB) {
            record.bytesSent += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          res.end();
        };
        return pump();
      }
      res.writeHead(404).end('not found');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('downloads and inlines a local URL (never passed to the model by URL)', async () => {
    const media = await prepareMedia({ kind: 'url', url: `${base}/voice.wav` }, opts);
    expect(media.sent.via).toBe('data-uri');
    expect(media.source.format).toBe('wav');
  });

  it('reports a login page instead of feeding it to the model', async () => {
    const err = await prepareMedia({ kind: 'url', url: `${base}/login` }, opts).catch((e: unknown) => e);
    expect(isTranslateError(err, 'DOWNLOAD_FAILED')).toBe(true);
    expect((err as Error).message).toContain('web page');
  });

  it('refuses by declared size, and stops an undeclared one at the cap while streaming', async () => {
    expect(await refusal({ kind: 'url', url: `${base}/declared-huge` })).toBe('FILE_TOO_LARGE');
    expect(await refusal({ kind: 'url', url: `${base}/endless` }, { ...opts, maxBytes: 1 * MB })).toBe('FILE_TOO_LARGE');
    await new Promise((r) => setTimeout(r, 50));
    const endless = served.find((s) => s.path === '/endless')!;
    expect(endless.aborted).toBe(true);
    expect(endless.bytesSent).toBeLessThan(10 * MB);
  });

  it('reports HTTP errors and unreachable hosts', async () => {
    expect(await refusal({ kind: 'url', url: `${base}/missing` })).toBe('DOWNLOAD_FAILED');
    expect(await refusal({ kind: 'url', url: 'http://127.0.0.1:1/x.wav' })).toBe('DOWNLOAD_FAILED');
    expect(await refusal({ kind: 'url', url: 'ftp://example.com/x.wav' })).toBe('URL_NOT_ALLOWED');
  });

  it('passes only public https URLs through', () => {
    expect(isPublicHttpsUrl('https://cdn.example.com/a.wav')).toBe(true);
    expect(isPublicHttpsUrl('http://cdn.example.com/a.wav')).toBe(false);
    for (const host of ['localhost', '127.0.0.1', '10.1.2.3', '192.168.0.4', '172.20.0.1', '169.254.169.254', '[::1]', 'a.localhost']) {
      expect(isPublicHttpsUrl(`https://${host}/a.wav`), host).toBe(false);
    }
    expect(isPublicHttpsUrl('https://8.8.8.8/a.wav')).toBe(true);
  });
});
