/**
 * The video token estimate uses the frame size ffmpeg decodes, not the one an MP4's headers state (issue 9): a
 * 1920x1080 MP4 whose tkhd and avc1 sample entry were edited to say 32x32 was estimated at 9,405 tokens, not 16,605.
 */
import { describe, expect, it } from 'vitest';
import { prepareMedia } from '../../src/media/intake.js';
import { FFMPEG } from '../support/media-fixtures.js';
import { isoVideo } from './media-corpus.js';

/** Rewrites every video tkhd (16.16 width and height) and avc1 sample entry (16-bit width and height) to w x h. */
function withHeaderSize(mp4: Buffer, w: number, h: number): Buffer {
  const copy = Buffer.from(mp4);
  for (let at = copy.indexOf('tkhd'); at >= 0; at = copy.indexOf('tkhd', at + 4)) {
    const version = copy[at + 4]!;
    const size = at + 4 + (version === 1 ? 88 : 76);
    if (copy.readUInt32BE(size) === 0) continue; // the sound track
    copy.writeUInt32BE(w << 16, size);
    copy.writeUInt32BE(h << 16, size + 4);
  }
  const avc1 = copy.indexOf('avc1', copy.indexOf('stsd')); // not the one in ftyp's brands
  if (avc1 < 0) throw new Error('no avc1 sample entry');
  copy.writeUInt16BE(w, avc1 + 28);
  copy.writeUInt16BE(h, avc1 + 30);
  return copy;
}

describe('frame size of an MP4', () => {
  it('a 1920x1080 MP4 whose headers say 32x32 is estimated at its real size', async () => {
    const real = isoVideo('mp4', '1920x1080', 2, 2);
    const edited = withHeaderSize(real, 32, 32);
    const opts = { maxBytes: 25 << 20, ffmpegPath: FFMPEG };
    const honest = await prepareMedia({ kind: 'bytes', data: real }, opts);
    const lying = await prepareMedia({ kind: 'bytes', data: edited }, opts);
    expect(honest.source.video).toMatchObject({ width: 1920, height: 1080 });
    expect(lying.source.video).toMatchObject({ width: 1920, height: 1080 });
    expect(lying.estimatedInputTokens).toBe(honest.estimatedInputTokens);
  });
});
