import { TranslateError } from '../errors.js';
import { oggCrc32 } from './ogg-writer.js';
import { MAX_PACKET_SAMPLES, opusPacketSamples } from './opus-toc.js';

/**
 * The structure of an Ogg Opus file, read without decoding anything: its links and how long each really is.
 *
 * Contract:
 * - `scanOggOpus(data, { maxSeconds })` checks every page (capture pattern, version 0, CRC, complete) and counts each
 *   audio packet's length from its TOC byte (opus-toc.ts). It throws, before any audio is decoded:
 *   - `MEDIA_TOO_LONG` as soon as the packets counted so far hold more than `maxSeconds` (so a bomb of millions of
 *     packets is not even walked to its end);
 *   - `MEDIA_INCONSISTENT` when a link's granule positions and its packets disagree by more than 1 s + 1% (a file
 *     whose last page claims 5 s but whose packets hold hours, or the reverse);
 *   - a plain Error starting "Invalid Ogg Opus stream:" for a file that is not Ogg, not Opus, truncated, corrupt,
 *     multichannel (> 2), has no audio, carries two streams at once (multiplexed), has pages of a stream after its
 *     end-of-stream page (EOS set on the first page included), or pages of a stream that never began.
 * - Chained files (RFC 3533: a new stream begins after the previous one ended) give one link each, in order; all are
 *   decoded. An Ogg Skeleton stream ('fishead') carries no audio and is skipped.
 * - Granule positions (RFC 7845 §4) count 48 kHz samples including the pre-skip; a link's first audio page may start
 *   at an offset (granule above its packets' total), which is subtracted. A link's playable length is
 *   min(packets, granules) − pre-skip: the end trimming of its last page is honoured, never extended.
 * - `oggOpusEvents(data)` walks the same pages again (call it only after `scanOggOpus` accepted them) and yields each
 *   link's OpusHead, then its non-empty audio packets; a packet continued across pages is joined into one buffer.
 */
export interface OggOpusLink {
  serial: number;
  channels: number;
  /** 48 kHz samples dropped at the start of the link (OpusHead pre-skip). */
  preSkip: number;
  /** Sum of the audio packets' TOC durations (48 kHz samples). */
  packetSamples: number;
  /** What the granule positions say the link holds (48 kHz samples, pre-skip included), if any page carries one. */
  claimedSamples: number | undefined;
  /** 48 kHz samples to output for this link. */
  playableSamples: number;
}

export interface OggOpusLayout {
  links: OggOpusLink[];
  /** Sum of the links' playable samples (48 kHz). */
  playableSamples: number;
}

export type OggOpusEvent =
  | { kind: 'head'; link: number; serial: number; channels: number; preSkip: number }
  | { kind: 'packet'; packet: Buffer };

const PREFIX = 'Invalid Ogg Opus stream: ';
const invalid = (why: string) => new Error(PREFIX + why);

interface Walk {
  links: Array<{ serial: number; ended: boolean; packets: number }>;
  skipped: Set<number>;
}

/** Pages → packets, with every structural check; yields page ends (with granule) for the scanner's accounting. */
function* walk(data: Buffer): Generator<OggOpusEvent | { kind: 'page'; granule: bigint }> {
  const state: Walk = { links: [], skipped: new Set() };
  let partial: Buffer[] = [];
  let offset = 0;
  while (offset < data.length) {
    const size = pageSize(data, offset);
    const page = data.subarray(offset, offset + size);
    offset += size;
    const flags = page[5]!;
    const serial = page.readUInt32LE(14);
    const segments = page[26]!;
    const body = page.subarray(27 + segments);
    const current = state.links.at(-1);
    if (flags & 0x02) {
      if (body.toString('latin1', 0, 8) === 'fishead\0') {
        state.skipped.add(serial);
        continue;
      }
      if (current && !current.ended) throw invalid('it carries two streams at once (multiplexed Ogg is not supported)');
      checkHead(body, state.links.length === 0);
      state.links.push({ serial, ended: false, packets: 0 });
    } else if (state.skipped.has(serial)) {
      continue;
    } else if (!current || serial !== current.serial) {
      throw invalid(state.links.some((l) => l.serial === serial) ? 'a stream goes on after its end-of-stream page' : 'a page belongs to no stream that began in the file');
    } else if (current.ended) {
      throw invalid('a stream goes on after its end-of-stream page');
    }
    const link = state.links.at(-1)!;
    if (!(flags & 0x01) && partial.length > 0) throw invalid('a continued packet is missing its rest');
    if (flags & 0x01 && partial.length === 0) throw invalid('a page continues a packet that never began');
    let at = 27 + segments;
    for (let i = 0; i < segments; i++) {
      const lacing = page[27 + i]!;
      partial.push(page.subarray(at, at + lacing));
      at += lacing;
      if (lacing === 255) continue;
      const packet = partial.length === 1 ? partial[0]! : Buffer.concat(partial);
      partial = [];
      const index = link.packets++;
      if (index === 0) {
        yield { kind: 'head', link: state.links.length - 1, serial, channels: packet[9]!, preSkip: packet.readUInt16LE(10) };
      }
      else if (index >= 2 && packet.length > 0) yield { kind: 'packet', packet };
    }
    if (flags & 0x04) link.ended = true;
    yield { kind: 'page', granule: page.readBigInt64LE(6) };
  }
  if (state.links.length === 0) throw invalid('it is empty');
}

