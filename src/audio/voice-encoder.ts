import prism from 'prism-media';
import { OggOpusWriter, type OggTailPacket } from './ogg-writer.js';
import { openPooledEncoder, voiceEncoderWorkers, type PooledEncoder } from './voice-encoder-pool.js';

export { setVoiceEncoderNice, setVoiceEncoderWorkers, shutdownVoiceEncoderPool, voiceEncoderWorkers } from './voice-encoder-pool.js';
import { WaveformBuilder } from './waveform.js';

/**
 * Streaming PCM → Ogg Opus encoder for Discord voice messages.
 *
 * Contract:
 * - Input: signed 16-bit mono PCM at `sampleRate` (24 kHz by default, the model's rate; 16 and 48 kHz also work).
 *   Opus runs natively at that rate: no resampling. Mono, `bitrate` bits/s (default 32000, clamped by prism-media
 *   to 16000..128000), 20 ms frames, application AUDIO (see below).
 * - `write(samples)` encodes every complete 20 ms frame immediately (synchronously) and hands the packets to the Ogg
 *   writer, which emits a page about every second; `bytesSoFar` (Ogg bytes emitted, header pages included) grows as
 *   the stream arrives. Slices of any size are fine, including empty ones.
 * - `finish()` pads the last partial frame with silence, adds silent frames until the encoder's lookahead is flushed
 *   (so the real tail is decodable), writes the final page (EOS, granule = pre-skip + real samples at 48 kHz, so
 *   decoders trim the padding exactly) and resolves with the note. It rejects when no sample was written. A note
 *   shorter than one 20 ms frame is first padded with silence to 20 ms (and reported so): the file then has two
 *   audio pages, which ffmpeg and ogg-opus-decoder trim correctly (see ogg-writer.ts).
 *   Afterwards the encoder is closed: `write`/`finish` throw. `abort()` closes it without a note.
 * - `VoiceNote`: `ogg` the whole file; `durationSecs` = samples / sampleRate (the decoded length); `waveform` base64
 *   of 1..256 bytes (see waveform.ts); `sampleRate`, `samples` = the real input samples.
 *
 * - Where the work runs: by default every encoder is a session on a small pool of worker threads (see
 *   voice-encoder-pool.ts: min(2, cores) threads; `setVoiceEncoderWorkers`, LIVETRANSLATE_OPUS_WORKERS), so that
 *   many concurrent notes never stall the main event loop; the file is byte for byte the one the same encoder makes
 *   on the calling thread (`InlineVoiceEncoder`, what `setVoiceEncoderWorkers(0)` selects: the previous behaviour).
 *   On a worker, `write` copies the slice to the thread and returns at once; `bytesSoFar` is then the bytes the
 *   thread has reported plus an estimate (`bitrate` / 8 per second) for the samples still on their way, and exact
 *   once `finish` has resolved. A worker that dies fails its open encoders: `write` throws and `finish` rejects
 *   (the job fails cleanly; nothing waits forever); the next encoder gets a fresh worker.
 *
 * Assumptions:
 * - Pre-skip is 312 samples at 48 kHz: libopus's lookahead (OPUS_GET_LOOKAHEAD) for the VOIP and AUDIO applications
 *   is Fs/400 + Fs/250 (2.5 ms + 4 ms = 6.5 ms) at every rate; 156 samples at 24 kHz = 312 at 48 kHz. The backend is
 *   not asked (@discordjs/opus exposes no getter); the tests check the alignment against independent decoders.
 * - Application AUDIO: the input is clean synthesized speech, not a noisy microphone; AUDIO aims at faithful
 *   reproduction, while VOIP adds speech-intelligibility processing (high-pass, emphasis) that brings nothing here.
 *   It is also what @discordjs/opus always uses (it ignores prism's `application` option; opusscript honours it),
 *   so both backends behave alike.
 */
export interface VoiceNote {
  ogg: Buffer;
  durationSecs: number;
  /** base64 of 1..256 unsigned bytes */
  waveform: string;
  sampleRate: number;
  samples: number;
}

