import { open } from 'node:fs/promises';

/**
 * The tracks of an MP4, MOV, M4A or 3GP file (ISO/IEC 14496-12 boxes; QuickTime uses the same layout), read
 * without decoding: which kinds of track it has, and the first video track's frame size and frame rate, for the
 * video token estimate (tokens.ts) instead of assuming 1280×720.
 *
 * Box layout relied on: a box is a 32-bit big-endian size (1 = a 64-bit size follows the type, 0 = to the end of
 * its parent) and a 4-character type. moov → trak → mdia → { hdlr, mdhd, minf → stbl → { stsd, stts } }.
 * - hdlr: version/flags (4), pre_defined (4), handler type ('vide', 'soun', ...).
 * - mdhd: version/flags (4); version 0: creation, modification (4 each), timescale (4), duration (4);
 *   version 1: creation, modification (8 each), timescale (4), duration (8).
 * - stsd: version/flags (4), entry count (4), then sample entries; a visual sample entry is size (4), format (4),
 *   reserved (6), data reference index (2), pre_defined/reserved (16), width (2), height (2): the coded frame size.
 * - stts: version/flags (4), entry count (4), then (sample count, sample delta) pairs of 4 bytes each.
 * - tkhd (fallback for the size): width and height as 16.16 fixed point in its last 8 bytes.
 * Anything malformed ends the walk of that box; the answer is then what was found, never an exception.
 */
export interface IsoTracks {
  audio: boolean;
  /** `seconds`: the video track's own length (mdhd duration / timescale), which may exceed its sound's. */
  video?: { width: number; height: number; fps?: number; seconds?: number };
}

interface Box { type: string; start: number; end: number }

function* boxes(data: Buffer, start: number, end: number): Generator<Box> {
  let at = start;
  while (at + 8 <= end) {
    let size = data.readUInt32BE(at);
    const type = data.toString('latin1', at + 4, at + 8);
    let header = 8;
    if (size === 1) {
      if (at + 16 > end) return;
      const big = data.readBigUInt64BE(at + 8);
      if (big > BigInt(end - at)) return;
      size = Number(big);
      header = 16;
    } else if (size === 0) size = end - at;
    if (size < header || at + size > end) return;
    yield { type, start: at + header, end: at + size };
    at += size;
  }
}

const child = (data: Buffer, box: Box, type: string) => {
  for (const b of boxes(data, box.start, box.end)) if (b.type === type) return b;
  return undefined;
};

function trackInfo(data: Buffer, trak: Box): { handler?: string; width?: number; height?: number; fps?: number; seconds?: number } {
  const mdia = child(data, trak, 'mdia');
  if (!mdia) return {};
  const hdlr = child(data, mdia, 'hdlr');
  const handler = hdlr && hdlr.end - hdlr.start >= 12 ? data.toString('latin1', hdlr.start + 8, hdlr.start + 12) : undefined;
  if (handler !== 'vide') return handler ? { handler } : {};
  const info: { handler: string; width?: number; height?: number; fps?: number; seconds?: number } = { handler };
  const stbl = (() => {
    const minf = child(data, mdia, 'minf');
    return minf ? child(data, minf, 'stbl') : undefined;
  })();
  const stsd = stbl ? child(data, stbl, 'stsd') : undefined;
  if (stsd && stsd.end - stsd.start >= 8 + 36) {
    info.width = data.readUInt16BE(stsd.start + 8 + 32);
    info.height = data.readUInt16BE(stsd.start + 8 + 34);
  }
  const tkhd = child(data, trak, 'tkhd');
  if ((!info.width || !info.height) && tkhd && tkhd.end - tkhd.start >= 84) {
    info.width = Math.round(data.readUInt32BE(tkhd.end - 8) / 65536);
    info.height = Math.round(data.readUInt32BE(tkhd.end - 4) / 65536);
  }
  const mdhd = child(data, mdia, 'mdhd');
  const stts = stbl ? child(data, stbl, 'stts') : undefined;
  if (mdhd && stts && stts.end - stts.start >= 8) {
    const v1 = data[mdhd.start] === 1;
    if (mdhd.end - mdhd.start >= (v1 ? 32 : 20)) {
      const timescale = data.readUInt32BE(mdhd.start + (v1 ? 20 : 12));
      const duration = v1 ? Number(data.readBigUInt64BE(mdhd.start + 24)) : data.readUInt32BE(mdhd.start + 16);
      const entries = Math.min(data.readUInt32BE(stts.start + 4), Math.floor((stts.end - stts.start - 8) / 8));
      let samples = 0;
      for (let i = 0; i < entries; i++) samples += data.readUInt32BE(stts.start + 8 + i * 8);
      if (timescale > 0 && duration > 0) info.seconds = duration / timescale;
      if (timescale > 0 && duration > 0 && samples > 0) info.fps = samples / (duration / timescale);
    }
  }
  return info;
}

/** Largest moov box read from a file (an hour of 60 fps video indexes ~216,000 frames: a few MB). */
const MAX_MOOV_BYTES = 64 * 1024 * 1024;

/**
 * `isoTracks` of a file on disk, reading only its top-level box headers and its moov box (which an MP4 written
 * without "faststart" keeps at the end, past the head the intake keeps in memory). A moov larger than 64 MB, or
 * a malformed top level, gives what was found so far (`{ audio: false }`), as `isoTracks` does.
 */
export async function isoTracksOfFile(path: string): Promise<IsoTracks> {
  const file = await open(path, 'r');
  try {
    const { size: end } = await file.stat();
    const header = Buffer.alloc(16);
    let at = 0;
    while (at + 8 <= end) {
      const { bytesRead } = await file.read(header, 0, 16, at);
      if (bytesRead < 8) break;
      let size = header.readUInt32BE(0);
      const type = header.toString('latin1', 4, 8);
      if (size === 1) {
        if (bytesRead < 16) break;
        const big = header.readBigUInt64BE(8);
        if (big > BigInt(end - at)) break;
        size = Number(big);
      } else if (size === 0) size = end - at;
      if (size < 8 || at + size > end) break;
      if (type === 'moov') {
        if (size > MAX_MOOV_BYTES) break;
        const moov = Buffer.alloc(size);
        await file.read(moov, 0, size, at);
        return isoTracks(moov);
      }
      at += size;
    }
    return { audio: false };
  } finally {
    await file.close();
  }
}

export function isoTracks(data: Buffer): IsoTracks {
  const result: IsoTracks = { audio: false };
  for (const top of boxes(data, 0, data.length)) {
    if (top.type !== 'moov') continue;
    for (const trak of boxes(data, top.start, top.end)) {
      if (trak.type !== 'trak') continue;
      const info = trackInfo(data, trak);
      if (info.handler === 'soun') result.audio = true;
      if (info.handler === 'vide' && !result.video && info.width && info.height) {
        result.video = {
          width: info.width, height: info.height, ...(info.fps ? { fps: info.fps } : {}), ...(info.seconds ? { seconds: info.seconds } : {}),
        };
      }
    }
  }
  return result;
}
