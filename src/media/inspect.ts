import { fileTypeFromBuffer } from 'file-type';
import { parseBuffer } from 'music-metadata';
import { TranslateError } from '../errors.js';
import type { MediaFormat, MediaInfo } from './types.js';

/** file-type's answer (by magic bytes) → our format; the second field is the kind when the container alone tells. */
const BY_EXT: Record<string, [MediaFormat, 'audio' | 'video' | undefined]> = {
  wav: ['wav', 'audio'], mp3: ['mp3', 'audio'], aac: ['aac', 'audio'], amr: ['amr', 'audio'], flac: ['flac', 'audio'],
  m4a: ['m4a', 'audio'], opus: ['ogg-opus', 'audio'], ogg: ['ogg-vorbis', 'audio'], oga: ['ogg-vorbis', 'audio'],
  '3gp': ['3gp', undefined], '3g2': ['3gp', undefined], mp4: ['mp4', undefined], m4v: ['mp4', 'video'],
  mov: ['mov', undefined], qt: ['mov', undefined], webm: ['webm', undefined], mkv: ['mkv', undefined],
  mka: ['mkv', 'audio'], avi: ['avi', 'video'],
};

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
  video?: { width: number; height: number };
}

async function probeContainer(data: Buffer, mime: string, format: MediaFormat): Promise<Probe> {
  if (format === 'amr') return { durationSecs: amrDuration(data), hasVideo: false };
  // measured by the Opus decoder from its packets, off the main thread (music-metadata would walk every page here)
  if (format === 'ogg-opus') return { durationSecs: undefined, hasVideo: false };
  // music-metadata reads ISO BMFF under the mp4 MIME type whatever the brand (3gp, mov).
  const mimeType = ['3gp', 'mov', 'mp4', 'm4a'].includes(format) ? 'video/mp4' : mime;
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
 * What the bytes are: audio or video, the real format (never the file name), and the duration when the container
 * tells. Refuses non-media with NOT_MEDIA.
 */
export async function inspectMedia(data: Buffer): Promise<MediaInfo> {
  const type = await fileTypeFromBuffer(data);
  const known = type ? BY_EXT[type.ext] : undefined;
  if (!type || !known) {
    throw new TranslateError('NOT_MEDIA', type ? `(it looks like ${type.ext.toUpperCase()})` : undefined);
  }
  const [format, fixedKind] = known;
  const probe = await probeContainer(data, type.mime, format);
  const kind = fixedKind ?? (probe.hasVideo ? 'video' : 'audio');
  const mime = kind === 'audio' && type.mime.startsWith('video/') ? type.mime.replace('video/', 'audio/') : type.mime;
  return {
    kind,
    format,
    mime: mime.split(';')[0]!,
    bytes: data.length,
    durationSecs: probe.durationSecs,
    ...(kind === 'video' && probe.video ? { video: probe.video } : {}),
  };
}
