import { describe, expect, it } from 'vitest';
import { OggOpusWriter, oggCrc32 } from './ogg-writer.js';
import { ffmpegOggOpus, parseOggPages, type ParsedPage } from '../../test/support/audio-tools.js';

function crcOfPage(raw: Buffer): number {
  const copy = Buffer.from(raw);
  copy.writeUInt32LE(0, 22);
  return oggCrc32(copy);
}

function write(packets: { size: number; samples48k: number }[], end: Parameters<OggOpusWriter['end']>[0] = {}) {
  const out: Buffer[] = [];
  const writer = new OggOpusWriter({ onPage: (p) => out.push(p), preSkip: 312, inputSampleRate: 24000, serial: 0x1234 });
  packets.forEach(({ size, samples48k }, i) => writer.writePacket(Buffer.alloc(size, i & 0xff), samples48k));
  writer.end(end);
  return { pages: parseOggPages(Buffer.concat(out)), writer, bytes: Buffer.concat(out) };
}

/** Rebuilds the packets from the pages (independently of the writer) with the granule of the page each ends on. */
function packetsOf(pages: ParsedPage[]): Buffer[] {
  const packets: Buffer[] = [];
  let current: Buffer[] = [];
  for (const page of pages) {
    let at = 0;
    for (const lace of page.lacing) {
      current.push(page.body.subarray(at, at + lace));
      at += lace;
      if (lace < 255) {
        packets.push(Buffer.concat(current));
        current = [];
      }
    }
  }
  return packets;
}

describe('oggCrc32', () => {
  it('has the CRC-32 (poly 0x04c11db7, init 0, no reflection, no xor) check value', () => {
    expect(oggCrc32(Buffer.from('123456789'))).toBe(0x89a1897f);
  });

  it('reproduces the page checksums of an Ogg file written by ffmpeg', () => {
    const pages = parseOggPages(ffmpegOggOpus({ seconds: 1 }));
    expect(pages.length).toBeGreaterThanOrEqual(3);
    for (const page of pages) expect(crcOfPage(page.raw)).toBe(page.crc);
  });
});

