import { describe, expect, it } from 'vitest';
import { opusPacketSamples } from './opus-toc.js';

const packet = (...bytes: number[]) => Buffer.from(bytes);

describe('opusPacketSamples (RFC 6716 §3.1)', () => {
  it('reads the frame size from the config and the frame count from the code', () => {
    expect(opusPacketSamples(packet(0 << 3 | 0, 1))).toBe(480); // SILK NB 10 ms, one frame
    expect(opusPacketSamples(packet(3 << 3 | 1))).toBe(5760); // SILK NB 60 ms, two (empty) frames: 120 ms
    expect(opusPacketSamples(packet(13 << 3 | 2, 1, 2))).toBe(1920); // Hybrid FB 20 ms, two frames
    expect(opusPacketSamples(packet(16 << 3 | 0))).toBe(120); // CELT NB 2.5 ms
    expect(opusPacketSamples(packet(31 << 3 | 3, 6))).toBe(5760); // CELT FB 20 ms × 6 frames
    expect(opusPacketSamples(packet(28 << 3 | 3, 48))).toBe(5760); // CELT 2.5 ms × 48 frames
    expect(opusPacketSamples(packet())).toBe(0);
  });

  it('throws for packets that break the length rules of §3.4', () => {
    expect(() => opusPacketSamples(packet(31 << 3 | 3, 7))).toThrow(/7 frames/); // 140 ms
    expect(() => opusPacketSamples(packet(31 << 3 | 3, 0))).toThrow(/0 frames/);
    expect(() => opusPacketSamples(packet(31 << 3 | 3))).toThrow(/frame count byte/);
    expect(() => opusPacketSamples(packet(31 << 3 | 1, 1))).toThrow(/odd length/);
  });
});
