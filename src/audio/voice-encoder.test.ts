import { OggOpusDecoder } from 'ogg-opus-decoder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oggCrc32 } from './ogg-writer.js';
import { ffmpegDecode, ffmpegDuration, frequencyOf, onsetOf, parseOggPages, sine } from '../../test/support/audio-tools.js';
import { VoiceEncoder, encodeVoiceNote, type VoiceNote } from './voice-encoder.js';

// the decoders under test are independent: ogg-opus-decoder (WASM libopus + its own Ogg parser) and ffmpeg
let wasm: OggOpusDecoder;
beforeAll(async () => {
  wasm = new OggOpusDecoder();
  await wasm.ready;
});
afterAll(() => wasm.free());

async function decodeWasm(ogg: Buffer): Promise<Float32Array> {
  await wasm.reset();
  const r = await wasm.decodeFile(new Uint8Array(ogg));
  expect(r.errors).toEqual([]);
  expect(r.sampleRate).toBe(48000);
  return r.channelData[0] ?? new Float32Array(0);
}

/** Writes `samples` in uneven slices: 1, 7, 4801, 13, 960, 333, 1, 2400, ... */
function writeUneven(encoder: VoiceEncoder, samples: Int16Array): void {
  const sizes = [1, 7, 4801, 13, 960, 333, 0, 1, 2400];
  for (let at = 0, i = 0; at < samples.length; i++) {
    const size = sizes[i % sizes.length] ?? 1;
    encoder.write(samples.subarray(at, at + size));
    at += size;
  }
}

async function encodeSine(seconds: number, rate: 24000 | 48000 | 16000 = 24000): Promise<VoiceNote> {
  const encoder = new VoiceEncoder({ sampleRate: rate });
  writeUneven(encoder, sine(seconds, rate));
  return encoder.finish();
}

/** Checks the file with both decoders: exact length at 48 kHz (±1 ms), 440 Hz (±3 Hz), ffmpeg silent. */
async function expectDecodes(note: VoiceNote, seconds: number, checkPitch = true): Promise<void> {
  const expected = Math.round(seconds * 48000);
  const viaFfmpeg = ffmpegDecode(note.ogg, 48000);
  expect(viaFfmpeg.stderr).toBe('');
  expect(Math.abs(viaFfmpeg.samples.length - expected)).toBeLessThanOrEqual(48);
  const viaWasm = await decodeWasm(note.ogg);
  expect(Math.abs(viaWasm.length - expected)).toBeLessThanOrEqual(48);
  if (checkPitch) {
    expect(Math.abs(frequencyOf(viaFfmpeg.samples, 48000) - 440)).toBeLessThanOrEqual(3);
    expect(Math.abs(frequencyOf(viaWasm, 48000) - 440)).toBeLessThanOrEqual(3);
  }
  // ffmpeg prints the last granule / 48 kHz (pre-skip included, as for its own libopus files), rounded to 10 ms
  expect(Math.abs(ffmpegDuration(note.ogg) - (seconds + 312 / 48000))).toBeLessThanOrEqual(0.0051);
  for (const page of parseOggPages(note.ogg)) {
    const copy = Buffer.from(page.raw);
    copy.writeUInt32LE(0, 22);
    expect(oggCrc32(copy)).toBe(page.crc);
  }
}

