import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { TranslateError } from '../errors.js';
import { FFMPEG_COPY_PREFIX } from './read-source.js';

/**
 * ffmpeg as a hardened tool for what the bot cannot decode in-process.
 *
 * Contract:
 * - `findFfmpeg(configured)`: `FFMPEG_PATH` when set (and executable), else `ffmpeg` on PATH (Debian's maintained
 *   package: scripts/ensure-ffmpeg.sh, the README), else undefined; `requireFfmpeg` then refuses with
 *   TRANSCODER_MISSING naming how to install it. No binary is bundled.
 * - Every run forces the input demuxer to the format sniffed from the bytes (`-f`: ffmpeg never probes, so a file
 *   sniffed as FLAC can never be read as an HLS playlist naming local files), allows only the `file` and `pipe`
 *   protocols, has no stdin, and is killed (SIGKILL) past a wall-clock timeout or when its output passes a byte cap;
 *   each ends in a TranslateError with one clear line (TRANSCODE_FAILED, MEDIA_TOO_LONG, NO_AUDIO_TRACK, CANCELLED).
 * - The input is a file: a Buffer is written to a temporary file first (MP4 and MOV keep their index at the end,
 *   which a pipe cannot seek to); a large input is already one (`{ path }`, the intake's spooled download), which
 *   ffmpeg reads in place. Output comes back through stdout.
 */
export interface FfmpegLimits {
  signal?: AbortSignal | undefined;
  /** Wall-clock limit of one ffmpeg run. Default 120 s. */
  timeoutMs?: number | undefined;
}

/** Our sniffed format → ffmpeg's demuxer name (`ffmpeg -formats`); RF64 is read by the wav demuxer, MPEG audio layers I/II by mp3. */
const DEMUXER: Record<string, string> = {
  wav: 'wav', rf64: 'wav', mp3: 'mp3', aac: 'aac', amr: 'amr', flac: 'flac', aiff: 'aiff', caf: 'caf',
  '3gp': 'mov', m4a: 'mov', mp4: 'mov', mov: 'mov', 'ogg-opus': 'ogg', 'ogg-vorbis': 'ogg', webm: 'matroska',
  mkv: 'matroska', avi: 'avi', asf: 'asf', mpegts: 'mpegts', mpeg: 'mpeg', flv: 'flv', mp2: 'mp3', ac3: 'ac3',
  wavpack: 'wv', voc: 'voc', ogg: 'ogg',
};

export const DEFAULT_FFMPEG_TIMEOUT_MS = 120_000;

const duration = (seconds: number) => (seconds < 120 ? `${Math.round(seconds)} s` : `${Math.round(seconds / 60)} min`);
const size = (bytes: number) => (bytes < 1024 * 1024 ? `${Math.round(bytes / 1024)} KiB` : `${Math.round(bytes / 1024 / 1024)} MiB`);

const executable = (path: string) => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

export function findFfmpeg(configured?: string): string | undefined {
  if (configured) return executable(configured) ? configured : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'ffmpeg');
    if (dir && executable(candidate)) return candidate;
  }
  return undefined;
}

export function requireFfmpeg(path: string | undefined, format: string): string {
  if (!path) {
    throw new TranslateError('TRANSCODER_MISSING', `(${format} needs ffmpeg: install it, e.g. 'apt-get install ffmpeg', or set FFMPEG_PATH.)`);
  }
  return path;
}

/** What ffmpeg reads: bytes in memory (written to a temporary file for the run), or a file already on disk. */
export type FfmpegInput = Buffer | { path: string };

interface RunResult { stdout: Buffer; stdoutBytes: number; stderr: string; code: number | null; capped: boolean }

/** Output is kept in one buffer of its cap (never touched past what is written, so it costs only what arrives) up to this size. */
const PREALLOCATE_UP_TO = 1024 * 1024 * 1024;

/**
 * Runs `ffmpeg <input args> -i <temp file> <outputArgs> pipe:1`. Output beyond `maxOutputBytes` is counted, not kept,
 * and stops the run (`capped`). `keepOutput: false` only counts it.
 */
