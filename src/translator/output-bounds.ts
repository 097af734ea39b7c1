import { AUDIO_SAMPLE_RATE } from './types.js';

/**
 * Counts what one model call has yielded against its caps: text characters (UTF-16 units, never splitting a
 * surrogate pair) and speech samples. `text` and `audio` return the part that still fits; once something did not
 * fit, `exceeded` is true and the caller stops the stream.
 */
export class OutputBounds {
  private chars = 0;
  private samples = 0;
  private over: 'text' | 'audio' | undefined;

  constructor(
    private readonly maxChars: number,
    private readonly maxSamples: number,
  ) {}

  get exceeded(): boolean {
    return this.over !== undefined;
  }

  text(delta: string): string {
    const room = this.maxChars - this.chars;
    if (delta.length <= room) {
      this.chars += delta.length;
      return delta;
    }
    this.over = 'text';
    let cut = Math.max(0, room);
    // a high surrogate as the last unit kept would leave half a character
    if (cut > 0 && /[\uD800-\uDBFF]/.test(delta[cut - 1]!)) cut--;
    this.chars += cut;
    return delta.slice(0, cut);
  }

  audio(pcm: Int16Array): Int16Array {
    const room = this.maxSamples - this.samples;
    if (pcm.length <= room) {
      this.samples += pcm.length;
      return pcm;
    }
    this.over = 'audio';
    const cut = Math.max(0, room);
    this.samples += cut;
    return pcm.subarray(0, cut);
  }

  /** The detail of the OUTPUT_TOO_LONG message: which cap, and its size. */
  describe(): string {
    return this.over === 'audio'
      ? `(It stopped after ${formatDuration((this.maxSamples / AUDIO_SAMPLE_RATE) * 1000)} of speech; the text so far is kept.)`
      : `(It stopped at ${this.maxChars.toLocaleString('en-US')} characters; the text so far is kept.)`;
  }
}

/** 600000 → "10 min", 90000 → "90 s", 1500 → "1.5 s". */
export function formatDuration(ms: number): string {
  const s = ms / 1000;
  if (s >= 120 && s % 60 === 0) return `${s / 60} min`;
  return `${Number.isInteger(s) ? s : s.toFixed(1)} s`;
}
