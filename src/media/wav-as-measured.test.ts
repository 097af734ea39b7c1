import { describe, expect, it } from 'vitest';
import { ffmpegFixture, FFMPEG } from '../../test/support/media-fixtures.js';
import { measureAudio } from './ffmpeg.js';
import { pcmWavSeconds } from './wav-as-measured.js';

/** A WAV made by ffmpeg (an independent writer): `seconds` of a tone in the given PCM layout or codec. */
const wav = (seconds: number, codec: string, rate: number, channels: number) =>
  ffmpegFixture('wav', ['-f', 'lavfi', '-i', `sine=frequency=440:duration=${seconds}:sample_rate=${rate}`, '-ac', String(channels), '-c:a', codec]);

describe('pcmWavSeconds: an integer-PCM WAV measured by its sample bytes, as ffmpeg measures it', () => {
  it.each([
    ['16-bit mono 16 kHz', 2.5, 'pcm_s16le', 16_000, 1],
    ['24-bit stereo 48 kHz', 1.25, 'pcm_s24le', 48_000, 2],
    ['8-bit mono 8 kHz', 3, 'pcm_u8', 8_000, 1],
    ['32-bit 6 channels 44.1 kHz', 0.5, 'pcm_s32le', 44_100, 6],
  ])('%s: the same length as decoding it with ffmpeg', async (_label, seconds, codec, rate, channels) => {
    const file = wav(seconds, codec, rate, channels);
    const ours = pcmWavSeconds(file);
    expect(ours).toBeCloseTo(seconds, 3);
    const decoded = await measureAudio(FFMPEG, file, 'wav', 60);
    // ffmpeg resamples to 8 kHz to count: equal within one of its output samples
    expect(Math.abs(ours! - decoded.seconds)).toBeLessThan(1 / 8000 + 1e-9);
  });

  it('counts the samples present when the header declares more (a WAV cut short, or streamed with 0xFFFFFFFF)', () => {
    const file = wav(2, 'pcm_s16le', 16_000, 1);
    const cut = file.subarray(0, file.length - 16_000); // half a second of samples gone
    expect(pcmWavSeconds(cut)).toBeCloseTo(1.5, 3);
    const streamed = Buffer.from(file);
    streamed.writeUInt32LE(0xffffffff, streamed.indexOf('data') + 4);
    expect(pcmWavSeconds(streamed)).toBeCloseTo(2, 3);
  });

  it('leaves everything that is not plain integer PCM to ffmpeg', () => {
    expect(pcmWavSeconds(wav(1, 'pcm_mulaw', 8_000, 1))).toBeUndefined();
    expect(pcmWavSeconds(wav(1, 'adpcm_ms', 16_000, 1))).toBeUndefined();
    expect(pcmWavSeconds(wav(1, 'pcm_f32le', 16_000, 1))).toBeUndefined();
    const lying = wav(1, 'pcm_s16le', 16_000, 1);
    lying.writeUInt16LE(3, lying.indexOf('fmt ') + 8 + 12); // a block size that does not fit 16-bit mono
    expect(pcmWavSeconds(lying)).toBeUndefined();
    expect(pcmWavSeconds(Buffer.from('RIFF\0\0\0\0WAVEdata\0\0\0\0'))).toBeUndefined(); // data before fmt
    expect(pcmWavSeconds(Buffer.from('not a wav file at all'))).toBeUndefined();
  });
});