function checkHead(body: Buffer, first: boolean): void {
  if (body.toString('latin1', 0, 8) !== 'OpusHead' || body.length < 19) {
    throw invalid(first ? 'the Ogg stream does not carry Opus audio (no OpusHead)' : 'a chained stream does not carry Opus audio');
  }
  const channels = body[9]!;
  const family = body[18]!;
  if (body[8]! >> 4 !== 0) throw invalid(`unsupported OpusHead version ${body[8]}`);
  if (channels < 1 || channels > 2 || (family !== 0 && (body[19] ?? 1) !== 1)) {
    throw invalid(`${channels}-channel Opus (mapping family ${family}) is not supported`);
  }
}

/** Size of the complete page at `offset`; throws when it is not a page, is cut short, or fails its CRC. */
function pageSize(buf: Buffer, offset: number): number {
  const have = buf.length - offset;
  if (buf.toString('latin1', offset, offset + Math.min(4, have)) !== 'OggS'.slice(0, Math.min(4, have))) {
    throw invalid(offset === 0 ? 'not an Ogg page (bad capture pattern)' : `not an Ogg page at byte ${offset} (bad capture pattern)`);
  }
  const segments = have >= 27 ? buf[offset + 26]! : 0;
  if (have < 27 + segments) throw invalid('it is truncated (the last page is incomplete)');
  if (buf[offset + 4] !== 0) throw invalid(`unknown Ogg version ${buf[offset + 4]}`);
  let size = 27 + segments;
  for (let i = 0; i < segments; i++) size += buf[offset + 27 + i]!;
  if (have < size) throw invalid('it is truncated (the last page is incomplete)');
  const page = buf.subarray(offset, offset + size);
  const crc = oggCrc32(page.subarray(26), oggCrc32(new Uint8Array(4), oggCrc32(page.subarray(0, 22))));
  if (page.readUInt32LE(22) !== crc) throw invalid(`page ${page.readUInt32LE(18)} fails its CRC check (corrupt data)`);
  return size;
}

export function* oggOpusEvents(data: Buffer): Generator<OggOpusEvent> {
  for (const event of walk(data)) if (event.kind !== 'page') yield event;
}

const clock = (samples48k: number) => {
  const s = Math.round(samples48k / 48_000);
  return s < 120 ? `${(samples48k / 48_000).toFixed(1)} s` : s < 7200 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`;
};

export function scanOggOpus(data: Buffer, opts: { maxSeconds?: number } = {}): OggOpusLayout {
  const limit = opts.maxSeconds === undefined ? Infinity : opts.maxSeconds * 48_000;
  const links: OggOpusLink[] = [];
  let counted = 0; // playable samples so far: packet samples of all links less their pre-skips
  let granules: { firstOffset?: number; last?: number } = {};
  const finish = () => {
    const l = links.at(-1);
    if (!l) return;
    l.claimedSamples = granules.last === undefined ? undefined : granules.last - Math.max(0, granules.firstOffset ?? 0);
    const claimed = l.claimedSamples;
    if (claimed !== undefined && Math.abs(claimed - l.packetSamples) > 48_000 + l.packetSamples / 100) {
      throw new TranslateError('MEDIA_INCONSISTENT', `(its pages say ${clock(claimed)} but its packets hold ${clock(l.packetSamples)})`);
    }
    l.playableSamples = Math.max(0, Math.min(l.packetSamples, claimed ?? Infinity) - l.preSkip);
  };
  for (const event of walk(data)) {
    if (event.kind === 'head') {
      finish();
      granules = {};
      const { serial, channels, preSkip } = event;
      links.push({ serial, channels, preSkip, packetSamples: 0, claimedSamples: undefined, playableSamples: 0 });
      counted -= preSkip;
    } else if (event.kind === 'packet') {
      const samples = opusPacketSamples(event.packet);
      links.at(-1)!.packetSamples += samples;
      counted += samples;
      // past the cap by more than an end-trimmed last packet could take back: refuse without walking further
      if (counted > limit + MAX_PACKET_SAMPLES) {
        throw new TranslateError('MEDIA_TOO_LONG', `(it holds more than ${clock(limit)} of audio)`);
      }
    } else {
      const link = links.at(-1);
      if (!link || link.packetSamples === 0 || event.granule === -1n) continue;
      const granule = Number(event.granule);
      granules.firstOffset ??= granule - link.packetSamples;
      granules.last = granule;
    }
  }
  finish();
  const playableSamples = links.reduce((n, l) => n + l.playableSamples, 0);
  if (playableSamples === 0) throw invalid('it contains no audio');
  if (playableSamples > limit) throw new TranslateError('MEDIA_TOO_LONG', `(it is ${clock(playableSamples)} long)`);
  return { links, playableSamples };
}
