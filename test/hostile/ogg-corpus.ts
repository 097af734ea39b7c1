/**
 * Hostile Ogg Opus files, built at test time (no binary blobs in the repository).
 *
 * - `oggOpusBomb({ bytes, claimSeconds })`: a file of `bytes` (about) made of 1-byte Opus packets, each one TOC byte
 *   0x1D: config 3 (SILK narrowband, 60 ms frames), frame-count code 1 (two frames of equal size, here 0 bytes each,
 *   which libopus conceals as 120 ms). RFC 6716 §3.1. Two bytes of file (lacing value + TOC) per 120 ms of decoded
 *   audio: 1 MB holds about 17 hours. The last page's granule claims `claimSeconds`; the others carry -1.
 * - `oggEosOnFirstPage(ogg)`: a real file with the end-of-stream flag also set on its first (BOS) page.
 * - `chainedOgg(a, b)`: two complete files one after the other (a chained Ogg: the second link starts with its own
 *   BOS page once the first has ended), with distinct serial numbers.
 * - `multiplexedOgg(a, b)`: two streams interleaved page by page (grouped), as two tracks at once.
 */
import { buildOggPage, oggCrc32, opusHead, opusTags } from '../../src/audio/ogg-writer.js';
import { parseOggPages } from '../support/audio-tools.js';

const TOC_120MS = 0x1d;

export function oggOpusBomb(opts: { bytes: number; claimSeconds: number; serial?: number }): Buffer {
  const serial = opts.serial ?? 0x0b0b;
  const pages: Buffer[] = [
    buildOggPage(0x02, 0n, serial, 0, [19], [opusHead(1, 312, 48_000)]),
  ];
  const tags = opusTags('bomb');
  pages.push(buildOggPage(0, 0n, serial, 1, [tags.length], [tags]));
  const perPage = 255; // 255 one-byte packets per page: 255 lacing bytes + 255 body bytes
  const pageCount = Math.max(1, Math.floor(opts.bytes / (27 + 2 * perPage)));
  const lacing = new Array<number>(perPage).fill(1);
  const body = [Buffer.alloc(perPage, TOC_120MS)];
  const claim = BigInt(312 + Math.round(opts.claimSeconds * 48_000));
  for (let i = 0; i < pageCount; i++) {
    const last = i === pageCount - 1;
    pages.push(buildOggPage(last ? 0x04 : 0, last ? claim : -1n, serial, 2 + i, lacing, body));
  }
  return Buffer.concat(pages);
}

/** Seconds of audio a bomb of `bytes` really holds (what a decoder would produce). */
export function bombSeconds(bytes: number): number {
  return Math.max(1, Math.floor(bytes / (27 + 2 * 255))) * 255 * 0.12;
}

function rewrite(page: Buffer, edit: (p: Buffer) => void): Buffer {
  const copy = Buffer.from(page);
  edit(copy);
  copy.writeUInt32LE(0, 22);
  copy.writeUInt32LE(oggCrc32(copy), 22);
  return copy;
}

export function oggEosOnFirstPage(ogg: Buffer): Buffer {
  const [first, ...rest] = parseOggPages(ogg);
  if (!first) throw new Error('no pages');
  return Buffer.concat([rewrite(first.raw, (p) => p.writeUInt8(first.flags | 0x04, 5)), ...rest.map((p) => p.raw)]);
}

function withSerial(ogg: Buffer, serial: number): Buffer[] {
  return parseOggPages(ogg).map((p) => rewrite(p.raw, (copy) => copy.writeUInt32LE(serial, 14)));
}

export function chainedOgg(a: Buffer, b: Buffer): Buffer {
  return Buffer.concat([...withSerial(a, 0xa), ...withSerial(b, 0xb)]);
}

export function multiplexedOgg(a: Buffer, b: Buffer): Buffer {
  const pa = withSerial(a, 0xa);
  const pb = withSerial(b, 0xb);
  const out: Buffer[] = [];
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    if (pa[i]) out.push(pa[i]!);
    if (pb[i]) out.push(pb[i]!);
  }
  return Buffer.concat(out);
}
