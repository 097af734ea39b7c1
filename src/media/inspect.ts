import { fileTypeFromBuffer, fileTypeFromFile } from 'file-type';
import { parseBuffer } from 'music-metadata';
import { TranslateError } from '../errors.js';
import { isoTracks, isoTracksOfFile } from './iso-bmff.js';
import type { MediaFormat, MediaInfo } from './types.js';

/** file-type's answer (by magic bytes) → our format; the second field is the kind when the container alone tells. */
const BY_EXT: Record<string, [MediaFormat, 'audio' | 'video' | undefined]> = {
  wav: ['wav', 'audio'], mp3: ['mp3', 'audio'], aac: ['aac', 'audio'], amr: ['amr', 'audio'], flac: ['flac', 'audio'],
  m4a: ['m4a', 'audio'], opus: ['ogg-opus', 'audio'], ogg: ['ogg-vorbis', 'audio'], oga: ['ogg-vorbis', 'audio'],
  '3gp': ['3gp', undefined], '3g2': ['3gp', undefined], mp4: ['mp4', undefined], m4v: ['mp4', 'video'],
  mov: ['mov', undefined], qt: ['mov', undefined], webm: ['webm', undefined], mkv: ['mkv', undefined],
  mka: ['mkv', 'audio'], avi: ['avi', undefined], aif: ['aiff', 'audio'], asf: ['asf', undefined],
  mts: ['mpegts', undefined], mpg: ['mpeg', undefined], flv: ['flv', undefined], mp2: ['mp2', 'audio'],
  mp1: ['mp2', 'audio'], ac3: ['ac3', 'audio'], wv: ['wavpack', 'audio'], voc: ['voc', 'audio'], spx: ['ogg', 'audio'],
  ogv: ['ogg', undefined], ogm: ['ogg', undefined], ogx: ['ogg', undefined],
};

const ISO_FORMATS: ReadonlySet<MediaFormat> = new Set(['mp4', 'mov', '3gp', 'm4a']);

/** Formats file-type does not know: RF64/BW64 (a RIFF WAVE whose sizes are 64-bit, EBU Tech 3306) and Apple's CAF. */
function sniffExtra(data: Buffer): [MediaFormat, string] | undefined {
  const magic = data.toString('latin1', 0, 4);
  if ((magic === 'RF64' || magic === 'BW64') && data.toString('latin1', 8, 12) === 'WAVE') return ['rf64', 'audio/wav'];
  if (magic === 'caff') return ['caf', 'audio/x-caf'];
  return undefined;
}

/** AMR frame payload sizes by frame type (RFC 4867 §5.3); every frame is 20 ms. */
const AMR_NB = [12, 13, 15, 17, 19, 20, 26, 31, 5, 0, 0, 0, 0, 0, 0, 0];
const AMR_WB = [17, 23, 32, 36, 40, 46, 50, 58, 60, 5, 0, 0, 0, 0, 0, 0];

function amrDuration(data: Buffer): number | undefined {
  const wide = data.subarray(0, 9).toString('latin1') === '#!AMR-WB\n';
  const sizes = wide ? AMR_WB : AMR_NB;
  let pos = wide ? 9 : 6;
  let frames = 0;
  while (pos < data.length) {
    const type = ((data[pos] ?? 0) >> 3) & 0x0f;
    pos += 1 + (sizes[type] ?? 0);
    frames++;
  }
  return frames > 0 ? frames * 0.02 : undefined;
}

interface Probe {
  durationSecs: number | undefined;
  hasVideo: boolean | undefined;
  video?: { width: number; height: number; fps?: number };
}

/** The container's own word (music-metadata), used only when no ffmpeg can measure the audio itself. */
async function probeContainer(data: Buffer, mime: string, format: MediaFormat): Promise<Probe> {
  if (format === 'amr') return { durationSecs: amrDuration(data), hasVideo: false };
  // music-metadata reads ISO BMFF under the mp4 MIME type whatever the brand (3gp, mov).
  const mimeType = ISO_FORMATS.has(format) ? 'video/mp4' : mime;
  try {
    const { format: f } = await parseBuffer(data, { mimeType, size: data.length }, { duration: true, skipCovers: true });
    const track = f.trackInfo?.find((t) => t.video?.pixelWidth && t.video.pixelHeight)?.video;
    return {
      durationSecs: f.duration !== undefined && Number.isFinite(f.duration) ? f.duration : undefined,
      hasVideo: f.hasVideo,
      ...(track ? { video: { width: track.pixelWidth!, height: track.pixelHeight! } } : {}),
    };
  } catch (cause) {
    throw new TranslateError('TRANSCODE_FAILED', `(${format} could not be read)`, { cause });
  }
}

/**
 * What the bytes are: the real format (never the file name) and, when the container alone tells, the kind.
 * Refuses non-media with NOT_MEDIA. MP4/MOV/3GP also give their tracks (iso-bmff.ts): a video without a sound track
 * is refused here with NO_AUDIO_TRACK, before anything is converted or sent.
 *
 * `probe: true` (no ffmpeg to measure with) also asks the container for its duration and kind; otherwise the
 * intake measures both with ffmpeg (`measureAudio`), and `durationSecs` stays undefined here (AMR excepted: its
 * duration is its frame count, measured here).
 *
 * `path`: the media is that file (a large input the intake spooled to disk) and `data` only its first bytes; the
 * format and an MP4's tracks are then read from the file, `bytes` is its size, and nothing is probed (the intake
 * measures a large file with ffmpeg only).
 */
export async function inspectMedia(
  data: Buffer, opts: { probe?: boolean; path?: string | undefined; bytes?: number } = {},
): Promise<MediaInfo> {
  const extra = sniffExtra(data);
  const type = extra ? undefined : opts.path ? await fileTypeFromFile(opts.path) : await fileTypeFromBuffer(data);
  const known = extra ? ([extra[0], 'audio'] as const) : type ? BY_EXT[type.ext] : undefined;
  if (!known) throw new TranslateError('NOT_MEDIA', type ? `(it looks like ${type.ext.toUpperCase()})` : undefined);
  const [format, fixedKind] = known;
  const sniffedMime = extra ? extra[1] : type!.mime;
  const iso = !ISO_FORMATS.has(format) ? undefined : opts.path ? await isoTracksOfFile(opts.path) : isoTracks(data);
  if (iso?.video && !iso.audio) throw new TranslateError('NO_AUDIO_TRACK');
  // Ogg Opus is measured by the Opus decoder from its packets, off the main thread
  // AMR has no header: counting its frames (20 ms each, NO_DATA ones too, which ffmpeg decodes to nothing) measures it
  const probe: Probe = !opts.path && (format === 'amr' || (opts.probe && format !== 'ogg-opus'))
    ? await probeContainer(data, sniffedMime, format)
    : { durationSecs: undefined, hasVideo: iso ? iso.video !== undefined : undefined };
  const kind = fixedKind ?? (probe.hasVideo ? 'video' : 'audio');
  const mime = kind === 'audio' && sniffedMime.startsWith('video/') ? sniffedMime.replace('video/', 'audio/') : sniffedMime;
  const video = iso?.video ?? probe.video;
  return {
    kind,
    format,
    mime: mime.split(';')[0]!,
    bytes: opts.bytes ?? data.length,
    durationSecs: probe.durationSecs,
    ...(kind === 'video' && video ? { video } : {}),
  };
}
