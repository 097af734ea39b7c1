import { isIP } from 'node:net';
import { decodeOggOpusInWorker } from '../audio/ogg-opus-worker.js';
import { parseWav } from '../audio/wav.js';
import { TranslateError } from '../errors.js';
import { measureAudio, requireFfmpeg, runFfmpeg, type FfmpegInput } from './ffmpeg.js';
import { DEFAULT_VIDEO_ENCODING, videoSegments, videoSegmentTokens } from './video-segments.js';
import { inspectMedia } from './inspect.js';
import { bytesOf, openSource, SPILL_ABOVE_BYTES, sweepOrphans, type ReadMedia } from './read-source.js';
import { blockedAddressReason } from './url-policy.js';
import { pcmWavSeconds, wavAsMeasured } from './wav-as-measured.js';
import { estimateInputTokens, MAX_AUDIO_SECONDS, MAX_INPUT_TOKENS } from './tokens.js';
import type { IntakeOptions, MediaFormat, MediaInfo, MediaSource, ModelInputPart, PreparedMedia } from './types.js';

/**
 * Formats the model is known to accept as they are (the guide: "mp3, wav, etc."; Qwen-Omni lists AMR, WAV, 3GP,
 * AAC, MP3). Whether Ogg, WebM or M4A work is UNCONFIRMED, so those are converted first.
 */
const AUDIO_AS_IS: ReadonlySet<MediaFormat> = new Set(['wav', 'mp3', 'aac', 'amr', '3gp']);
const VIDEO_AS_IS: ReadonlySet<MediaFormat> = new Set(['mp4', 'mov', '3gp']);

const MIME: Record<string, string> = {
  wav: 'audio/wav', mp3: 'audio/mpeg', aac: 'audio/aac', amr: 'audio/amr', '3gp': 'audio/3gpp',
};

/** Containers whose kind only their streams tell (MP4, MOV and 3GP are told by their tracks in inspect.ts). */
const MAY_HOLD_VIDEO: ReadonlySet<MediaFormat> = new Set(['webm', 'mkv', 'avi', 'asf', 'mpegts', 'mpeg', 'flv', 'ogg']);

/** The notice of a video sent as its sound only because the user asked (the reply's header shows it). */
export const SOUND_ONLY_ASKED = 'Sound only, as asked: the video was translated from its sound, without its pictures.';

