import { cutVideo, DEFAULT_FFMPEG_TIMEOUT_MS, type FfmpegInput, type VideoEncoding } from './ffmpeg.js';
import { estimateInputTokens, MAX_INPUT_TOKENS } from './tokens.js';
import type { MediaInfo, VideoSegments } from './types.js';

/**
 * Long videos: cut at the same pause times as their sound (`runSegmented`), each segment re-encoded small before it
 * is sent, as an MP4 (H.264 + AAC, which the model takes as it is) in a `video_url` part.
 *
 * Why small and slow (tokens.ts, the guide's billing): the service samples 2 frames a second, at most 128 a request
 * and never more than the video has, scales each into a pixel budget, and bills ceil(frames / 2) × tiles(32×32) + 2,
 * against 12.5 tokens a second of audio. Per minute of video (audio included):
 *
 * | segment | 720p, 30 fps (as sent) | 360p, 2 fps | 360p, 1 fps | 240p, 1 fps | sound only |
 * |---------|------------------------|-------------|-------------|-------------|------------|
 * | 30 s    | 32,374 (43× its audio) | 13,954      | 7,354       | 5,074       | 750        |
 * | 60 s    | 16,592                 | 13,952      | 7,352       | 5,072       | 750        |
 * | 150 s   | 7,202                  | 6,383       | 6,383       | 4,437       | 750        |
 * | 420 s   | 3,054                  | 2,762       | 2,762       | 2,067       | 750        |
 *
 * Past 128 sampled frames (64 s at 2 fps, 128 s at 1 fps) the frames stop costing more, so a full 150 s speech
 * segment costs the same at 1 or 2 fps; 1 fps halves the frames of every shorter one (a recording's last segment, a
 * rest resumed after the output cap) and halves the upload. 360p keeps slides and faces readable; lower sizes save
 * less than their pixels suggest (the service scales a frame under 128 tiles back up to 128: 240p is billed as
 * 512×288). Defaults: `LIVETRANSLATE_VIDEO_HEIGHT` 360, `LIVETRANSLATE_VIDEO_FPS` 1 (fractions such as 0.5 allowed:
 * a 150 s segment then costs 4,007 tokens a minute).
 */
export const DEFAULT_VIDEO_ENCODING: VideoEncoding = Object.freeze({ height: 360, fps: 1 });

/** Input tokens left for the request's own text (translation options, roles) besides the media. */
const TEXT_MARGIN_TOKENS = 1_024;

/** The frame size and rate a segment of this video is re-encoded to: never larger, never faster than the source. */
export function encodedVideo(
  source: MediaInfo['video'], encoding: VideoEncoding,
): { width: number; height: number; fps: number } {
  const width = source?.width || Math.round((encoding.height * 16) / 9);
  const height = source?.height || encoding.height;
  const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);
  const fps = source?.fps && source.fps < encoding.fps ? source.fps : encoding.fps;
  if (width >= height) {
    const h = Math.min(encoding.height, height);
    return { width: even((width * h) / height), height: even(h), fps };
  }
  const w = Math.min(encoding.height, width);
  return { width: even(w), height: even((height * w) / width), fps };
}

/** Input tokens of one segment of `seconds` re-encoded to `video` (its audio plus the frames the service samples). */
export function videoSegmentTokens(seconds: number, video: { width: number; height: number; fps: number }): number {
  return estimateInputTokens('video', seconds, { ...video, seconds });
}

/**
 * The longest segment (whole seconds, at most `upToSec`) such that every segment up to that length fits the model's
 * per-request input limit with room for the request's text (`upToSec` itself when all do). Frame tokens stop growing
 * at 128 sampled frames, so with any encoding the frames of one request stay under about 16,130 tokens, and it is
 * the sound (12.5 a second) that reaches the limit: at 360p, past 45 minutes (2,723 s); at 720p or more, 2,559 s. A
 * speech segment (150 s: 1,875 audio + 14,082 frame tokens at 360p) or a text-only one (420 s: 19,332) is never
 * shortened by it today; the bound holds if the encoding, the limits or the billing change.
 */
export function maxVideoSegmentSecs(upToSec: number, video: { width: number; height: number; fps: number }): number {
  const budget = MAX_INPUT_TOKENS - TEXT_MARGIN_TOKENS;
  let longest = 0;
  for (let s = 1; s <= Math.floor(upToSec); s++) {
    if (videoSegmentTokens(s, video) > budget) break;
    longest = s;
  }
  return longest === Math.floor(upToSec) ? upToSec : longest;
}

/**
 * The segments of a long video, cut from `input` (the spooled file or the bytes) when asked; `release` deletes the
 * spooled file (the intake keeps it for this, and only this, until then).
 */
export function videoSegments(
  ffmpeg: string, input: FfmpegInput, info: MediaInfo, encoding: VideoEncoding, release: () => Promise<void>,
  timeoutMs?: number,
): VideoSegments {
  const encoded = encodedVideo(info.video, encoding);
  let released = false;
  return {
    encoded,
    async cut(startSec, endSec, signal) {
      if (released) throw new Error('video segments cut after release');
      const seconds = endSec - startSec;
      // H.264 at CRF 30 of a 360p frame is 5-40 KB; 48 kbit/s of AAC is 6 KB a second: the cap leaves room for 4×
      const pixels = encoded.width * encoded.height;
      const maxBytes = Math.ceil((seconds + 5) * (6_000 + encoded.fps * pixels * 0.4)) + 256 * 1024;
      // decoding the source at its full size and rate is the cost (150 s of 720p at 30 fps: 19-31 s on a busy 2-core
      // machine): a cut may take up to twice its length in real time before it counts as stuck
      const limits = { signal, timeoutMs: Math.max(timeoutMs ?? DEFAULT_FFMPEG_TIMEOUT_MS, seconds * 2000) };
      const data = await cutVideo(ffmpeg, input, info.format, { startSec, endSec }, { height: encoding.height, fps: encoded.fps }, maxBytes, limits);
      return {
        part: { type: 'video_url', video_url: { url: `data:video/mp4;base64,${data.toString('base64')}` } },
        bytes: data.length,
        estimatedInputTokens: videoSegmentTokens(seconds, encoded),
      };
    },
    async release() {
      released = true;
      await release();
    },
  };
}
