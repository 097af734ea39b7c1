import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import prism from 'prism-media';
import { oggCrc32 } from './ogg-writer.js';
import { wavHeader } from './wav.js';

/**
 * Decodes an Ogg Opus file (a Discord voice message) in-process to mono 16-bit PCM WAV for the model.
 *
 * Contract:
 * - `input` is the whole file or its chunks as they download. Output: WAV at `sampleRate` (16 kHz by default; any
 *   rate Opus decodes to natively: 8, 12, 16, 24, 48 kHz), always mono (libopus downmixes stereo streams).
 * - Exact length per RFC 7845: the first pre-skip samples (scaled to the output rate) are dropped, and the output
 *   ends where the last granule position says (end trimming); `durationSecs` = output samples / rate.
 * - Only the first logical stream is decoded (pages of other serials, e.g. chained streams, are ignored).
 *   OpusHead output gain is not applied (Discord writes 0).
 * - Rejects with a plain Error whose message starts with "Invalid Ogg Opus stream:" when the input is not Ogg, not
 *   Opus, is truncated (incomplete last page), fails a page CRC, carries multichannel (>2) Opus, has no audio, or a
 *   packet does not decode.
 * - Packets are extracted here, not by prism-media's OggDemuxer, because that one cannot join a packet continued
 *   across pages (libogg-based muxers split packets whenever a page fills, and large OpusTags always span pages);
 *   prism-media's Opus decoder then decodes each packet.
 */
export interface DecodeOptions {
  sampleRate?: 8000 | 12000 | 16000 | 24000 | 48000;
}

export interface DecodedWav {
  wav: Buffer;
  durationSecs: number;
}

interface StreamState {
  serial?: number;
  preSkip: number;
  lastGranule: bigint; // -1 until a page ends a packet
  audioPages: number;
  ended: boolean;
  partial: Buffer[]; // segments of a packet that continues on the next page
  packets: number; // packets completed so far, headers included
}

const PREFIX = 'Invalid Ogg Opus stream: ';
const OGGS = Buffer.from('OggS', 'latin1');

