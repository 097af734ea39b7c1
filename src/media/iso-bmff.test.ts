import { describe, expect, it } from 'vitest';
import { isoVideo } from '../../test/hostile/media-corpus.js';
import { FFMPEG, fixtures } from '../../test/support/media-fixtures.js';
import { prepareMedia } from './intake.js';
import { isoTracks } from './iso-bmff.js';
import { audioTokens, estimateInputTokens, MAX_INPUT_TOKENS } from './tokens.js';

describe('isoTracks', () => {
  it.each(['mp4', 'mov', '3gp'] as const)('reads the real frame size and rate of %s', (ext) => {
    expect(isoTracks(isoVideo(ext, '640x360', 25))).toEqual({ audio: true, video: { width: 640, height: 360, fps: 25, seconds: 2 } });
    expect(isoTracks(isoVideo(ext, '176x144', 12))).toEqual({ audio: true, video: { width: 176, height: 144, fps: 12, seconds: 2 } });
  });

  it('tells an audio-only file, and survives garbage', () => {
    expect(isoTracks(fixtures.m4a(1))).toEqual({ audio: true });
    expect(isoTracks(Buffer.from('\0\0\0\x10moov\xff\xff\xff\xfftrak', 'latin1'))).toEqual({ audio: false });
    expect(isoTracks(Buffer.alloc(3))).toEqual({ audio: false });
  });
});

describe('video token estimate from the real frame size', () => {
  it('a 640×360 MP4 is estimated at its size, not 1280×720', async () => {
    const media = await prepareMedia({ kind: 'bytes', data: isoVideo('mp4', '640x360', 25, 3) }, { maxBytes: 1 << 24, ffmpegPath: FFMPEG });
    expect(media.source.video).toEqual({ width: 640, height: 360, fps: 25, seconds: 3 });
    expect(media.estimatedInputTokens).toBe(estimateInputTokens('video', media.source.durationSecs!, { width: 640, height: 360, fps: 25 }));
    expect(media.estimatedInputTokens).toBeLessThan(estimateInputTokens('video', media.source.durationSecs!));
  });

  it('counts frames over the video track when it outlasts the sound (a 2 s sound under 60 s of pictures)', () => {
    const short = estimateInputTokens('video', 2, { width: 640, height: 360, fps: 25 });
    const long = estimateInputTokens('video', 2, { width: 640, height: 360, fps: 25, seconds: 60 });
    expect(long).toBeGreaterThan(short);
    expect(long - audioTokens(2)).toBe(estimateInputTokens('video', 60, { width: 640, height: 360, fps: 25 }) - audioTokens(60));
  });

  it('so a 45-minute 640×360 video fits the model input cap (it was refused when assumed 1280×720)', () => {
    expect(estimateInputTokens('video', 45 * 60, { width: 640, height: 360, fps: 25 })).toBeLessThanOrEqual(MAX_INPUT_TOKENS);
    expect(estimateInputTokens('video', 45 * 60)).toBeGreaterThan(MAX_INPUT_TOKENS);
  });
});
