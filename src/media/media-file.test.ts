import { describe, expect, it } from 'vitest';
import { looksLikeMedia } from './media-file.js';

describe('looksLikeMedia', () => {
  it('accepts audio/video by declared type or by name, and nothing else', () => {
    expect(looksLikeMedia('audio/ogg', 'voice-message.ogg')).toBe(true);
    expect(looksLikeMedia('video/mp4', 'clip')).toBe(true);
    expect(looksLikeMedia(undefined, 'Meeting.M4A')).toBe(true);
    expect(looksLikeMedia('application/octet-stream', 'note.opus')).toBe(true);
    // what ffmpeg converts, sent with a generic type (as chat clients do for less common formats)
    for (const name of ['take.aiff', 'memo.caf', 'call.wma', 'tv.ts', 'old.rf64', 'clip.mpg']) {
      expect(looksLikeMedia('application/octet-stream', name)).toBe(true);
    }
    expect(looksLikeMedia('image/png', 'photo.png')).toBe(false);
    expect(looksLikeMedia(null, 'notes.txt')).toBe(false);
    expect(looksLikeMedia(undefined, undefined)).toBe(false);
  });
});
