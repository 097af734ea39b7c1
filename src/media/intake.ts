import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { decodeOggOpusInWorker } from '../audio/ogg-opus-worker.js';
import { parseWav } from '../audio/wav.js';
import { TranslateError } from '../errors.js';
import { measureAudio, requireFfmpeg, runFfmpeg } from './ffmpeg.js';
import { inspectMedia } from './inspect.js';
import { readSource } from './read-source.js';
import { blockedAddressReason } from './url-policy.js';
import { wavAsMeasured } from './wav-as-measured.js';
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

/** MP3 for what ffmpeg converts: a quarter of the size of WAV, so the inline upload stays small. */
const FFMPEG_TO_MP3 = ['-vn', '-ac', '1', '-ar', '24000', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'];
/** 64 kbit/s constant bit rate: 8,000 bytes per second of audio. */
const MP3_BYTES_PER_SECOND = 8000;

interface Converted {
  kind: 'audio' | 'video';
  format: string;
  data: Buffer;
  transcodedBy?: 'opus-decoder' | 'ffmpeg';
  notices: string[];
}

async function toAcceptedFormat(info: MediaInfo, data: Buffer, opts: IntakeOptions): Promise<Converted> {
  if (info.kind === 'video' && VIDEO_AS_IS.has(info.format)) return { kind: 'video', format: info.format, data, notices: [] };
  if (info.kind === 'audio' && info.format === 'wav') return { kind: 'audio', format: 'wav', data: wavAsMeasured(data), notices: [] };
  if (info.kind === 'audio' && AUDIO_AS_IS.has(info.format)) return { kind: 'audio', format: info.format, data, notices: [] };
  const ffmpeg = requireFfmpeg(opts.ffmpegPath, info.format.toUpperCase());
  // cut at the measured length (+1 s), and never more than the cap, whatever the container's timestamps say
  const seconds = Math.min(Math.ceil(info.durationSecs ?? Infinity) + 1, (opts.maxSeconds ?? MAX_AUDIO_SECONDS) + 1);
  const bounds = { maxSeconds: seconds, maxOutputBytes: (seconds + 2) * MP3_BYTES_PER_SECOND };
  const mp3 = await runFfmpeg(ffmpeg, data, info.format, FFMPEG_TO_MP3, bounds, { signal: opts.signal, timeoutMs: opts.ffmpegTimeoutMs });
  const notices = info.kind === 'video' ? ['This video format was sent as audio only, without its pictures.'] : [];
  return { kind: 'audio', format: 'mp3', data: mp3, transcodedBy: 'ffmpeg', notices };
}

/**
 * Measures the media from its audio, never from a header: Ogg Opus by the in-process decoder (which also converts
 * it, off the main thread), everything else by decoding its first audio stream with ffmpeg. Only without ffmpeg are
 * container durations used. Refuses past the cap (MEDIA_TOO_LONG) and a video without sound (NO_AUDIO_TRACK).
 */
async function measure(data: Buffer, opts: IntakeOptions): Promise<{ info: MediaInfo; converted?: Converted }> {
  const maxSeconds = opts.maxSeconds ?? MAX_AUDIO_SECONDS;
  const info = await inspectMedia(data, { probe: !opts.ffmpegPath });
  if (info.format === 'ogg-opus') {
    const { wav, durationSecs } = await decodeOggOpusInWorker(data, { maxSeconds }, opts.signal)
      .catch((cause: unknown) => {
        throw cause instanceof TranslateError ? cause : new TranslateError('TRANSCODE_FAILED', undefined, { cause });
      });
    info.durationSecs = durationSecs;
    return { info, converted: { kind: 'audio', format: 'wav', data: wav, transcodedBy: 'opus-decoder', notices: [] } };
  }
  if (opts.ffmpegPath && info.format !== 'amr') {
    const measured = await measureAudio(opts.ffmpegPath, data, info.format, maxSeconds, { signal: opts.signal, timeoutMs: opts.ffmpegTimeoutMs });
    info.durationSecs = measured.seconds;
    if (info.kind === 'audio' && measured.hasVideo && MAY_HOLD_VIDEO.has(info.format)) {
      info.kind = 'video';
      info.mime = info.mime.replace('audio/', 'video/');
    }
    if (info.kind === 'video' && !info.video && measured.video?.width) info.video = measured.video;
  }
  if (info.durationSecs !== undefined && info.durationSecs > maxSeconds) {
    throw new TranslateError('MEDIA_TOO_LONG', `(it is about ${Math.round(info.durationSecs / 60)} min long)`);
  }
  return { info };
}

/** Mono 16 kHz PCM: what segments are cut from (16-bit, 32 KB a second; the model takes WAV as it is). */
const PCM_RATE = 16_000;

/**
 * A recording too long for one answer: decoded once to mono 16 kHz PCM (the Opus decoder's WAV as it is, ffmpeg for
 * everything else, bounded by the measured length), billed by its audio (a long video goes as its sound only).
 */
async function longRecording(
  data: Buffer, info: MediaInfo, contentHash: string, converted: Converted | undefined, opts: IntakeOptions,
): Promise<PreparedMedia> {
  const seconds = Math.ceil(info.durationSecs ?? 0) + 1;
  let samples: Int16Array;
  const fromOpus = converted?.transcodedBy === 'opus-decoder' ? parseWav(converted.data) : undefined;
  if (fromOpus && fromOpus.sampleRate === PCM_RATE && fromOpus.channels === 1) {
    samples = fromOpus.samples;
  } else {
    const ffmpeg = requireFfmpeg(opts.ffmpegPath, info.format.toUpperCase());
    const bounds = { maxSeconds: seconds, maxOutputBytes: (seconds + 2) * PCM_RATE * 2 };
    const raw = await runFfmpeg(ffmpeg, data, info.format, ['-vn', '-ac', '1', '-ar', String(PCM_RATE), '-c:a', 'pcm_s16le', '-f', 's16le'], bounds, { signal: opts.signal, timeoutMs: opts.ffmpegTimeoutMs });
    samples = new Int16Array(raw.buffer, raw.byteOffset, Math.floor(raw.length / 2));
  }
  const durationSecs = samples.length / PCM_RATE;
  return {
    source: info,
    contentHash,
    sent: { kind: 'audio', format: 'wav', bytes: samples.length * 2, via: 'data-uri', transcodedBy: fromOpus ? 'opus-decoder' : 'ffmpeg' },
    estimatedInputTokens: estimateInputTokens('audio', durationSecs),
    notices: info.kind === 'video' ? ['A video this long is translated from its sound only, without its pictures.'] : [],
    pcm: { samples, sampleRate: PCM_RATE },
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
export async function prepareMedia(source: MediaSource, opts: IntakeOptions): Promise<PreparedMedia> {
  const data = await readSource(source, opts.maxBytes, opts.fetch, opts.signal, opts.download);
  const measured = await measure(data, opts);
  const info = measured.info;
  const contentHash = createHash('sha256').update(data).digest('hex');
  if (opts.segmentAboveSecs !== undefined && (info.durationSecs ?? 0) > opts.segmentAboveSecs) {
    return longRecording(data, info, contentHash, measured.converted, opts);
  }
  const estimatedInputTokens =
    info.durationSecs === undefined ? undefined : estimateInputTokens(info.kind, info.durationSecs, info.video);
  if (estimatedInputTokens !== undefined && estimatedInputTokens > MAX_INPUT_TOKENS) {
    const minutes = Math.round((info.durationSecs ?? 0) / 60);
    throw new TranslateError('MEDIA_TOO_LONG', `It is about ${minutes} min (≈${estimatedInputTokens} tokens); the model takes at most ${MAX_INPUT_TOKENS} tokens (about 65 min of audio).`);
  }
  const converted = measured.converted ?? (await toAcceptedFormat(info, data, opts));
  const passUrl =
    (opts.passUrls ?? true) && source.kind === 'url' && !source.headers && !converted.transcodedBy &&
    isPublicHttpsUrl(source.url);
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
