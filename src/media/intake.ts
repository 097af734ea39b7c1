import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { decodeOggOpusInWorker } from '../audio/ogg-opus-worker.js';
import { TranslateError } from '../errors.js';
import { ffmpegDuration, requireFfmpeg, runFfmpeg } from './ffmpeg.js';
import { inspectMedia } from './inspect.js';
import { readSource } from './read-source.js';
import { blockedAddressReason } from './url-policy.js';
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

/** MP3 for what ffmpeg converts: a quarter of the size of WAV, so the inline upload stays small. */
const FFMPEG_TO_MP3 = ['-vn', '-ac', '1', '-ar', '24000', '-c:a', 'libmp3lame', '-b:a', '64k', '-f', 'mp3'];

interface Converted {
  kind: 'audio' | 'video';
  format: string;
  data: Buffer;
  transcodedBy?: 'opus-decoder' | 'ffmpeg';
  notices: string[];
}

async function toAcceptedFormat(info: MediaInfo, data: Buffer, opts: IntakeOptions): Promise<Converted> {
  if (info.kind === 'video' && VIDEO_AS_IS.has(info.format)) return { kind: 'video', format: info.format, data, notices: [] };
  if (info.kind === 'audio' && AUDIO_AS_IS.has(info.format)) return { kind: 'audio', format: info.format, data, notices: [] };
  const ffmpeg = requireFfmpeg(opts.ffmpegPath, info.format.toUpperCase());
  const mp3 = await runFfmpeg(ffmpeg, data, FFMPEG_TO_MP3, opts.signal);
  const notices = info.kind === 'video' ? ['This video format was sent as audio only, without its pictures.'] : [];
  return { kind: 'audio', format: 'mp3', data: mp3, transcodedBy: 'ffmpeg', notices };
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
  const data = await readSource(source, opts.maxBytes, opts.fetch, opts.signal);
  const info = await inspectMedia(data);
  let converted: Converted | undefined;
  if (info.format === 'ogg-opus') {
    // measured from the packets and decoded within the cap, off the main thread (never the header's word)
    const { wav, durationSecs } = await decodeOggOpusInWorker(data, { maxSeconds: MAX_AUDIO_SECONDS }, opts.signal)
      .catch((cause: unknown) => {
        throw cause instanceof TranslateError ? cause : new TranslateError('TRANSCODE_FAILED', undefined, { cause });
      });
    info.durationSecs = durationSecs;
    converted = { kind: 'audio', format: 'wav', data: wav, transcodedBy: 'opus-decoder', notices: [] };
  } else if (info.durationSecs === undefined && opts.ffmpegPath) {
    info.durationSecs = await ffmpegDuration(opts.ffmpegPath, data, opts.signal);
  }
  const estimatedInputTokens =
    info.durationSecs === undefined ? undefined : estimateInputTokens(info.kind, info.durationSecs, info.video);
  if (estimatedInputTokens !== undefined && estimatedInputTokens > MAX_INPUT_TOKENS) {
    const minutes = Math.round((info.durationSecs ?? 0) / 60);
    throw new TranslateError('MEDIA_TOO_LONG', `It is about ${minutes} min (≈${estimatedInputTokens} tokens); the model takes at most ${MAX_INPUT_TOKENS} tokens (about 65 min of audio).`);
  }
  converted ??= await toAcceptedFormat(info, data, opts);
  const passUrl =
    (opts.passUrls ?? true) && source.kind === 'url' && !source.headers && !converted.transcodedBy &&
    isPublicHttpsUrl(source.url);
  const url = passUrl && source.kind === 'url' ? source.url : undefined;
  return {
    source: info,
    contentHash: createHash('sha256').update(data).digest('hex'),
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