describe('OggOpusWriter', () => {
  it('writes OpusHead and OpusTags pages, then audio pages with granules, BOS and EOS', () => {
    const { pages } = write(Array.from({ length: 120 }, () => ({ size: 80, samples48k: 960 })), {
      totalSamples48k: 119 * 960 + 500,
    });
    for (const page of pages) expect(crcOfPage(page.raw)).toBe(page.crc);
    expect(pages.map((p) => p.sequence)).toEqual(pages.map((_, i) => i));
    expect(pages.every((p) => p.serial === 0x1234)).toBe(true);
    expect(pages.map((p) => p.flags)).toEqual([2, 0, 0, 0, 0, 4]);

    const [head, tags] = pages;
    expect(head?.body.toString('latin1', 0, 8)).toBe('OpusHead');
    expect(head?.body.length).toBe(19);
    expect(head?.body.readUInt8(8)).toBe(1); // version
    expect(head?.body.readUInt8(9)).toBe(1); // channels
    expect(head?.body.readUInt16LE(10)).toBe(312); // pre-skip
    expect(head?.body.readUInt32LE(12)).toBe(24000);
    expect(head?.body.readInt16LE(16)).toBe(0); // gain
    expect(head?.body.readUInt8(18)).toBe(0); // mapping family
    expect(head?.granule).toBe(0n);
    expect(tags?.body.toString('latin1', 0, 8)).toBe('OpusTags');
    expect(tags?.body.readUInt32LE(8)).toBe('livetranslate'.length);
    expect(tags?.granule).toBe(0n);

    // the first packet alone, then one page per second of audio (50 packets of 20 ms)
    const audio = pages.slice(2);
    expect(audio.map((p) => p.lacing.length)).toEqual([1, 50, 50, 19]);
    // granule = decoded samples (pre-skip included); the final one = pre-skip + real samples (end trimming)
    expect(audio.map((p) => p.granule)).toEqual([960n, 51n * 960n, 101n * 960n, 312n + 119n * 960n + 500n]);
    expect(packetsOf(audio).map((p) => p.length)).toEqual(Array(120).fill(80));
  });

  it('flushes a page before 255 segments and keeps packets whole', () => {
    const { pages } = write(Array.from({ length: 100 }, () => ({ size: 1275, samples48k: 960 }))); // 6 segments each
    const audio = pages.slice(2);
    expect(audio.every((p) => p.lacing.length <= 255)).toBe(true);
    expect(audio[1]?.lacing.length).toBe(252); // 42 packets × 6: a 43rd would not fit
    expect(audio.every((p) => (p.lacing.at(-1) ?? 0) < 255)).toBe(true);
    expect(audio.every((p) => (p.flags & 1) === 0)).toBe(true);
    expect(packetsOf(audio)).toHaveLength(100);
    expect(audio.at(-1)?.granule).toBe(100n * 960n);
  });

  it('continues a packet bigger than a page and gives pages where no packet ends granule -1', () => {
    const { pages } = write([
      { size: 10, samples48k: 960 },
      { size: 255 * 255 * 2 + 7, samples48k: 960 },
      { size: 10, samples48k: 960 },
    ]);
    const audio = pages.slice(2);
    expect(audio.map((p) => p.lacing.length)).toEqual([1, 255, 255, 2]);
    expect(audio.map((p) => p.granule)).toEqual([960n, -1n, -1n, 2880n]);
    expect(audio.map((p) => p.flags)).toEqual([0, 0, 1, 1 | 4]); // continued, EOS
    expect(packetsOf(audio).map((p) => p.length)).toEqual([10, 255 * 255 * 2 + 7, 10]);
    for (const page of pages) expect(crcOfPage(page.raw)).toBe(page.crc);
  });

  it('keeps the tail packets on the final page so no granule exceeds the final one', () => {
    // 49 packets + 2 tail packets: through writePacket the 2nd tail packet would flush a page with granule
    // 50 × 960, above the final 312 + 49 × 960 + 100
    const packets = Array.from({ length: 49 }, () => ({ size: 20, samples48k: 960 }));
    const tail = [0, 1].map(() => ({ packet: Buffer.alloc(20), samples48k: 960 }));
    const { pages } = write(packets, { tail, totalSamples48k: 49 * 960 + 100 });
    const audio = pages.slice(2);
    expect(audio.map((p) => p.lacing.length)).toEqual([1, 50]);
    expect(audio.map((p) => p.granule)).toEqual([960n, 312n + 49n * 960n + 100n]);
  });

  it('keeps the first audio page apart from the final one when the granules allow it', () => {
    const tail = [0, 1].map(() => ({ packet: Buffer.alloc(20), samples48k: 960 }));
    const twoPages = write([{ size: 20, samples48k: 960 }], { tail, totalSamples48k: 960 }).pages.slice(2);
    expect(twoPages.map((p) => [p.granule, p.lacing.length])).toEqual([[960n, 1], [1272n, 2]]);
    // a first page with granule 960 would exceed the final 312 + 500: one page only
    const onePage = write([{ size: 20, samples48k: 960 }], { tail, totalSamples48k: 500 }).pages.slice(2);
    expect(onePage.map((p) => [p.granule, p.lacing.length])).toEqual([[812n, 3]]);
  });

  it('writes zero-length packets and comments, counts bytes and refuses misuse', () => {
    const out: Buffer[] = [];
    const writer = new OggOpusWriter({
      onPage: (p) => out.push(p),
      preSkip: 312,
      inputSampleRate: 48000,
      vendor: 'v',
      comments: ['TITLE=x', 'ARTIST=ü'],
    });
    expect(writer.bytesWritten).toBe(out.reduce((n, p) => n + p.length, 0));
    expect(() => writer.end()).toThrow(/at least one/);
    writer.writePacket(Buffer.alloc(0), 960);
    writer.end();
    const pages = parseOggPages(Buffer.concat(out));
    const tags = pages[1]?.body ?? Buffer.alloc(0);
    expect(tags.readUInt32LE(13)).toBe(2);
    expect(tags.toString('utf8', 21, 28)).toBe('TITLE=x');
    expect(tags.toString('utf8', 32)).toBe('ARTIST=ü');
    expect(pages[2]?.lacing).toEqual([0]);
    expect(writer.bytesWritten).toBe(Buffer.concat(out).length);
    expect(() => writer.writePacket(Buffer.alloc(1), 960)).toThrow(/after end/);
  });
});
