import { describe, expect, it } from 'vitest';
import { PcmAssembler } from './pcm-assembler.js';

// deterministic PRNG so failures are reproducible
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function randomPcm(samples: number, random: () => number): Buffer {
  const buf = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.floor(random() * 65536) - 32768, i * 2);
  return buf;
}

/** Cuts `length` into random pieces, including empty and 1-unit ones. */
function cuts(length: number, random: () => number, maxPiece: number): number[] {
  const sizes: number[] = [];
  let left = length;
  while (left > 0) {
    const r = random();
    const size = r < 0.1 ? 0 : r < 0.3 ? 1 : Math.min(left, 1 + Math.floor(random() * maxPiece));
    sizes.push(Math.min(size, left));
    left -= Math.min(size, left);
  }
  return sizes;
}

function reassemble(fragments: readonly string[]): { pcm: Buffer; assembler: PcmAssembler } {
  const assembler = new PcmAssembler();
  const parts = fragments.map((f) => assembler.push(f));
  parts.push(assembler.flush());
  const pcm = Buffer.concat(parts.map((p) => Buffer.from(p.buffer, p.byteOffset, p.byteLength)));
  return { pcm, assembler };
}

describe('PcmAssembler', () => {
  it('reassembles slices of one base64 string cut at any character', () => {
    for (let seed = 1; seed <= 40; seed++) {
      const random = rng(seed);
      const pcm = randomPcm(1 + Math.floor(random() * 3000), random);
      const text = pcm.toString('base64');
      const fragments: string[] = [];
      let at = 0;
      for (const size of cuts(text.length, random, 37)) {
        fragments.push(text.slice(at, at + size));
        at += size;
      }
      const { pcm: out, assembler } = reassemble(fragments);
      expect(out.equals(pcm), `seed ${seed}`).toBe(true);
      expect(assembler.droppedBytes).toBe(0);
      expect(assembler.samples).toBe(pcm.length / 2);
    }
  });

  it('reassembles separately padded fragments with odd byte counts', () => {
    for (let seed = 100; seed <= 140; seed++) {
      const random = rng(seed);
      const pcm = randomPcm(1 + Math.floor(random() * 3000), random);
      const fragments: string[] = [];
      let at = 0;
      for (const size of cuts(pcm.length, random, 29)) {
        fragments.push(pcm.subarray(at, at + size).toString('base64')); // padded: "AA==", "AAA=", ""
        at += size;
      }
      expect(fragments.some((f) => f.endsWith('='))).toBe(true);
      const { pcm: out } = reassemble(fragments);
      expect(out.equals(pcm), `seed ${seed}`).toBe(true);
    }
  });

  it('handles 1-byte fragments, empty fragments, whitespace and glued padded fragments', () => {
    const random = rng(7);
    const pcm = randomPcm(501, random);
    const oneByte = [...pcm].flatMap((b) => [Buffer.from([b]).toString('base64'), '']);
    expect(reassemble(oneByte).pcm.equals(pcm)).toBe(true);
    // several padded fragments arriving glued in one string, with line breaks
    const glued = [pcm.subarray(0, 3), pcm.subarray(3, 8), pcm.subarray(8)].map((b) => b.toString('base64'));
    expect(reassemble([glued[0] + '\n' + glued[1], glued[2] ?? '']).pcm.equals(pcm)).toBe(true);
    // a padding run cut in the middle ("...AA=" | "=")
    const text = pcm.subarray(0, 301).toString('base64');
    expect(text.endsWith('==')).toBe(true);
    expect(reassemble([text.slice(0, -1), text.slice(-1)]).pcm.equals(pcm.subarray(0, 300))).toBe(true);
  });

  it('returns samples as soon as they are complete', () => {
    const a = new PcmAssembler();
    expect(a.push(Buffer.from([0x01]).toString('base64'))).toHaveLength(0); // "AQ==": half a sample
    expect([...a.push(Buffer.from([0x02, 0x03, 0x80]).toString('base64'))]).toEqual([0x0201, -0x7ffd]);
    expect([...a.push('AQ')]).toEqual([]); // not yet a whole base64 group
    expect([...a.push('I=')]).toEqual([0x0201]); // "AQI=" → 01 02
    expect(a.flush()).toHaveLength(0);
    expect(a.droppedBytes).toBe(0);
    expect(a.samples).toBe(3);
  });

  it('drops a lone trailing byte at flush', () => {
    const a = new PcmAssembler();
    a.push(Buffer.from([1, 2, 3]).toString('base64'));
    expect(a.flush()).toHaveLength(0);
    expect(a.droppedBytes).toBe(1);
  });
});
