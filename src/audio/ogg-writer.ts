import { randomInt } from 'node:crypto';

/**
 * Ogg page writer for one Opus logical stream (RFC 3533 pages, RFC 7845 Opus mapping).
 *
 * Contract:
 * - The constructor emits the two header pages at once through `onPage`: page 0 (BOS) holds OpusHead alone, page 1
 *   holds OpusTags; both have granule position 0.
 * - `writePacket(packet, samples48k)` queues one Opus packet; `samples48k` is its decoded length in 48 kHz samples
 *   (a 20 ms packet is 960 whatever the encoder's rate). Granule positions count 48 kHz samples (RFC 7845 §4): the
 *   total decoded samples, pre-skip samples included, up to the end of the last packet completed on that page; a page
 *   on which no packet ends has granule -1. (So a real input sample n decodes at granule position pre-skip + n.)
 * - A page is flushed (emitted) before adding a packet when the page already holds `pageDuration48k` samples
 *   (default 48000 = 1 s) or the packet's lacing values would not fit in its 255 segments, so memory stays flat and
 *   pages can be streamed as they come. A packet too big for one page continues on the next (continued flag).
 *   The first audio page holds only the first `writePacket` packet: a stream whose only audio page is also the
 *   end-trimmed EOS page is legal (RFC 7845 §4.5) but misread by ffmpeg and ogg-opus-decoder (pre-skip or end
 *   trimming ignored); a first page that is not the last lets every demuxer infer a start offset of 0.
 * - `end({ tail, totalSamples48k })` appends `tail` packets to the final page without a duration flush, then emits
 *   the final page with EOS and granule = pre-skip + `totalSamples48k` (end trimming: the real input length at
 *   48 kHz, less than what the packets decode to because of the padding and lookahead flush). Pass as `tail` every
 *   packet that ends past that point (the padded last frame and the encoder's flush frames), so no earlier page has a
 *   larger granule than the final one (the first audio page is still flushed before the tail when its granule is
 *   not above the final one). Without `totalSamples48k` the final granule counts every decoded sample. At least one
 *   audio packet is needed.
 * - After `end`, every write throws.
 */
export interface OggOpusWriterOptions {
  /** Receives each complete page (header + body) in stream order. */
  onPage: (page: Buffer) => void;
  channels?: number;
  /** Pre-skip in 48 kHz samples (RFC 7845 §5.1). */
  preSkip: number;
  /** Original input sample rate, informational only (OpusHead field). */
  inputSampleRate: number;
  /** Logical stream serial number; random by default. */
  serial?: number;
  vendor?: string;
  /** User comments, "KEY=value". */
  comments?: readonly string[];
  /** Flush a page once it holds this many 48 kHz samples (default 48000 = 1 s). */
  pageDuration48k?: number;
}

export interface OggTailPacket {
  packet: Uint8Array;
  samples48k: number;
}

const FLAG_CONTINUED = 0x01;
const FLAG_BOS = 0x02;
const FLAG_EOS = 0x04;
const MAX_SEGMENTS = 255;
const NO_GRANULE = -1n;
const FIRST_AUDIO_PAGE = 2; // sequence number: pages 0 and 1 hold the headers

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let r = i << 24;
    for (let k = 0; k < 8; k++) r = r & 0x80000000 ? (r << 1) ^ 0x04c11db7 : r << 1;
    table[i] = r >>> 0;
  }
  return table;
})();

/**
 * The Ogg CRC-32 (polynomial 0x04c11db7, not reflected, initial value 0, no final xor), as stored in every page
 * header (computed over the whole page with the checksum field set to zero). `crc` continues a previous result.
 */
export function oggCrc32(data: Uint8Array, crc = 0): number {
  let c = crc >>> 0;
  for (let i = 0; i < data.length; i++) {
    c = ((c << 8) ^ (CRC_TABLE[((c >>> 24) ^ (data[i] ?? 0)) & 0xff] ?? 0)) >>> 0;
  }
  return c;
}

/** Builds one Ogg page from its lacing values and body chunks; computes the CRC. */
export function buildOggPage(
  flags: number,
  granule: bigint,
  serial: number,
  sequence: number,
  lacing: readonly number[],
  body: readonly Uint8Array[],
): Buffer {
  const bodyLength = body.reduce((n, b) => n + b.length, 0);
  const page = Buffer.alloc(27 + lacing.length + bodyLength);
  page.write('OggS', 0, 'latin1');
  page.writeUInt8(0, 4); // stream structure version
  page.writeUInt8(flags, 5);
  page.writeBigInt64LE(granule, 6);
  page.writeUInt32LE(serial >>> 0, 14);
  page.writeUInt32LE(sequence >>> 0, 18);
  page.writeUInt8(lacing.length, 26);
  page.set(lacing, 27);
  let offset = 27 + lacing.length;
  for (const chunk of body) {
    page.set(chunk, offset);
    offset += chunk.length;
  }
  page.writeUInt32LE(oggCrc32(page), 22);
  return page;
}

