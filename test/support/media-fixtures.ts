import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ffmpeg, withTempDir } from './audio-tools.js';

export { FFMPEG, ffmpegDecode, frequencyOf, sine } from './audio-tools.js';

/** Runs ffmpeg with a lavfi source and returns the file it wrote (`ext` picks the container). */
export function ffmpegFixture(ext: string, args: string[]): Buffer {
  return withTempDir((dir) => {
    const out = join(dir, `out.${ext}`);
    const r = ffmpeg(['-v', 'error', '-y', ...args, out]);
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    return readFileSync(out);
  });
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
