/**
 * Hostile and unusual media files for the intake, built at test time with ffmpeg (no binary blobs):
 *
 * - `flacHlsTrap(localFile)`: 169-ish bytes that a magic-byte sniffer reads as FLAC and a probing ffmpeg may read as
 *   an HLS playlist naming `localFile`. An ID3v2 header (RFC-less, id3.org v2.4 §3.1: "ID3", version, flags, 4-byte
 *   syncsafe size) with the footer flag (0x10) set: a reader that honours the flag skips 10 more bytes than one that
 *   does not. file-type skips `size` and finds "fLaC"; ffmpeg's probe skips `size + 10` and finds "#EXTM3U".
 * - `liveWebm(seconds)`: a WebM written as a live stream (`-live 1`: no Duration, no Cues), Opus audio.
 * - `webmWithDuration(webm, seconds)`: a WebM whose Segment Info Duration (EBML ID 0x4489, an 8-byte float, in
 *   milliseconds by the default TimecodeScale of 1,000,000 ns) is overwritten: the header lies, the audio does not.
 * - `videoOnly(ext)`: a test picture without any audio stream.
 * - `wavDeclaring(declared, holds)`: a 16 kHz mono WAV whose `data` chunk header declares `declared` seconds but
 *   whose bytes hold `holds` seconds.
 * - `OTHER_FORMATS[name]()`: a 2 s 440 Hz tone in RF64, AIFF, CAF, WMA (ASF), MP2, AC-3, WavPack, Creative Voice,
 *   Ogg Speex, or with a picture in MPEG-TS, AVI, MPEG-PS or Ogg Theora.
 */
import { ffmpegFixture } from '../support/media-fixtures.js';

const tone = (seconds: number, hz = 440) => ['-f', 'lavfi', '-i', `sine=frequency=${hz}:duration=${seconds}`];
const picture = (seconds: number, size = '320x240') => ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=10:duration=${seconds}`];

export function flacHlsTrap(localFile: string): Buffer {
  const tagBody = Buffer.alloc(4); // the ID3 payload a sniffer skips
  const size = tagBody.length; // syncsafe: < 128 fits the last byte
  const header = Buffer.from([0x49, 0x44, 0x33, 0x04, 0x00, 0x10, 0, 0, 0, size]);
  const flacLooking = Buffer.from('fLaC\0\0\0\x22\0\0', 'latin1'); // 10 bytes: where the footer would be
  const playlist = `#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nfile://${localFile}\n#EXT-X-ENDLIST\n`;
  return Buffer.concat([header, tagBody, flacLooking, Buffer.from(playlist, 'latin1')]);
}

export const liveWebm = (seconds: number) =>
  ffmpegFixture('webm', [...tone(seconds), '-c:a', 'libopus', '-b:a', '16k', '-live', '1']);

export function webmWithDuration(webm: Buffer, seconds: number): Buffer {
  const copy = Buffer.from(webm);
  const at = copy.indexOf(Buffer.from([0x44, 0x89, 0x88]));
  if (at < 0) throw new Error('no 8-byte Duration element');
  copy.writeDoubleBE(seconds * 1000, at + 3);
  return copy;
}

export const plainWebm = (seconds: number) => ffmpegFixture('webm', [...tone(seconds), '-c:a', 'libopus', '-b:a', '16k']);

export function videoOnly(ext: 'mp4' | 'webm'): Buffer {
  const codec = ext === 'mp4' ? ['-c:v', 'libx264', '-pix_fmt', 'yuv420p'] : ['-c:v', 'libvpx'];
  return ffmpegFixture(ext, [...picture(2), ...codec]);
}

/** An MP4, MOV or 3GP of `size` (e.g. 640x360) at `fps` frames a second, with sound. */
export function isoVideo(ext: 'mp4' | 'mov' | '3gp', size: string, fps: number, seconds = 2): Buffer {
  const video = ['-f', 'lavfi', '-i', `testsrc=size=${size}:rate=${fps}:duration=${seconds}`];
  return ffmpegFixture(ext, [...video, ...tone(seconds), '-c:v', 'libx264', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-ar', '16000', '-shortest']);
}

export const OTHER_FORMATS = {
  rf64: () => ffmpegFixture('wav', [...tone(2), '-rf64', 'always']),
  aiff: () => ffmpegFixture('aiff', tone(2)),
  caf: () => ffmpegFixture('caf', tone(2)),
  wma: () => ffmpegFixture('wma', [...tone(2), '-c:a', 'wmav2']),
  mpegts: () => ffmpegFixture('ts', [...picture(2), ...tone(2), '-c:v', 'mpeg2video', '-c:a', 'mp2', '-shortest']),
  avi: () => ffmpegFixture('avi', [...picture(2), ...tone(2), '-c:v', 'mpeg4', '-c:a', 'libmp3lame', '-shortest']),
  mpeg: () => ffmpegFixture('mpg', [...picture(2), ...tone(2), '-c:v', 'mpeg2video', '-c:a', 'mp2', '-shortest', '-f', 'vob']),
  mp2: () => ffmpegFixture('mp2', tone(2)),
  ac3: () => ffmpegFixture('ac3', tone(2)),
  wavpack: () => ffmpegFixture('wv', [...tone(2), '-c:a', 'wavpack']),
  // VOC stores its rate as 1,000,000 / (256 - n): 8 kHz is exact, 44.1 kHz is not (it plays 1.4% flat)
  voc: () => ffmpegFixture('voc', [...tone(2), '-ar', '8000', '-c:a', 'pcm_u8']),
  speex: () => ffmpegFixture('spx', [...tone(2), '-ar', '16000', '-c:a', 'libspeex']),
  ogv: () => ffmpegFixture('ogv', [...picture(2), ...tone(2), '-c:v', 'libtheora', '-c:a', 'libvorbis', '-shortest']),
};

export function wavDeclaring(declared: number, holds: number): Buffer {
  const wav = Buffer.from(ffmpegFixture('wav', [...tone(holds), '-ac', '1', '-ar', '16000']));
  const at = wav.indexOf('data', 12, 'latin1');
  wav.writeUInt32LE(declared * 32_000, at + 4);
  wav.writeUInt32LE(at + declared * 32_000, 4);
  return wav;
}