describe('VoiceEncoder', () => {
  it('encodes 3.0 s of 440 Hz at 24 kHz, written in uneven slices, to the exact length and pitch', async () => {
    const note = await encodeSine(3.0);
    expect(note).toMatchObject({ sampleRate: 24000, samples: 72000, durationSecs: 3 });
    expect(ffmpegDecode(note.ogg, 48000).samples.length).toBe(144000);
    await expectDecodes(note, 3.0);
    const waveform = Buffer.from(note.waveform, 'base64');
    expect(waveform.length).toBeGreaterThanOrEqual(1);
    expect(waveform.length).toBeLessThanOrEqual(256);
    // 32 kbit/s ≈ 4 kB/s plus headers
    expect(note.ogg.length).toBeGreaterThan(8_000);
    expect(note.ogg.length).toBeLessThan(20_000);
  });

  it('trims a length that is not a multiple of 20 ms (1.234 s) exactly', async () => {
    const note = await encodeSine(1.234);
    expect(note.samples).toBe(29616);
    expect(note.durationSecs).toBeCloseTo(1.234, 6);
    expect(ffmpegDecode(note.ogg, 48000).samples.length).toBe(59232);
    await expectDecodes(note, 1.234);
  });

  it('pads an input shorter than one frame to 20 ms', async () => {
    const note = await encodeSine(100 / 24000);
    expect(note).toMatchObject({ samples: 480, durationSecs: 0.02 });
    expect(ffmpegDecode(note.ogg, 48000).samples.length).toBe(960);
    expect(await decodeWasm(note.ogg)).toHaveLength(960);
    await expectDecodes(note, 0.02, false);
    // and one just over a frame: 1 real frame + a padded one + the lookahead flush
    await expectDecodes(await encodeSine(0.03), 0.03, false);
  });

  it('works at 48 kHz and 16 kHz too', async () => {
    await expectDecodes(await encodeSine(1.01, 48000), 1.01);
    await expectDecodes(await encodeSine(0.77, 16000), 0.77);
  });

  it('aligns the audio: pre-skip 312 removes exactly the encoder delay', async () => {
    // 0.5 s of silence, then the sine: the onset must decode at 0.5 s (24000 at 48 kHz), within 1 ms
    const samples = new Int16Array(24000);
    samples.set(sine(0.5, 24000), 12000);
    const encoder = new VoiceEncoder();
    encoder.write(samples);
    const note = await encoder.finish();
    const decoded = ffmpegDecode(note.ogg, 48000).samples;
    expect(Math.abs(onsetOf(decoded, 0.25 * 0.5 * 32767) - 24000)).toBeLessThanOrEqual(48);
    const wasmDecoded = await decodeWasm(note.ogg);
    expect(Math.abs(onsetOf(wasmDecoded, 0.25 * 0.5) - 24000)).toBeLessThanOrEqual(48);
  });

  it('encodes during write: bytesSoFar grows before finish', async () => {
    const encoder = new VoiceEncoder();
    const headers = encoder.bytesSoFar;
    expect(headers).toBeGreaterThan(0); // OpusHead + OpusTags pages
    const audio = sine(4, 24000);
    for (let at = 0; at < 48000; at += 2400) encoder.write(audio.subarray(at, at + 2400)); // 2 s in 100 ms slices
    const afterTwo = encoder.bytesSoFar; // read synchronously: no await since the writes
    expect(afterTwo).toBeGreaterThan(headers + 3000); // ≥ 1 s of 32 kbit/s audio is on pages already
    encoder.write(audio.subarray(48000, 96000));
    expect(encoder.bytesSoFar).toBeGreaterThan(afterTwo + 6000);
    const note = await encoder.finish();
    expect(note.ogg.length).toBe(encoder.bytesSoFar);
  });

  it('encodeVoiceNote consumes an async iterable', async () => {
    async function* slices() {
      const audio = sine(1.5, 24000);
      for (let at = 0; at < audio.length; at += 1234) yield audio.subarray(at, at + 1234);
    }
    const note = await encodeVoiceNote(slices());
    expect(note.samples).toBe(36000);
    await expectDecodes(note, 1.5);
  });

  it('rejects an empty note, a second finish and bad options', async () => {
    await expect(new VoiceEncoder().finish()).rejects.toThrow(/no samples/);
    const encoder = new VoiceEncoder();
    encoder.write(sine(0.1, 24000));
    await encoder.finish();
    expect(() => encoder.write(new Int16Array(1))).toThrow(/already finished/);
    await expect(encoder.finish()).rejects.toThrow(/already finished/);
    expect(() => new VoiceEncoder({ sampleRate: 44100 as 48000 })).toThrow(/sample rate/);
    expect(() => new VoiceEncoder({ bitrate: 0 })).toThrow(/bitrate/);
  });
});
