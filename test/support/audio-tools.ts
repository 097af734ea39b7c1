/**
 * Test-only helpers for the audio and media tests (not used by the bot): signal generation and analysis, an ffmpeg runner and
 * a naive Ogg page parser written independently of the production code.
 *
 * - `sine(seconds, rate, hz, amplitude)` → 16-bit PCM; `frequencyOf(samples, rate)` estimates the pitch from
 *   interpolated upward crossings with hysteresis (robust to lossy codecs); `onsetOf` is the first sample above a
 *   threshold.
 * - `ffmpeg(args, stdin?)` runs the system's ffmpeg (`FFMPEG_PATH`, else PATH; scripts/ensure-ffmpeg.sh installs it) synchronously and returns stdout/stderr; `ffmpegDecode`
 *   decodes a file to mono s16le at a rate (asserting nothing: callers check `stderr`); `ffmpegDuration` reads the
 *   "Duration:" line of `ffmpeg -i`.
 * - `parseOggPages(buf)` splits a file into pages (header fields, lacing, body), trusting nothing but the layout.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { findFfmpeg } from '../../src/media/ffmpeg.js';

const found = findFfmpeg(process.env.FFMPEG_PATH);
if (!found) throw new Error('The tests need ffmpeg: run scripts/ensure-ffmpeg.sh (Debian: apt-get install ffmpeg) or set FFMPEG_PATH');
export const FFMPEG: string = found;

export function sine(seconds: number, rate: number, hz = 440, amplitude = 0.5): Int16Array {
  const n = Math.round(seconds * rate);
  const out = new Int16Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.round(amplitude * 32767 * Math.sin((2 * Math.PI * hz * i) / rate));
  return out;
}

/**
 * Pitch of a tone from its upward crossings, with hysteresis (a crossing counts once the signal went below -10% of
 * its peak and then rises through +10%) so codec noise near zero adds none, interpolated between samples; the first
 * and last 50 ms are ignored.
 */
export function frequencyOf(samples: ArrayLike<number>, rate: number): number {
  const margin = Math.round(rate * 0.05);
  let peak = 0;
  for (let i = margin; i < samples.length - margin; i++) peak = Math.max(peak, Math.abs(samples[i] ?? 0));
  const level = peak * 0.1;
  let armed = false;
  let first = -1;
  let last = -1;
  let count = 0;
  for (let i = margin + 1; i < samples.length - margin; i++) {
    const a = samples[i - 1] ?? 0;
    const b = samples[i] ?? 0;
    if (b < -level) armed = true;
    else if (armed && a <= level && b > level) {
      armed = false;
      const t = i - 1 + (level - a) / (b - a); // linear interpolation of the crossing
      if (first < 0) first = t;
      last = t;
      count++;
    }
  }
  return count < 2 ? 0 : ((count - 1) * rate) / (last - first);
}

export function onsetOf(samples: ArrayLike<number>, threshold: number): number {
  for (let i = 0; i < samples.length; i++) if (Math.abs(samples[i] ?? 0) > threshold) return i;
  return -1;
}

export function ffmpeg(args: readonly string[], stdin?: Buffer): { stdout: Buffer; stderr: string; status: number } {
  const r = spawnSync(FFMPEG, ['-hide_banner', '-nostdin', ...args], {
    input: stdin,
    maxBuffer: 256 * 1024 * 1024,
  });
  return { stdout: r.stdout, stderr: r.stderr.toString('utf8'), status: r.status ?? -1 };
}

/** Runs `fn` with a fresh temporary directory that is removed afterwards. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'audio-test-'));
  try {
    return fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Decodes an Ogg file with ffmpeg to mono 16-bit PCM at `rate`. */
export function ffmpegDecode(ogg: Buffer, rate = 48_000): { samples: Int16Array; stderr: string } {
  return withTempDir((dir) => {
    const file = join(dir, 'in.ogg');
    writeFileSync(file, ogg);
    const r = ffmpeg(['-v', 'error', '-i', file, '-f', 's16le', '-ac', '1', '-ar', String(rate), '-']);
    const copy = new Uint8Array(r.stdout);
    return { samples: new Int16Array(copy.buffer, 0, copy.length >> 1), stderr: r.stderr };
  });
}

/** The "Duration: hh:mm:ss.cc" that `ffmpeg -i` prints, in seconds. */
export function ffmpegDuration(ogg: Buffer): number {
  return withTempDir((dir) => {
    const file = join(dir, 'in.ogg');
    writeFileSync(file, ogg);
    const m = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(ffmpeg(['-i', file]).stderr);
    if (!m) throw new Error('ffmpeg printed no duration');
    return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
  });
}

/** Makes an Ogg Opus file with ffmpeg's libopus from a lavfi sine source. */
export function ffmpegOggOpus(opts: { seconds: number; rate?: number; channels?: number; hz?: number }): Buffer {
  return withTempDir((dir) => {
    const file = join(dir, 'out.ogg');
    const source = `sine=frequency=${opts.hz ?? 440}:duration=${opts.seconds}:sample_rate=${opts.rate ?? 48_000}`;
    const r = ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', source, '-ac', String(opts.channels ?? 1), '-c:a', 'libopus', file]);
    if (r.status !== 0) throw new Error(`ffmpeg failed: ${r.stderr}`);
    return readFileSync(file);
  });
}

export interface ParsedPage {
  offset: number;
  raw: Buffer;
  flags: number;
  granule: bigint;
  serial: number;
  sequence: number;
  crc: number;
  lacing: number[];
  body: Buffer;
}

export function parseOggPages(buf: Buffer): ParsedPage[] {
  const pages: ParsedPage[] = [];
  let offset = 0;
  while (offset < buf.length) {
    if (buf.toString('latin1', offset, offset + 4) !== 'OggS') throw new Error(`no page at ${offset}`);
    const n = buf.readUInt8(offset + 26);
    const lacing = [...buf.subarray(offset + 27, offset + 27 + n)];
    const bodyLength = lacing.reduce((a, b) => a + b, 0);
    const end = offset + 27 + n + bodyLength;
    if (end > buf.length) throw new Error(`truncated page at ${offset}`);
    pages.push({
      offset,
      raw: buf.subarray(offset, end),
      flags: buf.readUInt8(offset + 5),
      granule: buf.readBigInt64LE(offset + 6),
      serial: buf.readUInt32LE(offset + 14),
      sequence: buf.readUInt32LE(offset + 18),
      crc: buf.readUInt32LE(offset + 22),
      lacing,
      body: buf.subarray(offset + 27 + n, end),
    });
    offset = end;
  }
  return pages;
}
