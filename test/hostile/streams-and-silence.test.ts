/**
 * Two kinds of silent loss ffmpeg's reading used to allow (issue 9), against the real ffmpeg with files made here:
 * - a file with more than one audio stream (a multiplexed Ogg, an MKV with two language tracks) was read only up to
 *   its first stream, and the rest (here thirty times longer) was dropped without a word: now refused, one line;
 * - a file that decodes to (almost) no sound (an Ogg Opus bomb of empty packets read by ffmpeg
 *   whose block claims 2^56 bytes) measured ~0 s and was still sent and billed: now refused as no audio found.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { prepareMedia } from '../../src/media/intake.js';
import type { IntakeOptions } from '../../src/media/types.js';
import { FFMPEG, ffmpegFixture } from '../support/media-fixtures.js';
import { multiplexedOgg, oggOpusBomb } from './ogg-corpus.js';
import { outcome } from './outcome.js';
import { plainWebm } from './media-corpus.js';
import { twoStreamFile } from './stream-corpus.js';

const MB = 1024 * 1024;
const opts: IntakeOptions = { maxBytes: 25 * MB, ffmpegPath: FFMPEG };
const bytes = (data: Buffer) => ({ kind: 'bytes' as const, data });
const TWO_STREAMS = /^UNSUPPORTED_FORMAT: .*It holds 2 audio streams, and only a file with one is translated/;
const NO_AUDIO = /^NOT_MEDIA: .*No audio found in it/;

describe('more than one audio stream', () => {
  it('an Ogg Vorbis with two streams (1 s + 30 s) is refused, not cut to its first second', async () => {
    expect(await outcome(prepareMedia(bytes(twoStreamFile('ogg')), opts))).toMatch(TWO_STREAMS);
  });

  it('an MKV with two audio tracks is refused', async () => {
    expect(await outcome(prepareMedia(bytes(twoStreamFile('mkv')), opts))).toMatch(TWO_STREAMS);
  });

  it('a multiplexed Ogg Opus read by ffmpeg (a large file) is refused', async () => {
    const a = ffmpegFixture('ogg', ['-f', 'lavfi', '-i', 'sine=frequency=300:duration=1', '-c:a', 'libopus', '-b:a', '24k']);
    const b = ffmpegFixture('ogg', ['-f', 'lavfi', '-i', 'sine=frequency=500:duration=60', '-c:a', 'libopus', '-b:a', '24k']);
    const file = join(mkdtempSync(join(tmpdir(), 'two-streams-')), 'voice.ogg');
    writeFileSync(file, multiplexedOgg(a, b));
    // past spillAboveBytes a file is read by ffmpeg where it lies, as one over 8 MB is
    expect(await outcome(prepareMedia({ kind: 'file', path: file }, { ...opts, spillAboveBytes: 64 * 1024 }))).toMatch(TWO_STREAMS);
  });

  it('one audio stream still passes (a WebM of 2 s)', async () => {
    expect(await outcome(prepareMedia(bytes(plainWebm(2)), opts))).toBe('accepted');
  });
});

describe('no sound at all', () => {
  it('an Ogg Opus bomb of empty packets named voice.mp3, read by ffmpeg (large), is refused before any model call', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'bomb-')), 'voice.mp3');
    writeFileSync(file, oggOpusBomb({ bytes: 256 * 1024, claimSeconds: 5 }));
    expect(await outcome(prepareMedia({ kind: 'file', path: file }, { ...opts, spillAboveBytes: 64 * 1024 }))).toMatch(/^NOT_MEDIA: .*No audio found in it|^MEDIA_TOO_LONG|^MEDIA_INCONSISTENT/);
  });

  it('an MP3 of one frame (a few hundredths of a second) is refused', async () => {
    const mp3 = ffmpegFixture('mp3', ['-f', 'lavfi', '-i', 'sine=duration=1', '-c:a', 'libmp3lame', '-write_xing', '0', '-id3v2_version', '0']);
    expect(await outcome(prepareMedia(bytes(mp3.subarray(0, 418)), opts))).toMatch(NO_AUDIO);
  });
});