async function run(
  ffmpeg: string, input: FfmpegInput, format: string, outputArgs: string[], maxOutputBytes: number,
  limits: FfmpegLimits, keepOutput = true, output = 'pipe:1', inputArgs: string[] = [],
): Promise<RunResult> {
  const demuxer = DEMUXER[format];
  if (!demuxer) throw new TranslateError('UNSUPPORTED_FORMAT', `(${format})`);
  const timeoutMs = limits.timeoutMs ?? DEFAULT_FFMPEG_TIMEOUT_MS;
  return withTempFile(input, (inputPath) => new Promise<RunResult>((resolve, reject) => {
    const args = ['-nostdin', '-hide_banner', '-v', 'info', '-protocol_whitelist', 'file,pipe', '-f', demuxer, ...inputArgs, '-i', inputPath, ...outputArgs, output];
    const child = spawn(ffmpeg, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    // one buffer of the cap instead of chunks joined at the end: the 16 kHz PCM of a long recording (32 KB a second)
    // is then held once, not twice while Buffer.concat copies it; allocUnsafe leaves the untouched pages unmapped
    const whole = keepOutput && maxOutputBytes <= PREALLOCATE_UP_TO ? Buffer.allocUnsafe(Math.ceil(maxOutputBytes)) : undefined;
    const out: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = '';
    let capped = false;
    let why: TranslateError | undefined;
    const stop = (reason?: TranslateError) => {
      why ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(() => stop(new TranslateError('TRANSCODE_FAILED', `(ffmpeg took longer than ${timeoutMs < 1000 ? `${timeoutMs} ms` : duration(timeoutMs / 1000)})`)), timeoutMs);
    const onAbort = () => stop(new TranslateError('CANCELLED'));
    limits.signal?.addEventListener('abort', onAbort, { once: true });
    if (limits.signal?.aborted) onAbort();
    child.stdout.on('data', (b: Buffer) => {
      stdoutBytes += b.length;
      if (stdoutBytes > maxOutputBytes) {
        capped = true;
        stop();
      } else if (whole) b.copy(whole, stdoutBytes - b.length);
      else if (keepOutput) out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => {
      if (stderr.length < 64 * 1024) stderr += b.toString();
    });
    child.on('error', (cause) => {
      clearTimeout(timer);
      reject(new TranslateError('TRANSCODE_FAILED', '(ffmpeg could not be started)', { cause }));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      limits.signal?.removeEventListener('abort', onAbort);
      if (why) reject(why);
      // a file that vanished under ffmpeg (a temporary directory cleaned while the job ran) is named as such
      else if (code !== 0 && !existsSync(inputPath)) reject(new TranslateError('FILE_NOT_FOUND', '(it was deleted while it was being read)'));
      else resolve({ stdout: whole ? whole.subarray(0, Math.min(stdoutBytes, maxOutputBytes)) : Buffer.concat(out), stdoutBytes, stderr, code: capped ? 0 : code, capped });
    });
  }));
}

const failed = (r: RunResult) =>
  new TranslateError('TRANSCODE_FAILED', undefined, { cause: new Error(errorLines(r.stderr).slice(-500)) });
const errorLines = (stderr: string) => stderr.split('\n').filter((l) => !/^\s|^(Input|Output|Stream mapping|Press)/.test(l)).join('\n').trim();

export interface AudioMeasure {
  /** Seconds of audio in the first audio stream, counted from its decoded samples (at most `maxSeconds`). */
  seconds: number;
  /** A video stream other than cover art, with its frame size when ffmpeg printed it. */
  video?: { width: number; height: number; fps?: number } | undefined;
  hasVideo: boolean;
  /** Audio streams in ffmpeg's input listing (only the first is read). */
  audioStreams: number;
}

/** 8 kHz mono s16le: 16,000 bytes per second of decoded audio. */
const MEASURE_RATE = 8000;

/**
 * Decodes the first audio stream to 8 kHz mono PCM that is counted and thrown away: the duration comes from the
 * audio itself, never from a header (a live WebM has none; a Duration field can be edited). Stops at `maxSeconds`
 * (by timestamps with `-t`, and by the decoded byte count in case timestamps lie) and refuses with MEDIA_TOO_LONG.
 * A file with no audio stream is NO_AUDIO_TRACK (video) or NOT_MEDIA.
 */
export async function measureAudio(
  ffmpeg: string, input: FfmpegInput, format: string, maxSeconds: number, limits: FfmpegLimits = {},
): Promise<AudioMeasure> {
  const outputArgs = ['-map', '0:a:0', '-vn', '-sn', '-dn', '-t', String(maxSeconds + 1), '-ac', '1', '-ar', String(MEASURE_RATE), '-f', 's16le'];
  const r = await run(ffmpeg, input, format, outputArgs, Math.ceil(maxSeconds * MEASURE_RATE * 2), limits, false);
  const video = videoStream(r.stderr);
  if (r.code !== 0 && /matches no streams/.test(r.stderr)) {
    throw video ? new TranslateError('NO_AUDIO_TRACK') : new TranslateError('NOT_MEDIA', '(it has no audio stream)');
  }
  if (r.code !== 0) throw failed(r);
  const seconds = r.stdoutBytes / (MEASURE_RATE * 2);
  if (r.capped || seconds > maxSeconds) throw new TranslateError('MEDIA_TOO_LONG', `(it holds more than ${duration(maxSeconds)} of audio)`);
  return { seconds, video: video ?? undefined, hasVideo: video !== undefined, audioStreams: audioStreams(r.stderr) };
}

/** Audio streams in ffmpeg's input listing (a multiplexed Ogg, an MKV with two language tracks...). */
function audioStreams(stderr: string): number {
  const inputPart = stderr.split(/\nOutput #0|\nStream mapping:/)[0] ?? '';
  return inputPart.split('\n').filter((l) => /Stream #0:\d+.*: Audio: /.test(l)).length;
}

/** The first video stream of ffmpeg's input listing that is not cover art ("(attached pic)"), if any. */
function videoStream(stderr: string): AudioMeasure['video'] | undefined {
  const inputPart = stderr.split(/\nOutput #0|\nStream mapping:/)[0] ?? '';
  const line = inputPart.split('\n').find((l) => /Stream #0:\d+.*: Video: /.test(l) && !l.includes('(attached pic)'));
  if (!line) return undefined;
  const size = /, (\d{2,5})x(\d{2,5})\b/.exec(line);
  const fps = /, ([\d.]+) fps/.exec(line);
  if (!size) return { width: 0, height: 0 };
  return { width: Number(size[1]), height: Number(size[2]), ...(fps ? { fps: Number(fps[1]) } : {}) };
}

/**
 * Converts the first audio stream of `input` with `outputArgs` (which must name an output format), cut at
 * `maxSeconds` (`-t`) and refused past `maxOutputBytes` (`-fs` asks ffmpeg to stop there; the byte count enforces it).
 */
export async function runFfmpeg(
  ffmpeg: string, input: FfmpegInput, format: string, outputArgs: string[],
  bounds: { maxSeconds: number; maxOutputBytes: number }, limits: FfmpegLimits = {},
): Promise<Buffer> {
  const args = ['-map', '0:a:0', '-t', String(bounds.maxSeconds), '-fs', String(bounds.maxOutputBytes), ...outputArgs];
  const r = await run(ffmpeg, input, format, args, bounds.maxOutputBytes, limits);
  if (r.capped) throw new TranslateError('TRANSCODE_FAILED', `(the converted audio passed ${size(bounds.maxOutputBytes)})`);
  if (r.code !== 0) throw failed(r);
  return r.stdout;
}

async function withTempFile<T>(data: FfmpegInput, use: (path: string) => Promise<T>): Promise<T> {
  if (!Buffer.isBuffer(data)) return use(data.path);
  const dir = await mkdtemp(join(tmpdir(), FFMPEG_COPY_PREFIX)); // swept by sweepOrphans if a killed process leaves it
  try {
    const path = join(dir, 'input');
    await writeFile(path, data);
    return await use(path);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** How a video segment is re-encoded before it is sent (see `cutVideo`). */
export interface VideoEncoding {
  /** Largest frame height (the shorter side of a portrait video); a smaller video keeps its size. */
  height: number;
  /** Frames per second kept (a video with fewer keeps its own rate). */
  fps: number;
}

/**
 * Cuts [startSec, endSec) of a video and re-encodes it small for the model: its first video stream scaled down to
 * at most `encoding.height` (the shorter side; never up) at `encoding.fps` frames a second, H.264, with its first
 * audio stream as mono AAC, in an MP4 whose index comes first (`+faststart`: written to a temporary file, as an MP4
 * cannot be finished on a pipe). Seeks on the input (`-ss` before `-i`), so a cut late in a long file does not decode
 * what comes before it; re-encoding makes the cut exact. Refused past `maxOutputBytes` (`-fs` and the file's size).
 */
export async function cutVideo(
  ffmpeg: string, input: FfmpegInput, format: string, cut: { startSec: number; endSec: number },
  encoding: VideoEncoding, maxOutputBytes: number, limits: FfmpegLimits = {},
): Promise<Buffer> {
  const h = Math.max(2, Math.round(encoding.height / 2) * 2);
  const seconds = Math.max(0.05, cut.endSec - cut.startSec);
  // landscape: height capped at h, width to keep the aspect (even); portrait: the same on the width
  const scale = `scale='if(gte(iw,ih),-2,min(${h},iw))':'if(gte(iw,ih),min(${h},ih),-2)'`;
  const outputArgs = [
    '-map', '0:v:0', '-map', '0:a:0', '-sn', '-dn', '-t', seconds.toFixed(3),
    '-vf', `fps=${encoding.fps},${scale},setsar=1`, '-c:v', 'libx264', '-preset', 'veryfast', '-crf', '30', '-pix_fmt', 'yuv420p',
    '-c:a', 'aac', '-ac', '1', '-ar', '24000', '-b:a', '48k', '-fs', String(maxOutputBytes), '-movflags', '+faststart', '-f', 'mp4',
  ];
  const dir = await mkdtemp(join(tmpdir(), FFMPEG_COPY_PREFIX));
  try {
    const out = join(dir, 'segment.mp4');
    const r = await run(ffmpeg, input, format, ['-y', ...outputArgs], 0, limits, false, out, ['-ss', cut.startSec.toFixed(3)]);
    if (r.code !== 0) throw failed(r);
    const bytes = (await stat(out)).size;
    if (bytes >= maxOutputBytes) throw new TranslateError('TRANSCODE_FAILED', `(a video segment passed ${size(maxOutputBytes)})`);
    return await readFile(out);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
