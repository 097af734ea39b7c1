import { readWavFormat, riffChunks, type WavFormat } from '../audio/wav.js';

/**
 * A WAV file cut to its declared `data` chunk, so the audio the model receives is exactly the audio that was
 * measured and billed. ffmpeg (and most decoders) read a WAV's `data` chunk for the length its header declares, so
 * a file whose header declares 1 s but which carries an hour after it would be measured as 1 s; whatever lies past
 * the declared chunk is dropped here instead of being sent.
 *
 * RIFF layout relied on: "RIFF", a 32-bit little-endian size, "WAVE", then chunks of a 4-byte id, a 32-bit
 * little-endian size and the body, padded to an even length. A declared size past the end of the file (a WAV
 * written while streaming, 0xFFFFFFFF) means "to the end". Anything that is not such a file is returned as it is.
 */
export function wavAsMeasured(data: Buffer): Buffer {
  for (const chunk of riffChunks(data)) {
    if (chunk.id !== 'data') continue;
    const end = chunk.body + chunk.size;
    if (end >= data.length) return data;
    const header = Buffer.from(data.subarray(0, 12));
    header.writeUInt32LE(end - 8, 4); // the RIFF size of what is kept
    return Buffer.concat([header, data.subarray(12, end)]);
  }
  return data;
}

/**
 * The length of an integer-PCM WAV, counted from the sample bytes it really holds (the declared `data` size, or what
 * is present when less): for PCM the bytes are the audio, so this is the same measure ffmpeg's decode gives, without
 * starting a process for it (a spawn blocks the event loop for several ms in a large process). The sample rate,
 * channels and sample size come from `fmt `, as they do for ffmpeg and for the model, which read the same header.
 * Undefined for anything else (a compressed codec in a WAV, odd fields, no data): ffmpeg measures those.
 */
export function pcmWavSeconds(data: Buffer): number | undefined {
  let fmt: WavFormat | undefined;
  for (const chunk of riffChunks(data)) {
    if (chunk.id === 'fmt ') {
      fmt = readWavFormat(data, chunk);
      const sane = fmt && fmt.tag === 1 && fmt.channels >= 1 && fmt.channels <= 8 && fmt.sampleRate >= 1_000
        && fmt.sampleRate <= 384_000 && [8, 16, 24, 32].includes(fmt.bitsPerSample)
        && fmt.blockAlign === fmt.channels * (fmt.bitsPerSample / 8);
      if (!sane) return undefined;
    } else if (chunk.id === 'data') {
      if (!fmt) return undefined;
      const bytes = Math.min(chunk.size, data.length - chunk.body);
      return Math.floor(bytes / fmt.blockAlign) / fmt.sampleRate;
    }
  }
  return undefined;
}
