// Fetches the input (data URI or http(s) URL), sniffs its bytes and measures its duration.
// Accepted formats are a conservative assumption: the docs say "mp3, wav, etc."; Qwen-Omni lists
// AMR, WAV, 3GP, 3GPP, AAC, MP3. Ogg, WebM/Matroska and FLAC are refused (unconfirmed either way).

import { parseBuffer } from 'music-metadata';
import { invalid } from './error-bodies.js';

export interface LoadedMedia {
  bytes: Buffer;
  viaUrl: boolean;
}

export interface Sniffed {
  /** wav, mp3, aac, amr, 3gp, mp4, m4a, mov, ogg, webm, matroska, flac, avi, unknown */
  format: string;
  audioOk: boolean;
  videoOk: boolean;
}

export interface Measured {
  durationSecs: number;
  width?: number;
  height?: number;
}

const URL_INVALID = 'The provided URL does not appear to be valid. Ensure it is correctly formatted.';
const FETCH_TIMEOUT_MS = 10_000;

export async function loadMedia(ref: string): Promise<LoadedMedia> {
  if (ref.startsWith('data:')) {
    const comma = ref.indexOf(',');
    const meta = comma < 0 ? '' : ref.slice(5, comma);
    if (comma < 0 || !/;base64$/i.test(meta)) {
      throw invalid('The data URI must look like data:<mime>;base64,<data>.', 'input_audio.data');
    }
    const b64 = ref.slice(comma + 1);
    if (!/^[A-Za-z0-9+/_-]*={0,2}\s*$/.test(b64)) throw invalid('The base64 data of the data URI is invalid.');
    const bytes = Buffer.from(b64, 'base64');
    if (bytes.length === 0) throw invalid('The input data is empty.');
    return { bytes, viaUrl: false };
  }
  if (/^https?:\/\//i.test(ref)) {
    let res: Response;
    try {
      res = await fetch(ref, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch {
      throw invalid(URL_INVALID);
    }
    if (!res.ok) throw invalid(`${URL_INVALID} (download answered HTTP ${res.status})`);
    const bytes = Buffer.from(await res.arrayBuffer());
    if (bytes.length === 0) throw invalid('The file at the provided URL is empty.');
    return { bytes, viaUrl: true };
  }
  throw invalid('The input must be an http(s) URL or a base64 data URI (data:<mime>;base64,...).');
}

const ascii = (b: Buffer, start: number, end: number): string => b.subarray(start, end).toString('latin1');

/** Identifies the container from its first bytes, ignoring any declared format. */
export function sniffFormat(b: Buffer): Sniffed {
  const refused = (format: string): Sniffed => ({ format, audioOk: false, videoOk: false });
  const audio = (format: string): Sniffed => ({ format, audioOk: true, videoOk: false });
  if (b.length < 4) return refused('unknown');
  if (ascii(b, 0, 4) === 'RIFF' && b.length >= 12) {
    const kind = ascii(b, 8, 12);
    return kind === 'WAVE' ? audio('wav') : refused(kind === 'AVI ' ? 'avi' : 'unknown');
  }
  if (ascii(b, 0, 3) === 'ID3') return audio('mp3');
  if (ascii(b, 0, 5) === '#!AMR') return audio('amr');
  if (ascii(b, 0, 4) === 'OggS') return refused('ogg');
  if (ascii(b, 0, 4) === 'fLaC') return refused('flac');
  if (b.readUInt32BE(0) === 0x1a45dfa3) return refused(ascii(b, 0, 64).includes('webm') ? 'webm' : 'matroska');
  if (b.length >= 12 && ascii(b, 4, 8) === 'ftyp') {
    const brand = ascii(b, 8, 12);
    const format = brand.startsWith('3g') ? '3gp' : brand === 'qt  ' ? 'mov' : /^M4[AB] /.test(brand) ? 'm4a' : 'mp4';
    return { format, audioOk: true, videoOk: true };
  }
  const b0 = b[0] ?? 0;
  const b1 = b[1] ?? 0;
  if (b0 === 0xff && (b1 & 0xf6) === 0xf0) return audio('aac'); // ADTS: sync + layer 00
  if (b0 === 0xff && (b1 & 0xe0) === 0xe0 && (b1 & 0x06) !== 0) return audio('mp3'); // MPEG audio frame sync
  return refused('unknown');
}

/** Throws the refusal for a sniffed format that this kind of input does not accept. */
export function checkAccepted(sniffed: Sniffed, kind: 'audio' | 'video'): void {
  if (kind === 'audio' ? sniffed.audioOk : sniffed.videoOk) return;
  if (sniffed.format === 'unknown') {
    throw invalid(`The input data is not a valid ${kind} file (unrecognised or corrupt content).`);
  }
  const supported = kind === 'audio' ? 'wav, mp3, aac, amr, 3gp, mp4/m4a' : 'mp4, mov, 3gp';
  throw invalid(`The ${kind} format is not supported: ${sniffed.format}. Supported formats: ${supported}.`);
}

/** Exact duration of a PCM WAV from its fmt and data chunks. */
export function wavDuration(b: Buffer): number {
  let byteRate = 0;
  let pos = 12;
  while (pos + 8 <= b.length) {
    const id = ascii(b, pos, pos + 4);
    const size = b.readUInt32LE(pos + 4);
    if (id === 'fmt ' && pos + 16 <= b.length) byteRate = b.readUInt32LE(pos + 16);
    if (id === 'data') {
      if (byteRate === 0) break;
      // A streamed WAV may carry a placeholder size: count the bytes actually present.
      const available = Math.min(size, b.length - pos - 8);
      return available / byteRate;
    }
    pos += 8 + size + (size % 2);
  }
  throw invalid('The WAV data is invalid: missing fmt or data chunk.');
}

const FALLBACK_SECONDS = 5;

export async function measureMedia(bytes: Buffer, format: string): Promise<Measured> {
  if (format === 'wav') {
    const durationSecs = wavDuration(bytes);
    if (durationSecs <= 0) throw invalid('The audio contains no samples.');
    return { durationSecs };
  }
  try {
    const meta = await parseBuffer(bytes, undefined, { duration: true, skipCovers: true });
    const d = meta.format.duration;
    const video = meta.format.trackInfo?.find((t) => t.video)?.video;
    const frame = video?.pixelWidth ? undefined : isoFrameSize(bytes);
    return {
      durationSecs: d !== undefined && Number.isFinite(d) && d > 0 ? d : FALLBACK_SECONDS,
      width: video?.pixelWidth ?? frame?.width,
      height: video?.pixelHeight ?? frame?.height,
    };
  } catch {
    return { durationSecs: FALLBACK_SECONDS };
  }
}

/**
 * The frame size of an MP4/MOV/3GP's first track with one (its `tkhd` box: width and height as 16.16 fixed point
 * after the matrix), which music-metadata does not report for ISO BMFF.
 */
export function isoFrameSize(b: Buffer): { width: number; height: number } | undefined {
  for (let at = b.indexOf('tkhd', 0, 'latin1'); at >= 4; at = b.indexOf('tkhd', at + 4, 'latin1')) {
    const version = b[at + 4];
    const sizeAt = at + 4 + (version === 1 ? 4 + 8 + 8 + 4 + 4 + 8 : 4 + 4 + 4 + 4 + 4 + 4) + 8 + 2 + 2 + 2 + 2 + 36;
    if (sizeAt + 8 > b.length) return undefined;
    const width = b.readUInt32BE(sizeAt) / 65536;
    const height = b.readUInt32BE(sizeAt + 4) / 65536;
    if (width > 0 && height > 0) return { width, height };
  }
  return undefined;
}