/** OpusHead (RFC 7845 §5.1): version 1, output gain 0, channel mapping family 0. */
export function opusHead(channels: number, preSkip: number, inputSampleRate: number): Buffer {
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head.writeUInt8(1, 8);
  head.writeUInt8(channels, 9);
  head.writeUInt16LE(preSkip, 10);
  head.writeUInt32LE(inputSampleRate, 12);
  head.writeInt16LE(0, 16);
  head.writeUInt8(0, 18);
  return head;
}

/** OpusTags (RFC 7845 §5.2): vendor string and user comments, all UTF-8 with 32-bit little-endian lengths. */
export function opusTags(vendor: string, comments: readonly string[] = []): Buffer {
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return b;
  };
  const lengthPrefixed = (s: string) => {
    const bytes = Buffer.from(s, 'utf8');
    return [u32(bytes.length), bytes];
  };
  return Buffer.concat([
    Buffer.from('OpusTags', 'latin1'),
    ...lengthPrefixed(vendor),
    u32(comments.length),
    ...comments.flatMap(lengthPrefixed),
  ]);
}

export class OggOpusWriter {
  private readonly onPage: (page: Buffer) => void;
  private readonly serial: number;
  private readonly preSkip: number;
  private readonly pageDuration48k: number;
  private sequence = 0;
  private decoded48k = 0; // samples decoded from all packets so far, pre-skip included (the granule position)
  private packets = 0;
  private ended = false;
  private written = 0;
  // the page being filled
  private lacing: number[] = [];
  private body: Uint8Array[] = [];
  private pageGranule = NO_GRANULE;
  private pageFlags = 0;
  private pageStart48k = 0; // decoded48k when the current page's first packet began

  constructor(options: OggOpusWriterOptions) {
    this.onPage = options.onPage;
    this.serial = options.serial ?? randomInt(0, 2 ** 32 - 1);
    this.preSkip = options.preSkip;
    this.pageDuration48k = options.pageDuration48k ?? 48_000;
    const channels = options.channels ?? 1;
    // header packets each get a page of their own with granule 0 (RFC 7845 §3)
    this.pageFlags = FLAG_BOS;
    this.addPacket(opusHead(channels, this.preSkip, options.inputSampleRate), 0n);
    this.flush();
    this.addPacket(opusTags(options.vendor ?? 'livetranslate', options.comments ?? []), 0n);
    this.flush();
  }

  /** Total bytes of the pages emitted so far (header pages included). */
  get bytesWritten(): number {
    return this.written;
  }

  writePacket(packet: Uint8Array, samples48k: number): void {
    if (this.ended) throw new Error('OggOpusWriter: write after end');
    const segments = Math.floor(packet.length / 255) + 1;
    const full = this.decoded48k - this.pageStart48k >= this.pageDuration48k || this.sequence === FIRST_AUDIO_PAGE;
    if (this.lacing.length > 0 && (full || this.lacing.length + segments > MAX_SEGMENTS)) this.flush();
    if (this.lacing.length === 0) this.pageStart48k = this.decoded48k;
    this.decoded48k += samples48k;
    this.packets++;
    this.addPacket(packet, BigInt(this.decoded48k));
  }

  end(options: { tail?: readonly OggTailPacket[]; totalSamples48k?: number } = {}): void {
    if (this.ended) throw new Error('OggOpusWriter: end called twice');
    const trimmed = options.totalSamples48k === undefined ? Infinity : this.preSkip + options.totalSamples48k;
    const tail = options.tail ?? [];
    // keep the first audio page apart from the final one when its granule allows it (see above)
    if (tail.length > 0 && this.sequence === FIRST_AUDIO_PAGE && this.lacing.length > 0 && this.decoded48k <= trimmed) {
      this.flush();
    }
    for (const { packet, samples48k } of tail) {
      // the tail stays on the final page unless it cannot fit in the segments left
      const segments = Math.floor(packet.length / 255) + 1;
      if (this.lacing.length + segments > MAX_SEGMENTS) this.flush();
      this.decoded48k += samples48k;
      this.packets++;
      this.addPacket(packet, BigInt(this.decoded48k));
    }
    if (this.packets === 0) throw new Error('OggOpusWriter: a stream needs at least one audio packet');
    this.ended = true;
    this.pageGranule = BigInt(Math.min(this.decoded48k, trimmed));
    this.pageFlags |= FLAG_EOS;
    this.flush();
  }

  /** Appends a packet's lacing values and bytes, emitting full pages if it spans more than one. */
  private addPacket(packet: Uint8Array, granuleAtEnd: bigint): void {
    const segments = Math.floor(packet.length / 255) + 1;
    for (let i = 0; i < segments; i++) {
      if (this.lacing.length === MAX_SEGMENTS) {
        this.flush();
        this.pageFlags |= FLAG_CONTINUED;
      }
      const size = i < segments - 1 ? 255 : packet.length % 255;
      this.lacing.push(size);
      if (size > 0) this.body.push(packet.subarray(i * 255, i * 255 + size));
    }
    this.pageGranule = granuleAtEnd;
  }

  private flush(): void {
    const page = buildOggPage(this.pageFlags, this.pageGranule, this.serial, this.sequence++, this.lacing, this.body);
    this.lacing = [];
    this.body = [];
    this.pageGranule = NO_GRANULE;
    this.pageFlags = 0;
    this.written += page.length;
    this.onPage(page);
  }
}
