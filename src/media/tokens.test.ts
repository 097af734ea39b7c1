import { describe, expect, it } from 'vitest';
import { audioTokens, estimateInputTokens, MAX_AUDIO_SECONDS, resizedFrame, sampledFrames, videoFrameTokens } from './tokens.js';

describe('token estimates (model guide, Billing)', () => {
  it('bills audio at 12.5 tokens per started second, at least one second', () => {
    expect(audioTokens(0.2)).toBe(13);
    expect(audioTokens(1)).toBe(13);
    expect(audioTokens(2)).toBe(25);
    expect(audioTokens(60)).toBe(750);
    expect(audioTokens(60.1)).toBe(763);
    expect(MAX_AUDIO_SECONDS).toBe(3932);
  });

  it('samples video at 2 fps within [4, 128] frames', () => {
    expect(sampledFrames(1)).toBe(4);
    expect(sampledFrames(10)).toBe(20);
    expect(sampledFrames(600)).toBe(128);
  });

  it('resizes frames to multiples of 32 inside the pixel budget', () => {
    expect(resizedFrame(640, 480, 20)).toEqual({ width: 640, height: 480 });
    const big = resizedFrame(1920, 1080, 120);
    expect(big.width % 32).toBe(0);
    expect(big.height % 32).toBe(0);
    expect(big.width * big.height).toBeLessThanOrEqual((16384 * 32 * 32 / 120) * 2);
    // tiny frames are scaled up to the minimum pixel count
    const small = resizedFrame(64, 64, 4);
    expect(small.width * small.height).toBeGreaterThanOrEqual(128 * 32 * 32);
  });

  it('counts a 10 s 640x480 video as frames/2 × tiles + 2, plus its audio', () => {
    // 20 frames → 10 × (480/32) × (640/32) + 2 = 10 × 15 × 20 + 2
    expect(videoFrameTokens(10, 640, 480)).toBe(3002);
    expect(estimateInputTokens('video', 10, { width: 640, height: 480 })).toBe(3002 + 125);
    expect(estimateInputTokens('audio', 10)).toBe(125);
  });
});
