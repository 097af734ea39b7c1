import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ffmpeg, sine, withTempDir } from '../../test/support/audio-tools.js';
import { encodeWav, parseWav, wavHeader } from './wav.js';

describe('wav', () => {
  it('writes a 44-byte header that ffmpeg reads back sample for sample', () => {
    const samples = sine(0.3, 16000);
    const wav = encodeWav(samples, 16000);
    expect(wav.length).toBe(44 + samples.length * 2);
    expect(wavHeader(samples.length * 2, 16000).equals(wav.subarray(0, 44))).toBe(true);
    const raw = withTempDir((dir) => {
      writeFileSync(join(dir, 'a.wav'), wav);
      const r = ffmpeg(['-v', 'error', '-i', join(dir, 'a.wav'), '-f', 's16le', '-']);
      expect(r.stderr).toBe('');
      return r.stdout;
    });
    expect(raw.equals(wav.subarray(44))).toBe(true);
  });

  it('parses its own output and files written by ffmpeg (with extra chunks)', () => {
    const samples = sine(0.2, 24000);
    expect([...parseWav(encodeWav(samples, 24000)).samples]).toEqual([...samples]);
    const fromFfmpeg = withTempDir((dir) => {
      const file = join(dir, 'b.wav');
      ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=duration=0.25:sample_rate=22050', '-metadata', 'title=x', file]);
      return readFileSync(file);
    });
    expect(fromFfmpeg.toString('latin1')).toContain('LIST'); // a chunk the parser must skip
    const parsed = parseWav(fromFfmpeg);
    expect(parsed).toMatchObject({ sampleRate: 22050, channels: 1, bitsPerSample: 16 });
    expect(parsed.samples.length).toBe(5513);
  });

  it('handles odd-sized chunks, WAVE_FORMAT_EXTENSIBLE and an oversized (streamed) data size', () => {
    const fmt = Buffer.alloc(40);
    fmt.writeUInt16LE(0xfffe, 0);
    fmt.writeUInt16LE(1, 2);
    fmt.writeUInt32LE(8000, 4);
    fmt.writeUInt32LE(16000, 8);
    fmt.writeUInt16LE(2, 12);
    fmt.writeUInt16LE(16, 14);
    fmt.writeUInt16LE(22, 16);
    fmt.writeUInt16LE(1, 24); // sub-format GUID starts with WAVE_FORMAT_PCM
    const chunk = (id: string, body: Buffer, size = body.length) => {
      const h = Buffer.alloc(8);
      h.write(id, 0, 'latin1');
      h.writeUInt32LE(size, 4);
      return Buffer.concat([h, body, body.length & 1 ? Buffer.alloc(1) : Buffer.alloc(0)]);
    };
    const data = Buffer.from([1, 0, 2, 0, 0xff, 0xff]);
    const riff = Buffer.concat([
      Buffer.from('RIFF\0\0\0\0WAVE', 'latin1'),
      chunk('junk', Buffer.from('odd')),
      chunk('fmt ', fmt),
      chunk('data', data, 0xffffffff),
    ]);
    expect(parseWav(riff)).toMatchObject({ sampleRate: 8000, channels: 1, bitsPerSample: 16 });
    expect([...parseWav(riff).samples]).toEqual([1, 2, -1]);
  });

  it('rejects non-WAV, stereo, 8-bit and float files', () => {
    expect(() => parseWav(Buffer.from('OggS not a wav'))).toThrow(/Not a WAV/);
    const stereo = Buffer.concat([wavHeader(8, 16000, 2), Buffer.alloc(8)]);
    expect(() => parseWav(stereo)).toThrow(/2-channel 16-bit; only mono 16-bit/);
    const eightBit = Buffer.from(stereo);
    eightBit.writeUInt16LE(1, 22);
    eightBit.writeUInt16LE(8, 34);
    expect(() => parseWav(eightBit)).toThrow(/1-channel 8-bit/);
    const float = Buffer.from(encodeWav(new Int16Array(2), 16000));
    float.writeUInt16LE(3, 20);
    expect(() => parseWav(float)).toThrow(/not integer PCM/);
    expect(() => parseWav(encodeWav(new Int16Array(2), 16000).subarray(0, 36))).toThrow(/no data chunk/);
  });
});