export interface VoiceEncoderOptions {
  sampleRate?: 24000 | 48000 | 16000;
  /** bits per second, default 32000 */
  bitrate?: number;
}

/** libopus lookahead at 48 kHz for the VOIP/AUDIO applications (see above). */
export const OPUS_PRE_SKIP_48K = 312;

const FRAME_MS = 20;
const SAMPLES_48K_PER_FRAME = (48_000 * FRAME_MS) / 1000;

type PrismEncoder = InstanceType<typeof prism.opus.Encoder>;

/** Checks the options the way both encoders do; returns the sample rate and bit rate. */
function validate(options: VoiceEncoderOptions): { rate: 16000 | 24000 | 48000; bitrate: number } {
  const rate = options.sampleRate ?? 24_000;
  if (![16_000, 24_000, 48_000].includes(rate)) throw new Error(`VoiceEncoder: unsupported sample rate ${rate}`);
  const bitrate = options.bitrate ?? 32_000;
  if (!Number.isFinite(bitrate) || bitrate <= 0) throw new Error(`VoiceEncoder: invalid bitrate ${bitrate}`);
  return { rate, bitrate };
}

const VENDOR = `livetranslate (prism-media ${prism.opus.Encoder.type})`;
const headerBytes = new Map<number, number>();

/** Bytes of the OpusHead and OpusTags pages at `rate` (what `bytesSoFar` is before any audio). */
export function oggHeaderBytes(rate: number): number {
  let bytes = headerBytes.get(rate);
  if (bytes === undefined) {
    bytes = new OggOpusWriter({ onPage: () => undefined, preSkip: OPUS_PRE_SKIP_48K, inputSampleRate: rate, vendor: VENDOR }).bytesWritten;
    headerBytes.set(rate, bytes);
  }
  return bytes;
}

/**
 * The streaming encoder (see the contract above): on the worker pool by default, on the calling thread when the pool
 * is set to 0 workers.
 */
export class VoiceEncoder {
  readonly sampleRate: number;
  private readonly impl: InlineVoiceEncoder | PooledEncoder;

  constructor(options: VoiceEncoderOptions = {}) {
    const { rate, bitrate } = validate(options);
    this.sampleRate = rate;
    this.impl = voiceEncoderWorkers() > 0
      ? openPooledEncoder({ sampleRate: rate, bitrate }, oggHeaderBytes(rate))
      : new InlineVoiceEncoder({ sampleRate: rate, bitrate });
  }

  /** Bytes of Ogg output so far (see the contract: an estimate for what is still on its way to a worker). */
  get bytesSoFar(): number {
    return this.impl.bytesSoFar;
  }

  write(samples: Int16Array): void {
    this.impl.write(samples);
  }

  finish(): Promise<VoiceNote> {
    return this.impl.finish();
  }

  /** Releases the encoder without producing a note (e.g. when the input failed); idempotent. */
  abort(): void {
    this.impl.abort();
  }
}

/** The encoder itself, on the calling thread: what a pool worker runs for each of its sessions. */
export class InlineVoiceEncoder {
  readonly sampleRate: number;
  private readonly frameSamples: number;
  private readonly opus: PrismEncoder;
  private readonly ogg: OggOpusWriter;
  private readonly pages: Buffer[] = [];
  private readonly waveform: WaveformBuilder;
  private frame: Int16Array;
  private filled = 0; // samples in `frame`
  private total = 0; // real samples written
  private frames = 0; // packets encoded
  private closed = false;
  private streamError: Error | undefined;

