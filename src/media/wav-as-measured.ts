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
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WAVE') return data;
  let at = 12;
  while (at + 8 <= data.length) {
    const id = data.toString('latin1', at, at + 4);
    const size = data.readUInt32LE(at + 4);
    if (id === 'data') {
      const end = at + 8 + size;
      if (end >= data.length) return data;
      const header = Buffer.from(data.subarray(0, 12));
      header.writeUInt32LE(end - 8, 4); // the RIFF size of what is kept
      return Buffer.concat([header, data.subarray(12, end)]);
    }
    at += 8 + size + (size & 1);
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
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'RIFF' || data.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let fmt: { rate: number; blockAlign: number } | undefined;
  let at = 12;
  while (at + 8 <= data.length) {
    const id = data.toString('latin1', at, at + 4);
    const size = data.readUInt32LE(at + 4);
    const body = at + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > data.length) return undefined;
      let tag = data.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE: the real format is the start of the sub-format GUID
      if (tag === 0xfffe) tag = size >= 40 && body + 26 <= data.length ? data.readUInt16LE(body + 24) : 0;
      const channels = data.readUInt16LE(body + 2);
      const rate = data.readUInt32LE(body + 4);
      const blockAlign = data.readUInt16LE(body + 12);
      const bits = data.readUInt16LE(body + 14);
      const sane = tag === 1 && channels >= 1 && channels <= 8 && rate >= 1_000 && rate <= 384_000
        && [8, 16, 24, 32].includes(bits) && blockAlign === channels * (bits / 8);
      if (!sane) return undefined;
      fmt = { rate, blockAlign };
    } else if (id === 'data') {
      if (!fmt) return undefined;
      const bytes = Math.min(size, data.length - body);
      return Math.floor(bytes / fmt.blockAlign) / fmt.rate;
    }
    at = body + size + (size & 1);
  }
  return undefined;
}
