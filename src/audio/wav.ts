/**
 * Minimal RIFF/WAVE support for 16-bit PCM.
 *
 * Contract:
 * - `wavHeader(dataBytes, sampleRate, channels = 1)` is the canonical 44-byte header of a 16-bit PCM file whose data
 *   chunk holds `dataBytes` bytes (usable to stream a WAV: header first, then the samples).
 * - `encodeWav(samples, sampleRate)` is header + the samples as little-endian 16-bit mono.
 * - `parseWav(buf)` walks the RIFF chunks (any order, odd-size padding, unknown chunks skipped; `fmt ` may be
 *   WAVE_FORMAT_PCM or WAVE_FORMAT_EXTENSIBLE with the PCM sub-format). A data size larger than the buffer (streamed
 *   files often leave it 0xFFFFFFFF) is clamped to what is present. It returns the format and the samples, and throws
 *   a plain Error unless the file is mono 16-bit PCM, or when it is not a WAV file at all.
 */
export interface ParsedWav {
  sampleRate: number;
  channels: number;
  bitsPerSample: number;
  samples: Int16Array;
}

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export function wavHeader(dataBytes: number, sampleRate: number, channels = 1): Buffer {
  const blockAlign = channels * 2;
  const h = Buffer.alloc(44);
  h.write('RIFF', 0, 'latin1');
  h.writeUInt32LE(Math.min(0xffffffff, 36 + dataBytes), 4);
  h.write('WAVE', 8, 'latin1');
  h.write('fmt ', 12, 'latin1');
  h.writeUInt32LE(16, 16);
  h.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  h.writeUInt16LE(channels, 22);
  h.writeUInt32LE(sampleRate, 24);
  h.writeUInt32LE(sampleRate * blockAlign, 28);
  h.writeUInt16LE(blockAlign, 32);
  h.writeUInt16LE(16, 34);
  h.write('data', 36, 'latin1');
  h.writeUInt32LE(Math.min(0xffffffff, dataBytes), 40);
  return h;
}

export function encodeWav(samples: Int16Array, sampleRate: number): Buffer {
  const out = Buffer.alloc(44 + samples.length * 2);
  wavHeader(samples.length * 2, sampleRate).copy(out, 0);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i] ?? 0, 44 + i * 2);
  return out;
}

/** One chunk of a RIFF/WAVE file: its id, where its body starts, and its declared size (it may pass the end). */
export interface RiffChunk {
  id: string;
  body: number;
  size: number;
}

/** Whether `buf` starts as a RIFF/WAVE file. */
export const isWav = (buf: Buffer): boolean =>
  buf.length >= 12 && buf.toString('latin1', 0, 4) === 'RIFF' && buf.toString('latin1', 8, 12) === 'WAVE';

/** The chunks of a RIFF/WAVE file in order (odd sizes padded, unknown ids included); none when it is not one. */
export function* riffChunks(buf: Buffer): Generator<RiffChunk> {
  if (!isWav(buf)) return;
  for (let at = 12; at + 8 <= buf.length;) {
    const size = buf.readUInt32LE(at + 4);
    yield { id: buf.toString('latin1', at, at + 4), body: at + 8, size };
    at += 8 + size + (size & 1);
  }
}

/** A `fmt ` chunk's fields (WAVE_FORMAT_EXTENSIBLE read as its sub-format's tag); undefined when truncated. */
export interface WavFormat {
  tag: number;
  channels: number;
  sampleRate: number;
  blockAlign: number;
  bitsPerSample: number;
}

export function readWavFormat(buf: Buffer, chunk: RiffChunk): WavFormat | undefined {
  const { body, size } = chunk;
  if (size < 16 || body + 16 > buf.length) return undefined;
  let tag = buf.readUInt16LE(body);
  // WAVE_FORMAT_EXTENSIBLE: the real format tag is the first 2 bytes of the sub-format GUID
  if (tag === WAVE_FORMAT_EXTENSIBLE) tag = size >= 40 && body + 26 <= buf.length ? buf.readUInt16LE(body + 24) : 0;
  return {
    tag,
    channels: buf.readUInt16LE(body + 2),
    sampleRate: buf.readUInt32LE(body + 4),
    blockAlign: buf.readUInt16LE(body + 12),
    bitsPerSample: buf.readUInt16LE(body + 14),
  };
}

export function parseWav(buf: Buffer): ParsedWav {
  if (!isWav(buf)) throw new Error('Not a WAV file (no RIFF/WAVE header)');
  let format: WavFormat | undefined;
  for (const chunk of riffChunks(buf)) {
    if (chunk.id === 'fmt ') {
      format = readWavFormat(buf, chunk);
      if (!format) throw new Error('WAV fmt chunk is truncated');
    } else if (chunk.id === 'data') {
      if (!format) throw new Error('WAV data chunk comes before its fmt chunk');
      const { tag, channels, sampleRate, bitsPerSample } = format;
      if (tag !== WAVE_FORMAT_PCM) throw new Error(`WAV format ${tag} is not integer PCM`);
      if (channels !== 1 || bitsPerSample !== 16) {
        throw new Error(`WAV is ${channels}-channel ${bitsPerSample}-bit; only mono 16-bit PCM is supported`);
      }
      const end = Math.min(buf.length, chunk.body + chunk.size);
      const count = Math.floor((end - chunk.body) / 2);
      const samples = new Int16Array(count);
      for (let i = 0; i < count; i++) samples[i] = buf.readInt16LE(chunk.body + i * 2);
      return { sampleRate, channels, bitsPerSample, samples };
    }
  }
  throw new Error(format ? 'WAV file has no data chunk' : 'WAV file has no fmt chunk');
}
