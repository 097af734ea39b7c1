/**
 * Files with more than one audio stream, built at test time with ffmpeg.
 * - `twoStreamFile('ogg' | 'mkv')`: two audio streams, 1 s (300 Hz) then 30 s (500 Hz); Ogg as Vorbis, MKV as Opus.
 */
import { ffmpegFixture } from '../support/media-fixtures.js';

export function twoStreamFile(ext: 'ogg' | 'mkv'): Buffer {
  const codec = ext === 'ogg' ? ['-c:a', 'libvorbis', '-q:a', '0'] : ['-c:a', 'libopus', '-b:a', '16k'];
  return ffmpegFixture(ext, [
    '-f', 'lavfi', '-i', 'sine=frequency=300:duration=1', '-f', 'lavfi', '-i', 'sine=frequency=500:duration=30',
    '-map', '0:a', '-map', '1:a', ...codec,
  ]);
}