export async function decodeOggOpusToWav(
  input: AsyncIterable<Uint8Array> | Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedWav> {
  const rate = options.sampleRate ?? 16_000;
  if (![8000, 12000, 16000, 24000, 48000].includes(rate)) throw new Error(`Unsupported output rate ${rate}`);
  const state: StreamState = { preSkip: 0, lastGranule: -1n, audioPages: 0, ended: false, partial: [], packets: 0 };
  const pcm: Buffer[] = [];
  let pcmBytes = 0;
  try {
    await pipeline(
      Readable.from(audioPackets(input, state)),
      new prism.opus.Decoder({ rate, channels: 1, frameSize: (rate * 120) / 1000 }),
      async (source: AsyncIterable<Buffer>) => {
        for await (const chunk of source) {
          pcm.push(chunk);
          pcmBytes += chunk.length;
        }
      },
    );
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(message.startsWith(PREFIX) ? message : PREFIX + message, { cause: err });
  }
  if (state.audioPages === 0 || pcmBytes === 0) throw new Error(PREFIX + 'it contains no audio');

  // pre-skip and end trimming, both in 48 kHz units in the stream
  const decoded = pcmBytes >> 1;
  const skip = Math.min(decoded, Math.round((state.preSkip * rate) / 48_000));
  let length = decoded - skip;
  if (state.lastGranule >= 0n) {
    const granuleSamples = Number(state.lastGranule) - state.preSkip;
    length = Math.min(length, Math.max(0, Math.round((granuleSamples * rate) / 48_000)));
  }
  const data = Buffer.concat(pcm, pcmBytes).subarray(skip * 2, (skip + length) * 2);
  return { wav: Buffer.concat([wavHeader(data.length, rate), data]), durationSecs: length / rate };
}

/** The Opus audio packets of the first logical stream, joined across pages (headers and other streams skipped). */
async function* audioPackets(input: AsyncIterable<Uint8Array> | Uint8Array, state: StreamState): AsyncGenerator<Buffer> {
  for await (const page of checkedPages(input, state)) {
    const segments = page[26] ?? 0;
    let offset = 27 + segments;
    for (let i = 0; i < segments; i++) {
      const lacing = page[27 + i] ?? 0;
      state.partial.push(page.subarray(offset, offset + lacing));
      offset += lacing;
      if (lacing < 255) {
        const packet = Buffer.concat(state.partial);
        state.partial = [];
        // packet 0 is OpusHead, packet 1 OpusTags; audio follows
        if (state.packets++ >= 2) yield packet;
      }
    }
  }
}

/** Splits the input into complete, CRC-checked pages of the first logical stream, recording its Opus parameters. */
async function* checkedPages(input: AsyncIterable<Uint8Array> | Uint8Array, state: StreamState): AsyncGenerator<Buffer> {
  let pending: Buffer = Buffer.alloc(0);
  const chunks = input instanceof Uint8Array ? [input] : input;
  for await (const chunk of chunks) {
    const bytes = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    pending = pending.length > 0 ? Buffer.concat([pending, bytes]) : bytes;
    let offset = 0;
    for (let size = pageSize(pending, offset); size > 0; size = pageSize(pending, offset)) {
      const page = pending.subarray(offset, offset + size);
      offset += size;
      if (inspectPage(page, state)) yield page;
    }
    pending = pending.subarray(offset);
  }
  if (pending.length > 0) throw new Error(PREFIX + 'it is truncated (the last page is incomplete)');
  if (state.serial === undefined) throw new Error(PREFIX + 'it is empty');
}

/** Size of the complete page at `offset`, or 0 when more bytes are needed; throws when it is not a page. */
function pageSize(buf: Buffer, offset: number): number {
  const have = buf.length - offset;
  if (have <= 0) return 0;
  const magic = Math.min(4, have);
  if (!buf.subarray(offset, offset + magic).equals(OGGS.subarray(0, magic))) {
    throw new Error(PREFIX + 'not an Ogg page (bad capture pattern)');
  }
  if (have < 27) return 0;
  if (buf[offset + 4] !== 0) throw new Error(PREFIX + `unknown Ogg version ${buf[offset + 4]}`);
  const segments = buf[offset + 26] ?? 0;
  if (have < 27 + segments) return 0;
  let body = 0;
  for (let i = 0; i < segments; i++) body += buf[offset + 27 + i] ?? 0;
  const size = 27 + segments + body;
  return have < size ? 0 : size;
}

/** Validates a page and updates `state`; returns whether it belongs to the decoded stream. */
function inspectPage(page: Buffer, state: StreamState): boolean {
  const stored = page.readUInt32LE(22);
  const crc = oggCrc32(page.subarray(26), oggCrc32(new Uint8Array(4), oggCrc32(page.subarray(0, 22))));
  if (stored !== crc) throw new Error(PREFIX + `page ${page.readUInt32LE(18)} fails its CRC check (corrupt data)`);
  const flags = page[5] ?? 0;
  const granule = page.readBigInt64LE(6);
  const serial = page.readUInt32LE(14);
  const segments = page[26] ?? 0;
  const body = page.subarray(27 + segments);

  if (state.serial === undefined) {
    if (!(flags & 0x02)) throw new Error(PREFIX + 'the first page is not a beginning-of-stream page');
    if (body.toString('latin1', 0, 8) !== 'OpusHead' || body.length < 19) {
      throw new Error(PREFIX + 'the Ogg stream does not carry Opus audio (no OpusHead)');
    }
    const channels = body[9] ?? 0;
    const family = body[18] ?? 0;
    if ((body[8] ?? 0) >> 4 !== 0) throw new Error(PREFIX + `unsupported OpusHead version ${body[8]}`);
    if (channels < 1 || channels > 2 || (family !== 0 && (body[19] ?? 1) !== 1)) {
      throw new Error(PREFIX + `${channels}-channel Opus (mapping family ${family}) is not supported`);
    }
    state.serial = serial;
    state.preSkip = body.readUInt16LE(10);
    return true;
  }
  if (serial !== state.serial || state.ended) return false;
  if (!(flags & 0x01) && state.partial.length > 0) throw new Error(PREFIX + 'a continued packet is missing its rest');
  if (flags & 0x04) state.ended = true;
  if (granule !== -1n) state.lastGranule = granule;
  // audio pages are those past the headers (OpusTags may span several pages, all with granule 0)
  if (granule > 0n) state.audioPages++;
  return true;
}
