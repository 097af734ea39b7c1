// The output audio: a sine tone as raw PCM (s16le, mono, 24 kHz) cut into base64 fragments of
// pseudo-random (seeded, reproducible) sizes, in one of three ways a client must cope with.

import { PCM_SAMPLE_RATE } from './service-rules.js';
import type { FragmentMode } from './types.js';

/** A small seeded PRNG (mulberry32): returns floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Integer in [min, max], both inclusive. */
export function randomInt(rng: () => number, min: number, max: number): number {
  const lo = Math.ceil(Math.min(min, max));
  const hi = Math.floor(Math.max(min, max));
  return lo + Math.floor(rng() * (hi - lo + 1));
}

/** `seconds` of a sine tone at `hz`, `amplitude` a fraction of full scale, as s16le mono 24 kHz PCM. */
export function tonePcm(seconds: number, hz: number, amplitude: number): Buffer {
  const samples = Math.max(0, Math.round(seconds * PCM_SAMPLE_RATE));
  const pcm = Buffer.alloc(samples * 2);
  const peak = Math.max(0, Math.min(1, amplitude)) * 32767;
  const step = (2 * Math.PI * hz) / PCM_SAMPLE_RATE;
  for (let i = 0; i < samples; i++) pcm.writeInt16LE(Math.round(peak * Math.sin(step * i)), i * 2);
  return pcm;
}

/**
 * Cuts the PCM into base64 fragments. The first fragment always carries an odd byte count (or, when
 * unaligned, a character count that is not a multiple of 4) so clients meet the awkward case early.
 * - aligned: consecutive slices of ONE base64 string cut at multiples of 4 characters (3·k bytes each):
 *   concatenating every fragment then decoding (what the guide does) gives the PCM back.
 * - padded: each slice of bytes encoded on its own, with padding; sizes are arbitrary.
 * - unaligned: slices of ONE base64 string cut at arbitrary character positions.
 */
export function fragmentPcm(
  pcm: Buffer,
  mode: FragmentMode,
  size: { min: number; max: number },
  rng: () => number,
): string[] {
  const min = Math.max(1, size.min);
  const max = Math.max(min, size.max);
  const out: string[] = [];
  if (mode === 'padded') {
    for (let off = 0; off < pcm.length; ) {
      let n = randomInt(rng, min, max);
      if (out.length === 0 && n % 2 === 0) n += 1;
      out.push(pcm.subarray(off, off + n).toString('base64'));
      off += n;
    }
    return out;
  }
  const b64 = pcm.toString('base64');
  for (let off = 0; off < b64.length; ) {
    let chars: number;
    if (mode === 'aligned') {
      let k = Math.max(1, Math.round(randomInt(rng, min, max) / 3));
      if (out.length === 0 && k % 2 === 0) k += 1; // 3·k bytes, odd
      chars = 4 * k;
    } else {
      chars = Math.max(1, Math.round((randomInt(rng, min, max) * 4) / 3));
      if (out.length === 0 && chars % 4 === 0) chars += 1;
    }
    out.push(b64.slice(off, off + chars));
    off += chars;
  }
  return out;
}

/** Approximate decoded byte count of a base64 fragment (exact for padded or 4-aligned ones). */
export function fragmentBytes(fragment: string): number {
  const pad = fragment.endsWith('==') ? 2 : fragment.endsWith('=') ? 1 : 0;
  return Math.floor((fragment.length * 3) / 4) - pad;
}
