import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isTranslateError } from '../../src/errors.js';
import { measureAudio, runFfmpeg } from '../../src/media/ffmpeg.js';
import { prepareMedia } from '../../src/media/intake.js';
import type { IntakeOptions } from '../../src/media/types.js';
import { ffmpeg } from '../support/audio-tools.js';
import { ffmpegDecode, fixtures, FFMPEG, frequencyOf } from '../support/media-fixtures.js';
import { flacHlsTrap, liveWebm, OTHER_FORMATS, plainWebm, videoOnly, wavDeclaring, webmWithDuration } from './media-corpus.js';
import { outcome } from './outcome.js';

const MB = 1024 * 1024;
const opts: IntakeOptions = { maxBytes: 25 * MB, ffmpegPath: FFMPEG };
const bytes = (data: Buffer) => ({ kind: 'bytes' as const, data });

function audioOf(uri: string, rate = 8000): Int16Array {
  return ffmpegDecode(Buffer.from(uri.slice(uri.indexOf(',') + 1), 'base64'), rate).samples;
}

describe('ffmpeg never probes: the FLAC-sniffed HLS playlist naming a local file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hostile-'));
  // the trap names a local WAV; Debian's ffmpeg will not read a WAV segment of a playlist even when left to
  // probe, so the proof that the trap is real names a local MP3 (which it does read); both are refused the same way
  const secretWav = join(dir, 'secret.wav');
  const secretMp3 = join(dir, 'secret.mp3');
  ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=1234:duration=2', secretWav]);
  ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=1234:duration=2', secretMp3]);

  it('is a real trap: an ffmpeg left to probe it reads the local file', () => {
    const file = join(dir, 'voice.flac');
    writeFileSync(file, flacHlsTrap(secretMp3));
    const probed = ffmpeg(['-v', 'error', '-i', file, '-ac', '1', '-ar', '8000', '-f', 's16le', '-']);
    const leaked = new Int16Array(new Uint8Array(probed.stdout).buffer, 0, probed.stdout.length >> 1);
    expect(frequencyOf(leaked, 8000)).toBeCloseTo(1234, -1);
  });

  it.each([['WAV', secretWav], ['MP3', secretMp3]])('naming a local %s: refused, and nothing of the local file reaches the model', async (_, secret) => {
    const trap = flacHlsTrap(secret);
    expect(trap.length).toBeLessThan(200);
    const result = await prepareMedia(bytes(trap), opts).then(
      (media) => (media.part?.type === 'input_audio' ? frequencyOf(audioOf(media.part.input_audio.data), 8000) : 0),
      (err: unknown) => (isTranslateError(err) ? err.code : 'other error'),
    );
    expect(result).toBe('TRANSCODE_FAILED');
  });
});

describe('durations are measured from the audio, never a header', () => {
  it('a live WebM (no Duration at all) longer than the cap is refused at the cap', async () => {
    const live = liveWebm(30);
    expect(live.includes(Buffer.from([0x44, 0x89]))).toBe(false); // no Duration element
    expect(await outcome(prepareMedia(bytes(live), { ...opts, maxSeconds: 20 }))).toBe(
      'MEDIA_TOO_LONG: That recording is too long for one translation. (it holds more than 20 s of audio)',
    );
  });

  it('a live WebM under the cap is measured and billed for its real length', async () => {
    const media = await prepareMedia(bytes(liveWebm(12)), opts);
    expect(media.source.durationSecs).toBeCloseTo(12, 0);
    expect(media.estimatedInputTokens).toBe(150);
  });

  it('a WebM whose Duration field was edited to 1 s is billed (or refused) by its real length', async () => {
    const edited = webmWithDuration(plainWebm(12), 1);
    const media = await prepareMedia(bytes(edited), opts);
    expect(media.source.durationSecs).toBeCloseTo(12, 0);
    expect(media.estimatedInputTokens).toBe(150);
    expect(await outcome(prepareMedia(bytes(edited), { ...opts, maxSeconds: 10 }))).toMatch(/^MEDIA_TOO_LONG/);
  });

  it('a conversion stops at its time budget (-t), and is refused past its output byte cap', async () => {
    // 5 s of audio, converted with a 2 s budget: -t stops it, and the MP3 stays within 8,000 bytes a second
    const mp3 = await runFfmpeg(FFMPEG, fixtures.flac(5), 'flac', ['-c:a', 'libmp3lame', '-b:a', '64k', '-ar', '24000', '-f', 'mp3'], { maxSeconds: 2, maxOutputBytes: 4 * 8000 });
    expect(ffmpegDecode(mp3, 8000).samples.length / 8000).toBeCloseTo(2, 0);
    expect(await outcome(runFfmpeg(FFMPEG, fixtures.flac(5), 'flac', ['-c:a', 'libmp3lame', '-f', 'mp3'], { maxSeconds: 60, maxOutputBytes: 1000 }))).toMatch(
      /^TRANSCODE_FAILED: .*\(the converted audio passed 1 KiB\)/,
    );
  });

  it('a WAV whose header declares 1 s but which holds 60 s is billed for 1 s and sends only that second', async () => {
    const media = await prepareMedia(bytes(wavDeclaring(1, 60)), opts);
    expect(media.source.durationSecs).toBeCloseTo(1, 2);
    expect(media.estimatedInputTokens).toBe(13);
    if (media.part?.type !== 'input_audio') throw new Error('expected audio');
    const sent = Buffer.from(media.part.input_audio.data.split(',')[1]!, 'base64');
    expect(sent.length).toBeLessThan(33_000);
    expect(sent.readUInt32LE(4)).toBe(sent.length - 8);
    expect(audioOf(media.part.input_audio.data).length).toBe(8000);
  });

  it('ffmpeg runs have a wall-clock timeout', async () => {
    expect(await outcome(measureAudio(FFMPEG, fixtures.flac(2), 'flac', 60, { timeoutMs: 1 }))).toBe(
      'TRANSCODE_FAILED: The file could not be decoded; it may be damaged. (ffmpeg took longer than 1 ms)',
    );
  });
});

describe('video without sound', () => {
  it.each(['mp4', 'webm'] as const)('a %s with no audio track is refused before any model call', async (ext) => {
    expect(await outcome(prepareMedia(bytes(videoOnly(ext)), opts))).toBe(
      'NO_AUDIO_TRACK: That video has no sound, so there is nothing to translate.',
    );
  });

  it('an MP4 with no audio track is refused even without ffmpeg (its tracks are read in-process)', async () => {
    expect(await outcome(prepareMedia(bytes(videoOnly('mp4')), { ...opts, ffmpegPath: undefined }))).toMatch(/^NO_AUDIO_TRACK/);
  });
});

describe('every format ffmpeg decodes is converted, not refused as "not audio or video"', () => {
  it.each(Object.keys(OTHER_FORMATS) as Array<keyof typeof OTHER_FORMATS>)('%s', async (name) => {
    const media = await prepareMedia(bytes(OTHER_FORMATS[name]()), opts);
    expect(media.sent).toMatchObject({ kind: 'audio', format: 'mp3', transcodedBy: 'ffmpeg' });
    expect(media.source.kind).toBe(['mpegts', 'avi', 'mpeg', 'ogv'].includes(name) ? 'video' : 'audio');
    expect(media.source.durationSecs).toBeCloseTo(2, 0);
    if (media.part?.type !== 'input_audio') throw new Error('expected audio');
    const pcm = audioOf(media.part.input_audio.data);
    expect(Math.abs(pcm.length / 8000 - 2)).toBeLessThan(0.15);
    expect(frequencyOf(pcm, 8000)).toBeCloseTo(440, -1);
  });
});
