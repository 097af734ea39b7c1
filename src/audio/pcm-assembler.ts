/**
 * Reassembles the model's streamed speech (`delta.audio.data`): base64 fragments of raw signed 16-bit little-endian
 * mono PCM (24 kHz for qwen3-livetranslate-flash) into whole samples.
 *
 * Contract:
 * - Fragment boundaries are arbitrary and all of these are handled, also mixed:
 *   (a) a fragment decodes to an odd number of bytes: the odd byte is carried into the next sample;
 *   (b) fragments are slices of one long base64 string cut at any character: characters past the last complete
 *       4-character group are carried to the next fragment;
 *   (c) fragments are each separately padded base64: a group holding `=` padding ends a base64 run and is decoded as
 *       it is (even when more fragments were glued after it in one string).
 *   Whitespace is ignored; empty fragments are fine.
 * - `push` returns the whole samples available so far (possibly empty, never shared with later results); work per call
 *   is linear in the fragment's size (no re-copying of earlier data).
 * - `flush` decodes any carried characters (leniently, padding optional), returns the last samples and resets the
 *   carries; a final odd byte cannot form a sample: it is dropped and counted in `droppedBytes`.
 * - `samples` counts every sample returned so far.
 */
export class PcmAssembler {
  private chars = ''; // base64 characters of an incomplete 4-character group
  private oddByte = -1; // a carried byte waiting for its high half, or -1
  private dropped = 0;
  private total = 0;

  /** Bytes dropped by `flush` because the stream ended mid-sample. */
  get droppedBytes(): number {
    return this.dropped;
  }

  /** Samples returned so far. */
  get samples(): number {
    return this.total;
  }

  push(base64Fragment: string): Int16Array {
    let text = this.chars + (/\s/.test(base64Fragment) ? base64Fragment.replace(/\s+/g, '') : base64Fragment);
    const runs: Buffer[] = [];
    // (c) every padded group ends a run: decode everything up to and including its padding as it is
    let pad = text.indexOf('=');
    while (pad !== -1) {
      let end = pad;
      while (text[end] === '=') end++;
      // a padding run cut by the fragment boundary ("AA=" | "="): wait for the rest of it (case b)
      if (end === text.length && end % 4 !== 0) break;
      runs.push(Buffer.from(text.slice(0, end), 'base64'));
      text = text.slice(end);
      pad = text.indexOf('=');
    }
    // (b) decode the complete groups and carry the rest
    const whole = pad === -1 ? text.length - (text.length % 4) : Math.floor(pad / 4) * 4;
    if (whole > 0) runs.push(Buffer.from(text.slice(0, whole), 'base64'));
    this.chars = text.slice(whole);
    return this.toSamples(runs);
  }

  flush(): Int16Array {
    const runs = this.chars.length > 0 ? [Buffer.from(this.chars, 'base64')] : [];
    this.chars = '';
    const out = this.toSamples(runs);
    if (this.oddByte !== -1) {
      this.dropped++;
      this.oddByte = -1;
    }
    return out;
  }

  /** Joins the carried odd byte and the decoded runs into whole samples; carries a new odd byte. */
  private toSamples(runs: readonly Buffer[]): Int16Array {
    const carried = this.oddByte === -1 ? 0 : 1;
    const byteCount = runs.reduce((n, r) => n + r.length, carried);
    const samples = new Int16Array(byteCount >> 1);
    const bytes = Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength);
    let offset = 0;
    let odd = -1;
    const put = (b: number) => {
      if (offset < bytes.length) bytes[offset++] = b;
      else odd = b;
    };
    if (carried) put(this.oddByte);
    for (const run of runs) {
      const fit = Math.min(run.length, bytes.length - offset);
      bytes.set(run.subarray(0, fit), offset);
      offset += fit;
      if (fit < run.length) put(run[fit] ?? 0);
    }
    this.oddByte = odd;
    if (!LITTLE_ENDIAN_HOST) bytes.swap16();
    this.total += samples.length;
    return samples;
  }
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