  constructor(options: VoiceEncoderOptions = {}) {
    const { rate, bitrate } = validate(options);
    this.sampleRate = rate;
    this.frameSamples = (rate * FRAME_MS) / 1000;
    this.frame = new Int16Array(this.frameSamples);
    // `application` is read by the opusscript backend only (prism's typings omit it)
    const opusOptions = { rate, channels: 1, frameSize: this.frameSamples, application: 'AUDIO' };
    this.opus = new prism.opus.Encoder(opusOptions);
    this.opus.on('error', (err: Error) => (this.streamError ??= err));
    this.opus.setBitrate(bitrate);
    this.waveform = new WaveformBuilder({ sampleRate: rate });
    this.ogg = new OggOpusWriter({
      onPage: (page) => this.pages.push(page),
      preSkip: OPUS_PRE_SKIP_48K,
      inputSampleRate: rate,
      vendor: VENDOR,
    });
  }

  /** Real samples written so far. */
  get samplesWritten(): number {
    return this.total;
  }

  /** Bytes of Ogg output produced so far (complete pages, header pages included). */
  get bytesSoFar(): number {
    return this.ogg.bytesWritten;
  }

  write(samples: Int16Array): void {
    this.assertOpen();
    this.append(samples);
  }

  /** Feeds the waveform and encodes every frame completed by `samples`. */
  private append(samples: Int16Array): void {
    this.waveform.push(samples);
    this.total += samples.length;
    let offset = 0;
    while (offset < samples.length) {
      const take = Math.min(this.frameSamples - this.filled, samples.length - offset);
      this.frame.set(samples.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.frameSamples) {
        this.ogg.writePacket(this.encodeFrame(), SAMPLES_48K_PER_FRAME);
        this.filled = 0;
      }
    }
  }

  async finish(): Promise<VoiceNote> {
    this.assertOpen();
    this.closed = true;
    try {
      if (this.total === 0) throw new Error('VoiceEncoder: no samples were written');
      if (this.total < this.frameSamples) this.append(new Int16Array(this.frameSamples - this.total));
      const total48k = (this.total * 48_000) / this.sampleRate;
      // the padded last frame, then silence until the lookahead is flushed: all on the final page
      const tail: OggTailPacket[] = [];
      const needed = Math.ceil((total48k + OPUS_PRE_SKIP_48K) / SAMPLES_48K_PER_FRAME);
      while (this.frames < needed) {
        this.frame.fill(0, this.filled);
        this.filled = 0;
        tail.push({ packet: this.encodeFrame(), samples48k: SAMPLES_48K_PER_FRAME });
      }
      this.ogg.end({ tail, totalSamples48k: total48k });
      return {
        ogg: Buffer.concat(this.pages),
        durationSecs: this.total / this.sampleRate,
        waveform: this.waveform.toBase64(),
        sampleRate: this.sampleRate,
        samples: this.total,
      };
    } finally {
      this.opus.destroy();
    }
  }

  /** Encodes `frame` now: prism's encoder transforms synchronously, so the packet is readable right away. */
  private encodeFrame(): Buffer {
    // a fresh buffer per frame: the stream could in theory hold on to it
    this.opus.write(Buffer.from(this.frame.buffer.slice(0)));
    const packet = this.opus.read() as Buffer | null;
    if (this.streamError) throw this.streamError;
    if (packet === null || this.opus.readableLength > 0) {
      throw new Error('VoiceEncoder: the Opus backend did not return exactly one packet per frame');
    }
    this.frames++;
    return packet;
  }

  /** Releases the encoder without producing a note (e.g. when the input failed); idempotent. */
  abort(): void {
    this.closed = true;
    this.opus.destroy();
  }

  private assertOpen(): void {
    if (this.streamError) throw this.streamError;
    if (this.closed) throw new Error('VoiceEncoder: already finished');
  }
}

/** Encodes a stream of PCM slices (see `VoiceEncoder`) into a voice note. */
export async function encodeVoiceNote(
  samples: AsyncIterable<Int16Array>,
  options?: VoiceEncoderOptions,
): Promise<VoiceNote> {
  const encoder = new VoiceEncoder(options);
  try {
    for await (const chunk of samples) encoder.write(chunk);
  } catch (err) {
    encoder.abort();
    throw err;
  }
  return encoder.finish();
}
