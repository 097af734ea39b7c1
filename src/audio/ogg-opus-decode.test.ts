import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeOggOpusToWav } from './ogg-opus-decode.js';
import { buildOggPage, oggCrc32 } from './ogg-writer.js';
import { ffmpeg, ffmpegOggOpus, frequencyOf, parseOggPages, sine, withTempDir } from '../../test/support/audio-tools.js';
import { VoiceEncoder } from './voice-encoder.js';
import { parseWav } from './wav.js';

async function* chunked(buf: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < buf.length; at += size) yield buf.subarray(at, at + size);
}

async function expect440(input: Buffer | AsyncIterable<Buffer>, seconds: number) {
  const { wav, durationSecs } = await decodeOggOpusToWav(input);
  const parsed = parseWav(wav);
  expect(parsed).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
  expect(Math.abs(parsed.samples.length / 16000 - seconds)).toBeLessThanOrEqual(0.025);
  expect(durationSecs).toBe(parsed.samples.length / 16000);
  expect(Math.abs(frequencyOf(parsed.samples, 16000) - 440)).toBeLessThanOrEqual(3);
  return parsed;
}

describe('decodeOggOpusToWav', () => {
  it('decodes ffmpeg libopus files (48 kHz mono and stereo) to 16 kHz mono with the exact length', async () => {
    const mono = await expect440(ffmpegOggOpus({ seconds: 2.5 }), 2.5);
    expect(mono.samples.length).toBe(40000); // pre-skip and end trimming applied exactly
    const stereo = await expect440(ffmpegOggOpus({ seconds: 2.5, channels: 2 }), 2.5);
    expect(stereo.samples.length).toBe(40000);
  });

  it('decodes our own VoiceEncoder output, streamed in small chunks', async () => {
    const encoder = new VoiceEncoder();
    encoder.write(sine(2.5, 24000));
    const { ogg } = await encoder.finish();
    const whole = await expect440(ogg, 2.5);
    expect(whole.samples.length).toBe(40000);
    const streamed = await expect440(chunked(ogg, 333), 2.5);
    expect(Buffer.from(streamed.samples.buffer).equals(Buffer.from(whole.samples.buffer))).toBe(true);
  });

  it('decodes to another rate on request', async () => {
    const { wav, durationSecs } = await decodeOggOpusToWav(ffmpegOggOpus({ seconds: 1.234 }), { sampleRate: 48000 });
    const parsed = parseWav(wav);
    expect(parsed.sampleRate).toBe(48000);
    expect(parsed.samples.length).toBe(59232);
    expect(durationSecs).toBeCloseTo(1.234, 6);
  });

  it('rejects garbage, truncated, corrupted and non-Opus input with a clear Error', async () => {
    const garbage = Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) & 0xff));
    await expect(decodeOggOpusToWav(garbage)).rejects.toThrow(/^Invalid Ogg Opus stream: not an Ogg page/);
    await expect(decodeOggOpusToWav(Buffer.alloc(0))).rejects.toThrow(/Invalid Ogg Opus stream: it is empty/);
    await expect(decodeOggOpusToWav(chunked(Buffer.from('RIFF....WAVEfmt '), 4))).rejects.toThrow(Error);

    const ogg = ffmpegOggOpus({ seconds: 1 });
    await expect(decodeOggOpusToWav(ogg.subarray(0, ogg.length - 10))).rejects.toThrow(/truncated/);
    const flipped = Buffer.from(ogg);
    const audio = parseOggPages(ogg)[2];
    const at = (audio?.offset ?? 0) + (audio?.raw.length ?? 0) - 3; // a byte of Opus data
    flipped[at] = (flipped[at] ?? 0) ^ 0x5a;
    await expect(decodeOggOpusToWav(flipped)).rejects.toThrow(/CRC/);

    const vorbis = withTempDir((dir) => {
      const file = join(dir, 'v.ogg');
      ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=0.5', '-c:a', 'libvorbis', file]);
      return readFileSync(file);
    });
    await expect(decodeOggOpusToWav(vorbis)).rejects.toThrow(/does not carry Opus/);
  });

  it('joins a packet that continues on the next page (libogg muxers do this)', async () => {
    // re-paginate an ffmpeg file so its first audio packet (> 255 bytes) is split across two pages (valid Ogg)
    const pages = parseOggPages(ffmpegOggOpus({ seconds: 1 }));
    const [head, tags, audio, ...rest] = pages;
    if (!head || !tags || !audio) throw new Error('unexpected layout');
    expect(audio.lacing[0]).toBe(255);
    const first = buildOggPage(0, -1n, audio.serial, 2, [255], [audio.body.subarray(0, 255)]);
    const second = buildOggPage(1, audio.granule, audio.serial, 3, audio.lacing.slice(1), [audio.body.subarray(255)]);
    const renumbered = rest.map((p, i) => {
      const page = Buffer.from(p.raw);
      page.writeUInt32LE(4 + i, 18);
      page.writeUInt32LE(0, 22);
      page.writeUInt32LE(oggCrc32(page), 22);
      return page;
    });
    const ogg = Buffer.concat([head.raw, tags.raw, first, second, ...renumbered]);
    expect(parseOggPages(ogg).map((p) => p.crc)).toHaveLength(pages.length + 1);
    const split = await decodeOggOpusToWav(ogg);
    const whole = await decodeOggOpusToWav(Buffer.concat([head.raw, tags.raw, audio.raw, ...rest.map((p) => p.raw)]));
    expect(split.wav.equals(whole.wav)).toBe(true);
    expect(split.durationSecs).toBeCloseTo(1, 2);
    // a continued packet whose rest never comes is corrupt
    const cut = Buffer.concat([head.raw, tags.raw, first, ...renumbered]);
    await expect(decodeOggOpusToWav(cut)).rejects.toThrow(/continued packet is missing its rest/);
  });
});
