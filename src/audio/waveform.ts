/**
 * Discord voice-message waveform: a loudness envelope of at most 256 unsigned bytes, base64-encoded.
 *
 * Contract:
 * - `WaveformBuilder.push(samples)` accumulates the RMS of fixed windows (default 100 ms) incrementally as the audio
 *   arrives (16-bit mono PCM); memory is one number per window (6,000 for 10 minutes).
 * - `bytes()` / `toBase64()` resample the windows to at most `maxPoints` (256) points, each the RMS over its span
 *   (a trailing partial window counts with its real length), then scale linearly to 0..255 relative to the loudest
 *   point: louder = bigger, digital silence = 0. The reference never drops below `floorRms` (default 1% of full scale,
 *   -40 dBFS) so near-silence is not blown up into full bars. Always at least one byte (0 for no audio).
 * - Deterministic: the same samples give the same bytes however they were split into `push` calls.
 */
export interface WaveformOptions {
  sampleRate: number;
  /** Window length in milliseconds (default 100). */
  windowMs?: number;
  /** Maximum number of points (default 256, Discord's limit). */
  maxPoints?: number;
  /** Lowest scaling reference, as a fraction of full scale (default 0.01). */
  floorRms?: number;
}

export class WaveformBuilder {
  private readonly windowSamples: number;
  private readonly maxPoints: number;
  private readonly floorRms: number;
  private readonly windows: number[] = []; // sum of squares (normalized to ±1) of each full window
  private sum = 0; // sum of squares of the current partial window
  private filled = 0; // samples in the current partial window

  constructor(options: WaveformOptions) {
    this.windowSamples = Math.max(1, Math.round((options.sampleRate * (options.windowMs ?? 100)) / 1000));
    this.maxPoints = Math.max(1, Math.min(256, options.maxPoints ?? 256));
    this.floorRms = options.floorRms ?? 0.01;
  }

  push(samples: Int16Array): void {
    const scale = 1 / 32768;
    for (let i = 0; i < samples.length; i++) {
      const v = (samples[i] ?? 0) * scale;
      this.sum += v * v;
      if (++this.filled === this.windowSamples) {
        this.windows.push(this.sum);
        this.sum = 0;
        this.filled = 0;
      }
    }
  }

  /** The envelope as unsigned bytes (1..maxPoints of them). */
  bytes(): Uint8Array {
    // (sum of squares, sample count) per window, the partial one included
    const sums = this.filled > 0 ? [...this.windows, this.sum] : this.windows;
    const counts = (i: number) => (i < this.windows.length ? this.windowSamples : this.filled);
    const n = sums.length;
    if (n === 0) return new Uint8Array(1);
    const points = Math.min(n, this.maxPoints);
    const rms = new Float64Array(points);
    for (let p = 0; p < points; p++) {
      const from = Math.floor((p * n) / points);
      const to = Math.floor(((p + 1) * n) / points);
      let s = 0;
      let c = 0;
      for (let i = from; i < to; i++) {
        s += sums[i] ?? 0;
        c += counts(i);
      }
      rms[p] = c > 0 ? Math.sqrt(s / c) : 0;
    }
    const reference = Math.max(this.floorRms, ...rms);
    return Uint8Array.from(rms, (r) => Math.min(255, Math.round((255 * r) / reference)));
  }

  toBase64(): string {
    return Buffer.from(this.bytes()).toString('base64');
  }
}

/** One-shot helper: the base64 waveform of a whole buffer of 16-bit mono PCM. */
export function computeWaveform(samples: Int16Array, sampleRate: number): string {
  const builder = new WaveformBuilder({ sampleRate });
  builder.push(samples);
  return builder.toBase64();
}
