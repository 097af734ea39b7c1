import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The ffmpeg binary the optional @ffmpeg-installer package ships (installed by `npm ci`). Tests use it to make
 *  fixtures and as an independent decoder. */
export const FFMPEG: string = (createRequire(import.meta.url)('@ffmpeg-installer/ffmpeg') as { path: string }).path;

/** A sine tone as 16-bit mono PCM. */
export function tone(seconds: number, hz = 440, sampleRate = 24_000, amplitude = 0.5): Int16Array {
  const n = Math.round(seconds * sampleRate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(Math.sin((2 * Math.PI * hz * i) / sampleRate) * amplitude * 32767);
  return out;
}

/** Runs ffmpeg with a lavfi source and returns the file it wrote (`ext` picks the container). */
export function ffmpegFixture(ext: string, args: string[]): Buffer {
  const dir = mkdtempSync(join(tmpdir(), 'lt-fixture-'));
  try {
    const out = join(dir, `out.${ext}`);
    execFileSync(FFMPEG, ['-nostdin', '-v', 'error', '-y', ...args, out]);
    return readFileSync(out);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const sine = (seconds: number, hz = 440) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=${seconds}`];
const picture = (seconds: number) => ['-f', 'lavfi', '-i', `testsrc=size=320x240:rate=10:duration=${seconds}`];

/** Fixtures in every format the bot meets: a 440 Hz tone (with a test picture for video). */
export const fixtures = {
  wav: (s = 2.5) => ffmpegFixture('wav', [...sine(s), '-ac', '1', '-ar', '16000']),
  mp3: (s = 2.5) => ffmpegFixture('mp3', [...sine(s), '-c:a', 'libmp3lame']),
  aac: (s = 2.5) => ffmpegFixture('aac', [...sine(s), '-c:a', 'aac', '-f', 'adts']),
  amr: (s = 2.5) => ffmpegFixture('amr', [...sine(s), '-ar', '8000', '-ac', '1', '-c:a', 'libopencore_amrnb']),
  '3gp': (s = 2.5) => ffmpegFixture('3gp', [...sine(s), '-ar', '8000', '-ac', '1', '-c:a', 'libopencore_amrnb']),
  m4a: (s = 2.5) => ffmpegFixture('m4a', [...sine(s), '-c:a', 'aac']),
  flac: (s = 2.5) => ffmpegFixture('flac', [...sine(s)]),
  oggOpus: (s = 2.5) => ffmpegFixture('ogg', [...sine(s), '-c:a', 'libopus', '-ar', '48000', '-ac', '1']),
  oggVorbis: (s = 2.5) => ffmpegFixture('ogg', [...sine(s), '-c:a', 'libvorbis']),
  webmAudio: (s = 2.5) => ffmpegFixture('webm', [...sine(s), '-c:a', 'libopus']),
  mp4Video: (s = 2.5) => ffmpegFixture('mp4', [...picture(s), ...sine(s), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest']),
  webmVideo: (s = 2.5) => ffmpegFixture('webm', [...picture(s), ...sine(s), '-c:v', 'libvpx', '-c:a', 'libopus', '-shortest']),
};

/** Decodes any audio to 16-bit mono PCM with ffmpeg (independent of our decoders). */
export function ffmpegDecode(data: Buffer, sampleRate: number): Int16Array {
  const dir = mkdtempSync(join(tmpdir(), 'lt-decode-'));
  try {
    const input = join(dir, 'in');
    writeFileSync(input, data);
    const pcm = execFileSync(FFMPEG, ['-nostdin', '-v', 'error', '-i', input, '-f', 's16le', '-ac', '1', '-ar', String(sampleRate), '-'], { maxBuffer: 1 << 30 });
    return new Int16Array(pcm.buffer, pcm.byteOffset, pcm.byteLength / 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Dominant frequency of a tone by counting upward crossings with hysteresis (from below -10% to above +10% of the
 * peak), so codec noise around zero does not add crossings.
 */
export function estimateFrequency(samples: Int16Array, sampleRate: number): number {
  let peak = 0;
  for (const s of samples) peak = Math.max(peak, Math.abs(s));
  const threshold = peak * 0.1;
  let armed = false;
  let crossings = 0;
  let first = -1;
  let last = -1;
  for (let i = 0; i < samples.length; i++) {
    const s = samples[i]!;
    if (s < -threshold) armed = true;
    else if (armed && s > threshold) {
      armed = false;
      crossings++;
      if (first < 0) first = i;
      last = i;
    }
  }
  return crossings > 1 ? ((crossings - 1) * sampleRate) / (last - first) : 0;
}