/** MP3 for what ffmpeg converts: a quarter of the size of WAV, so the inline upload stays small. */
const FFMPEG_TO_MP3 = ['-vn', '-ac', '1', '-ar', '24000', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'];
/** 64 kbit/s constant bit rate: 8,000 bytes per second of audio. */
const MP3_BYTES_PER_SECOND = 8000;

/**
 * The input as the intake works on it. A "large" one (more than `spillAboveBytes`, 8 MB by default) is read by
 * ffmpeg where it lies (`ffmpeg`: its spooled temporary file, or its bytes when it came as bytes), so memory does not
 * grow with the file; it is never sent as it is (see `toAcceptedFormat`). `data` is all of it when in memory.
 */
interface Input {
  read: ReadMedia;
  large: boolean;
  data: Buffer | undefined;
  ffmpeg: FfmpegInput;
  /** What `inputOf` already read from a spooled file's head and tracks (not read twice). */
  sniffed?: MediaInfo;
}

interface Converted {
  kind: 'audio' | 'video';
  format: string;
  data: Buffer;
  transcodedBy?: 'opus-decoder' | 'ffmpeg';
  notices: string[];
}

/**
 * What the model receives for one answer. A large input (over 8 MB) is always converted to MP3 (8,000 bytes a second,
 * bounded by its measured length), whatever its format: the request carries it inline as base64 (4/3 of its size),
 * and a 200 MB WAV at 192 kHz or a 4K video of a few minutes must not become a 270 MB request. A large video so goes
 * as its sound only, and says so.
 */
async function toAcceptedFormat(info: MediaInfo, input: Input, opts: IntakeOptions): Promise<Converted> {
  const data = input.data;
  if (!input.large && data) {
    if (info.kind === 'video' && !opts.audioOnly && VIDEO_AS_IS.has(info.format)) return { kind: 'video', format: info.format, data, notices: [] };
    if (info.kind === 'audio' && info.format === 'wav') return { kind: 'audio', format: 'wav', data: wavAsMeasured(data), notices: [] };
    if (info.kind === 'audio' && AUDIO_AS_IS.has(info.format)) return { kind: 'audio', format: info.format, data, notices: [] };
  }
  const ffmpeg = requireFfmpeg(opts.ffmpegPath, info.format.toUpperCase());
  // cut at the measured length (+1 s), and never more than the cap, whatever the container's timestamps say
  const seconds = Math.min(Math.ceil(info.durationSecs ?? Infinity) + 1, (opts.maxSeconds ?? MAX_AUDIO_SECONDS) + 1);
  const bounds = { maxSeconds: seconds, maxOutputBytes: (seconds + 2) * MP3_BYTES_PER_SECOND };
  const mp3 = await runFfmpeg(ffmpeg, input.ffmpeg, info.format, FFMPEG_TO_MP3, bounds, { signal: opts.signal, timeoutMs: opts.ffmpegTimeoutMs });
  const notices = info.kind !== 'video' ? []
    : opts.audioOnly ? [SOUND_ONLY_ASKED]
      : input.large && VIDEO_AS_IS.has(info.format) ? ['This video is too large to send whole, so it was sent as its sound only, without its pictures.']
        : ['This video format was sent as audio only, without its pictures.'];
  return { kind: 'audio', format: 'mp3', data: mp3, transcodedBy: 'ffmpeg', notices };
}

/**
 * Measures the media from its audio, never from a header: Ogg Opus by the in-process decoder (which also converts
 * it, off the main thread), integer-PCM WAV by counting its sample bytes, everything else by decoding its first audio
 * stream with ffmpeg. Only without ffmpeg are container durations used. Refuses past the cap (MEDIA_TOO_LONG) and a video without sound (NO_AUDIO_TRACK).
 */
async function measure(input: Input, opts: IntakeOptions): Promise<{ info: MediaInfo; converted?: Converted }> {
  const maxSeconds = opts.maxSeconds ?? MAX_AUDIO_SECONDS;
  const data = input.data;
  const info = input.sniffed ?? await inspectMedia(data ?? input.read.head, { probe: !opts.ffmpegPath, bytes: input.read.bytes });
  if (info.format === 'ogg-opus' && data) {
    const { wav, durationSecs } = await decodeOggOpusInWorker(data, { maxSeconds }, opts.signal)
      .catch((cause: unknown) => {
        throw cause instanceof TranslateError ? cause : new TranslateError('TRANSCODE_FAILED', undefined, { cause });
      });
    info.durationSecs = durationSecs;
    refuseSilent(durationSecs);
    return { info, converted: { kind: 'audio', format: 'wav', data: wav, transcodedBy: 'opus-decoder', notices: [] } };
  }
  // integer PCM is measured by counting its sample bytes (what ffmpeg's decode would count), with no process
  const pcmSeconds = info.format === 'wav' && data ? pcmWavSeconds(data) : undefined;
  if (pcmSeconds !== undefined) {
    info.durationSecs = pcmSeconds;
    refuseSilent(pcmSeconds);
  } else if (opts.ffmpegPath && info.format !== 'amr') {
    const measured = await measureAudio(opts.ffmpegPath, input.ffmpeg, info.format, maxSeconds, { signal: opts.signal, timeoutMs: opts.ffmpegTimeoutMs });
    info.durationSecs = measured.seconds;
    if (measured.audioStreams > 1) {
      // only the first would be read: the others (often the longer part) would be lost without a word
      throw new TranslateError('UNSUPPORTED_FORMAT', `(It holds ${measured.audioStreams} audio streams, and only a file with one is translated: send each stream as its own file.)`);
    }
    refuseSilent(measured.seconds);
    if (info.kind === 'audio' && measured.hasVideo && MAY_HOLD_VIDEO.has(info.format)) {
      info.kind = 'video';
      info.mime = info.mime.replace('audio/', 'video/');
    }
    // the frame size ffmpeg decodes, not the one a header states (an MP4's stsd/tkhd can be edited to 32x32 and
    // the video billed as tiny): the larger of the two; the header's frame rate and track length where ffmpeg gave none
    if (info.kind === 'video' && measured.video?.width) {
      const header = info.video;
      info.video = header && header.width * header.height > measured.video.width * measured.video.height
        ? header
        : { ...header, ...measured.video, ...(measured.video.fps === undefined && header?.fps !== undefined ? { fps: header.fps } : {}) };
    }
  }
  if (info.durationSecs !== undefined && info.durationSecs > maxSeconds) {
    throw new TranslateError('MEDIA_TOO_LONG', `(it is about ${Math.round(info.durationSecs / 60)} min long)`);
  }
  return { info };
}

/**
 * Less decoded audio than this is no recording: a bomb whose packets decode to nothing, a 45-byte MP3 or a WebM with
 * a forged block size measure ~0 s, and would still be sent and billed (a second at least) for nothing.
 */
export const MIN_AUDIO_SECONDS = 0.1;

function refuseSilent(seconds: number): void {
  if (seconds < MIN_AUDIO_SECONDS) throw new TranslateError('NOT_MEDIA', `(No audio found in it: it decodes to ${seconds.toFixed(2)} s of sound.)`);
}

/** Mono 16 kHz PCM: what segments are cut from (16-bit, 32 KB a second; the model takes WAV as it is). */
const PCM_RATE = 16_000;

/**
 * A recording too long for one answer: decoded once to mono 16 kHz PCM (the Opus decoder's WAV as it is, ffmpeg for
 * everything else, bounded by the measured length). A long video (unless its sound only was asked for) also keeps
 * its input, spooled file included, so that `runSegmented` cuts each segment's pictures at the same times
 * (`PreparedMedia.video`); it is billed by its segments re-encoded small, else by its audio.
 */
async function longRecording(
  input: Input, info: MediaInfo, contentHash: string, converted: Converted | undefined, opts: IntakeOptions,
): Promise<PreparedMedia> {
  const seconds = Math.ceil(info.durationSecs ?? 0) + 1;
  let samples: Int16Array;
  const fromOpus = converted?.transcodedBy === 'opus-decoder' ? parseWav(converted.data) : undefined;
  if (fromOpus && fromOpus.sampleRate === PCM_RATE && fromOpus.channels === 1) {
    samples = fromOpus.samples;
  } else {
    const ffmpeg = requireFfmpeg(opts.ffmpegPath, info.format.toUpperCase());
    const bounds = { maxSeconds: seconds, maxOutputBytes: (seconds + 2) * PCM_RATE * 2 };
    const raw = await runFfmpeg(ffmpeg, input.ffmpeg, info.format, ['-vn', '-ac', '1', '-ar', String(PCM_RATE), '-c:a', 'pcm_s16le', '-f', 's16le'], bounds, { signal: opts.signal, timeoutMs: opts.ffmpegTimeoutMs });
    samples = new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
  }
  const durationSecs = samples.length / PCM_RATE;
  const pcm = { samples, sampleRate: PCM_RATE };
  if (info.kind === 'video' && !opts.audioOnly && opts.ffmpegPath) {
    // its segments are cut from the video itself when they are translated: the spooled file lives until then
    const video = videoSegments(opts.ffmpegPath, input.ffmpeg, info, opts.videoEncoding ?? DEFAULT_VIDEO_ENCODING, () => input.read.dispose(), opts.ffmpegTimeoutMs);
    const perSegment = Math.min(opts.segmentAboveSecs ?? durationSecs, durationSecs) || 1;
    const whole = Math.floor(durationSecs / perSegment);
    const rest = durationSecs - whole * perSegment;
    const estimatedInputTokens = whole * videoSegmentTokens(perSegment, video.encoded) + (rest > 0 ? videoSegmentTokens(rest, video.encoded) : 0);
    return {
      source: info,
      contentHash,
      sent: { kind: 'video', format: 'mp4', bytes: 0, via: 'data-uri', transcodedBy: 'ffmpeg' },
      estimatedInputTokens,
      notices: [],
      pcm,
      video,
    };
  }
  return {
    source: info,
    contentHash,
    sent: { kind: 'audio', format: 'wav', bytes: samples.length * 2, via: 'data-uri', transcodedBy: fromOpus ? 'opus-decoder' : 'ffmpeg' },
    estimatedInputTokens: estimateInputTokens('audio', durationSecs),
    notices: info.kind !== 'video' ? [] : opts.audioOnly ? [SOUND_ONLY_ASKED] : ['A video this long is translated from its sound only, without its pictures.'],
    pcm,
  };
}

/** A URL the model service can fetch by itself: https, no credentials needed, not a local or private address. */
export function isPublicHttpsUrl(url: string): boolean {
  if (!URL.canParse(url)) return false;
  const { protocol, hostname } = new URL(url);
  if (protocol !== 'https:' || hostname === 'localhost' || hostname.endsWith('.localhost')) return false;
  const host = hostname.replace(/^\[|\]$/g, '');
  // an address literal goes through the same ranges as the CLI's URL policy (names are the model service's to resolve)
  return isIP(host) === 0 || blockedAddressReason(host) === undefined;
}

function modelPart(kind: 'audio' | 'video', format: string, data: Buffer, url: string | undefined): ModelInputPart {
  if (kind === 'video') {
    const mime = format === 'mov' ? 'video/quicktime' : format === '3gp' ? 'video/3gpp' : 'video/mp4';
    return { type: 'video_url', video_url: { url: url ?? `data:${mime};base64,${data.toString('base64')}` } };
  }
  const dataUri = `data:${MIME[format] ?? 'application/octet-stream'};base64,${data.toString('base64')}`;
  return { type: 'input_audio', input_audio: { data: url ?? dataUri, format } };
}

/**
 * Turns what the user gave into the one content part of a model request, refusing locally everything that can be
 * refused locally: unreadable, empty, oversized (while reading), not media, too long for the model's input cap, or
 * needing a converter that is not installed. Nothing is sent anywhere by this function except the download itself.
 */
let swept = false;

export async function prepareMedia(source: MediaSource, opts: IntakeOptions): Promise<PreparedMedia> {
  // once per process: what a process killed mid-job left in the temporary directory (in the background)
  if (!swept) {
    swept = true;
    void sweepOrphans();
  }
  const spillAbove = opts.spillAboveBytes ?? SPILL_ABOVE_BYTES;
  const read = await openSource(source, opts.maxBytes, opts.fetch, opts.signal, opts.download, spillAbove);
  let keep = false;
  try {
    const media = await prepareRead(source, await inputOf(read, spillAbove, opts), opts);
    // a long video's segments are cut from the spooled file later: it is deleted by `media.video.release()`
    keep = media.video !== undefined;
    return media;
  } catch (err) {
    // the spooled copy removed under us (a temporary-directory cleaner): one clear line, not a raw ENOENT
    if (read.path && (err as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new TranslateError('FILE_NOT_FOUND', '(it was deleted while it was being read)', { cause: err });
    }
    throw err;
  } finally {
    // a spooled download is deleted once the media is prepared, refused, failed or cancelled
    if (!keep) await read.dispose();
  }
}

/**
 * A large input stays where it is and is read by ffmpeg, except the two formats whose reading needs all their
 * bytes: AMR (its duration is its frame count) and, without ffmpeg, Ogg Opus (the in-process decoder). Without
 * ffmpeg any other large input is refused (it could only be sent as it is).
 */
async function inputOf(read: ReadMedia, spillAbove: number, opts: IntakeOptions): Promise<Input> {
  const large = read.bytes > spillAbove;
  if (read.data) return { read, large, data: read.data, ffmpeg: read.data };
  const sniffed = await inspectMedia(read.head, { path: read.path, bytes: read.bytes });
  if (sniffed.format === 'amr' || (sniffed.format === 'ogg-opus' && !opts.ffmpegPath)) {
    const data = await bytesOf(read);
    return { read, large, data, ffmpeg: data };
  }
  if (!opts.ffmpegPath) {
    throw new TranslateError('TRANSCODER_MISSING', `(a file over ${Math.round(spillAbove / 1048576)} MB is converted before it is sent, which needs ffmpeg: install it, e.g. 'apt-get install ffmpeg', or set FFMPEG_PATH.)`);
  }
  return { read, large, data: undefined, ffmpeg: { path: read.path! }, sniffed };
}

async function prepareRead(source: MediaSource, input: Input, opts: IntakeOptions): Promise<PreparedMedia> {
  const measured = await measure(input, opts);
  const info = measured.info;
  const contentHash = input.read.sha256;
  if (opts.segmentAboveSecs !== undefined && (info.durationSecs ?? 0) > opts.segmentAboveSecs) {
    return longRecording(input, info, contentHash, measured.converted, opts);
  }
  // a large file goes as its sound only (toAcceptedFormat), and is billed so
  const sentKind = (input.large && !measured.converted) || opts.audioOnly ? 'audio' : info.kind;
  const estimatedInputTokens =
    info.durationSecs === undefined ? undefined : estimateInputTokens(sentKind, info.durationSecs, info.video);
  if (estimatedInputTokens !== undefined && estimatedInputTokens > MAX_INPUT_TOKENS) {
    const minutes = Math.round((info.durationSecs ?? 0) / 60);
    throw new TranslateError('MEDIA_TOO_LONG', `It is about ${minutes} min (≈${estimatedInputTokens} tokens); the model takes at most ${MAX_INPUT_TOKENS} tokens (about 65 min of audio).`);
  }
  const converted = measured.converted ?? (await toAcceptedFormat(info, input, opts));
  // the URL only when the model would fetch exactly the bytes measured here: a WAV cut to its declared length
  // (wavAsMeasured) goes as the cut bytes, or the model would fetch the hour past the declared second
  const passUrl =
    (opts.passUrls ?? true) && source.kind === 'url' && !source.headers && !converted.transcodedBy &&
    converted.data === input.data && isPublicHttpsUrl(source.url);
  const url = passUrl && source.kind === 'url' ? source.url : undefined;
  return {
    source: info,
    contentHash,
    sent: {
      kind: converted.kind,
      format: converted.format,
      bytes: converted.data.length,
      via: url ? 'url' : 'data-uri',
      ...(converted.transcodedBy ? { transcodedBy: converted.transcodedBy } : {}),
    },
    estimatedInputTokens,
    notices: converted.notices,
    part: modelPart(converted.kind, converted.format, converted.data, url),
  };
}
