import prism from 'prism-media';
import { scanOggOpus, oggOpusEvents } from './ogg-opus-layout.js';
import { wavHeader } from './wav.js';

/**
 * Decodes an Ogg Opus file (a Discord voice message) to mono 16-bit PCM WAV for the model, within bounds.
 *
 * Contract:
 * - `input` is the whole file or its chunks. Output: WAV at `sampleRate` (16 kHz by default; any rate Opus decodes
 *   to natively: 8, 12, 16, 24, 48 kHz), always mono (libopus downmixes stereo streams).
 * - Nothing is decoded before the whole file was checked and measured (ogg-opus-layout.ts): the length comes from
 *   the packets' TOC bytes, never from a header alone. A file longer than `maxSeconds` (MEDIA_TOO_LONG), or whose
 *   granule positions and packets disagree (MEDIA_INCONSISTENT), is refused with a TranslateError before any decoding.
 * - The output buffer is allocated once at the measured length and decoding stops when it is full, so the samples
 *   held never exceed min(packets, granules, cap): a file's claimed length is a ceiling, never a floor.
 * - Exact length per RFC 7845: each link's pre-skip samples (scaled to the output rate) are dropped, and its output
 *   ends where its last granule position says (end trimming); `durationSecs` = output samples / rate.
 * - Chained links are decoded one after the other, each with its own decoder. OpusHead output gain is not applied
 *   (Discord writes 0).
 * - Structural problems reject with a plain Error whose message starts with "Invalid Ogg Opus stream:" (not Ogg, not
 *   Opus, truncated, CRC, multichannel, no audio, multiplexed, a packet that does not decode).
 * - This runs on the calling thread; the bot calls `decodeOggOpusInWorker` (ogg-opus-worker.ts) instead.
 */
export interface DecodeOptions {
  sampleRate?: 8000 | 12000 | 16000 | 24000 | 48000;
  /** Refuse (MEDIA_TOO_LONG) a file holding more audio than this. Default: no cap. */
  maxSeconds?: number;
}

export interface DecodedWav {
  wav: Buffer;
  durationSecs: number;
}

const PREFIX = 'Invalid Ogg Opus stream: ';
type PrismDecoder = InstanceType<typeof prism.opus.Decoder>;

/** One packet through prism-media's Opus decoder (libopus; its transform runs synchronously, as the encoder's does). */
function decodePacket(decoder: PrismDecoder, packet: Buffer, failed: { error?: Error }): Buffer {
  decoder.write(packet);
  if (failed.error) throw failed.error;
  const pcm = decoder.read() as Buffer | null;
  if (pcm === null || decoder.readableLength > 0) throw new Error('the Opus decoder did not return exactly one frame per packet');
  return pcm;
}

export async function decodeOggOpusToWav(
  input: AsyncIterable<Uint8Array> | Uint8Array,
  options: DecodeOptions = {},
): Promise<DecodedWav> {
  let data: Buffer;
  if (input instanceof Uint8Array) data = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
  else {
    const chunks: Buffer[] = [];
    for await (const chunk of input) chunks.push(Buffer.from(chunk));
    data = Buffer.concat(chunks);
  }
  return decodeOggOpusBuffer(data, options);
}

export function decodeOggOpusBuffer(data: Buffer, options: DecodeOptions = {}): DecodedWav {
  const rate = options.sampleRate ?? 16_000;
  if (![8000, 12000, 16000, 24000, 48000].includes(rate)) throw new Error(`Unsupported output rate ${rate}`);
  const layout = scanOggOpus(data, options.maxSeconds === undefined ? {} : { maxSeconds: options.maxSeconds });
  const toRate = (samples48k: number) => Math.round((samples48k * rate) / 48_000);
  const capacity = layout.links.reduce((n, l) => n + toRate(l.playableSamples), 0);
  const out = Buffer.alloc(44 + capacity * 2);
  let written = 0;
  let decoder: PrismDecoder | undefined;
  const failed: { error?: Error } = {};
  let skip = 0; // pre-skip left to drop in this link (output samples)
  let left = 0; // output samples this link may still write
  try {
    for (const event of oggOpusEvents(data)) {
      if (event.kind === 'head') {
        const link = layout.links[event.link]!;
        decoder?.destroy();
        decoder = new prism.opus.Decoder({ rate, channels: 1, frameSize: (rate * 120) / 1000 });
        decoder.on('error', (err: Error) => (failed.error ??= err));
        skip = toRate(link.preSkip);
        left = toRate(link.playableSamples);
        continue;
      }
      if (left === 0) continue; // past the link's end: the rest is trimmed, so it is never decoded
      const pcm = decodePacket(decoder!, event.packet, failed);
      let from = 0;
      let samples = pcm.length >> 1;
      if (skip > 0) {
        from = Math.min(skip, samples);
        skip -= from;
        samples -= from;
      }
      const take = Math.min(samples, left);
      pcm.copy(out, 44 + written * 2, from * 2, (from + take) * 2);
      written += take;
      left -= take;
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(message.startsWith(PREFIX) ? message : PREFIX + message, { cause: err });
  } finally {
    decoder?.destroy();
  }
  wavHeader(written * 2, rate).copy(out, 0);
  return { wav: out.subarray(0, 44 + written * 2), durationSecs: written / rate };
}
