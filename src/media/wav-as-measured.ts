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
