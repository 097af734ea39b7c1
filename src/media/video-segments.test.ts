import { describe, expect, it } from 'vitest';
import { limitsUpTo, SPEECH_SEGMENTS, TEXT_SEGMENTS } from '../segments/plan-segments.js';
import { MAX_INPUT_TOKENS } from './tokens.js';
import { DEFAULT_VIDEO_ENCODING, encodedVideo, maxVideoSegmentSecs, videoSegmentTokens } from './video-segments.js';

describe('video segments: size, frame rate and length', () => {
  it('scales down to the configured height (the shorter side of a portrait video), never up, never faster', () => {
    expect(DEFAULT_VIDEO_ENCODING).toEqual({ height: 360, fps: 1 });
    expect(encodedVideo({ width: 1920, height: 1080, fps: 30 }, DEFAULT_VIDEO_ENCODING)).toEqual({ width: 640, height: 360, fps: 1 });
    expect(encodedVideo({ width: 1080, height: 1920 }, { height: 360, fps: 2 })).toEqual({ width: 360, height: 640, fps: 2 });
    expect(encodedVideo({ width: 320, height: 240, fps: 0.5 }, DEFAULT_VIDEO_ENCODING)).toEqual({ width: 320, height: 240, fps: 0.5 });
    // unknown size: assumed 16:9 at the configured height
    expect(encodedVideo(undefined, DEFAULT_VIDEO_ENCODING)).toEqual({ width: 640, height: 360, fps: 1 });
  });

  it('costs far fewer frame tokens re-encoded than as sent (the guide: 2 frames a second sampled, at most 128)', () => {
    const hd = { width: 1280, height: 720, fps: 30 };
    const small = encodedVideo(hd, DEFAULT_VIDEO_ENCODING);
    // a 30 s 720p clip: 43× its 375 audio tokens as sent, under 10× at 360p and 1 fps
    expect(videoSegmentTokens(30, hd)).toBe(16_187);
    expect(videoSegmentTokens(30, small)).toBe(3_677);
    // a full speech segment (150 s) reaches 128 frames either way: the size is what is saved
    expect(videoSegmentTokens(150, hd)).toBe(18_005);
    expect(videoSegmentTokens(150, small)).toBe(15_957);
  });

  it('bounds a segment by the input limit: never binding for speech or text segments, computed for longer ones', () => {
    const small = encodedVideo({ width: 1280, height: 720 }, DEFAULT_VIDEO_ENCODING);
    expect(maxVideoSegmentSecs(SPEECH_SEGMENTS.maxSec, small)).toBe(SPEECH_SEGMENTS.maxSec);
    expect(maxVideoSegmentSecs(TEXT_SEGMENTS.maxSec, { width: 3840, height: 2160, fps: 60 })).toBe(TEXT_SEGMENTS.maxSec);
    const longest = maxVideoSegmentSecs(7200, small);
    expect(longest).toBe(2723);
    expect(videoSegmentTokens(longest, small)).toBeLessThanOrEqual(MAX_INPUT_TOKENS - 1024);
    expect(videoSegmentTokens(longest + 1, small)).toBeGreaterThan(MAX_INPUT_TOKENS - 1024);
  });

  it('shortens the planner limits only when a segment may not be as long, keeping their ratio', () => {
    expect(limitsUpTo(SPEECH_SEGMENTS, 150)).toBe(SPEECH_SEGMENTS);
    expect(limitsUpTo(SPEECH_SEGMENTS, Infinity)).toBe(SPEECH_SEGMENTS);
    expect(limitsUpTo(TEXT_SEGMENTS, 210)).toEqual({ minSec: 120, maxSec: 210 });
    expect(() => limitsUpTo(TEXT_SEGMENTS, 0)).toThrow(RangeError);
  });
});
