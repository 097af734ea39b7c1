import { readFileSync, writeFileSync } from 'node:fs';
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

/**
 * AMR-NB (RFC 4867 §5: "#!AMR\n", then 20 ms frames of a 1-byte header and a payload; mode 7, 12.2 kbit/s, has 31
 * bytes). Debian's ffmpeg decodes AMR but has no AMR encoder (libopencore-amrnb's encoder is not built in), so the
 * frames are written here: a fixed bit pattern that decodes to a steady buzz, not a 440 Hz tone.
 */
function amrNb(seconds: number): Buffer {
  const frame = Buffer.concat([Buffer.from([0x3c]), Buffer.alloc(31, 0x5a)]);
  return Buffer.concat([Buffer.from('#!AMR\n', 'latin1'), ...Array<Buffer>(Math.round(seconds * 50)).fill(frame)]);
}

/** The AMR stream above in a 3GP container (ffmpeg copies it, no encoder needed). */
function amr3gp(seconds: number): Buffer {
  return withTempDir((dir) => {
    const amr = join(dir, 'in.amr');
    writeFileSync(amr, amrNb(seconds));
    return ffmpegFixture('3gp', ['-f', 'amr', '-i', amr, '-c:a', 'copy']);
  });
}

/** Fixtures in every format the bot meets: a 440 Hz tone (with a test picture for video); AMR is a buzz (above). */
export const fixtures = {
  wav: (s = 2.5) => ffmpegFixture('wav', [...sine(s), '-ac', '1', '-ar', '16000']),
  mp3: (s = 2.5) => ffmpegFixture('mp3', [...sine(s), '-c:a', 'libmp3lame']),
  aac: (s = 2.5) => ffmpegFixture('aac', [...sine(s), '-c:a', 'aac', '-f', 'adts']),
  amr: (s = 2.5) => amrNb(s),
  '3gp': (s = 2.5) => amr3gp(s),
  m4a: (s = 2.5) => ffmpegFixture('m4a', [...sine(s), '-c:a', 'aac']),
  flac: (s = 2.5) => ffmpegFixture('flac', [...sine(s)]),
  oggOpus: (s = 2.5) => ffmpegFixture('ogg', [...sine(s), '-c:a', 'libopus', '-ar', '48000', '-ac', '1']),
  oggVorbis: (s = 2.5) => ffmpegFixture('ogg', [...sine(s), '-c:a', 'libvorbis']),
  webmAudio: (s = 2.5) => ffmpegFixture('webm', [...sine(s), '-c:a', 'libopus']),
  mp4Video: (s = 2.5) => ffmpegFixture('mp4', [...picture(s), ...sine(s), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest']),
  webmVideo: (s = 2.5) => ffmpegFixture('webm', [...picture(s), ...sine(s), '-c:v', 'libvpx', '-c:a', 'libopus', '-shortest']),
};
