import { describe, expect, it } from 'vitest';
import { FFMPEG, ffmpegDecode, frequencyOf, sine } from '../../test/support/media-fixtures.js';
import { StreamingMp3 } from './mp3-stream.js';

describe('StreamingMp3', () => {
  it('encodes speech fed chunk by chunk into an MP3 of the same length and pitch', async () => {
    const pcm = sine(3, 24_000);
    const mp3 = new StreamingMp3(FFMPEG, 24_000);
    // 40 ms chunks, as the model sends them; the caller's buffer is overwritten after each write (copied inside)
    const chunk = new Int16Array(960);
    for (let at = 0; at < pcm.length; at += chunk.length) {
      const part = pcm.subarray(at, at + chunk.length);
      chunk.set(part);
      mp3.write(chunk.subarray(0, part.length));
      chunk.fill(0);
      await new Promise((r) => setImmediate(r));
    }
    expect(mp3.samples).toBe(pcm.length);
    mp3.end();
    const out = await mp3.result;
    expect(out).toMatchObject({ samples: pcm.length, sampleRate: 24_000 });
    const { samples, stderr } = ffmpegDecode(out!.mp3, 24_000);
    expect(stderr).toBe('');
    expect(Math.abs(samples.length / 24_000 - 3)).toBeLessThan(0.1);
    expect(frequencyOf(samples, 24_000)).toBeCloseTo(440, 0);
  });

  it('aborted, or with a missing ffmpeg, it answers undefined and leaves nothing running', async () => {
    const mp3 = new StreamingMp3(FFMPEG, 24_000);
    mp3.write(sine(0.5, 24_000));
    mp3.abort();
    mp3.abort();
    expect(await mp3.result).toBeUndefined();
    const missing = new StreamingMp3('/nonexistent/ffmpeg', 24_000);
    missing.write(sine(0.1, 24_000));
    missing.end();
    expect(await missing.result).toBeUndefined();
  });
});
