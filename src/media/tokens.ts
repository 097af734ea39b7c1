/**
 * Token arithmetic from the model guide's billing section.
 * Audio: 12.5 tokens per second, under 1 s billed as 1 s. Video: audio tokens plus
 * ceil(frames/2) × (h/32) × (w/32) + 2, frames sampled at 2 fps clamped to [4, 128], frame size rounded to
 * multiples of 32 and scaled into a pixel budget (the guide's `smart_nframes` / `smart_resize`).
 */
export const MAX_INPUT_TOKENS = 49_152;
export const MAX_OUTPUT_TOKENS = 4_096;
export const AUDIO_TOKENS_PER_SECOND = 12.5;

export function audioTokens(seconds: number): number {
  return Math.ceil(Math.max(1, Math.ceil(seconds)) * AUDIO_TOKENS_PER_SECOND);
}

const FACTOR = 32;
const FPS = 2;
const MIN_FRAMES = 4;
const MAX_FRAMES = 128;
const MIN_PIXELS = 128 * 32 * 32;
const MAX_PIXELS = 768 * 32 * 32;
const TOTAL_PIXELS = 16384 * 32 * 32;

const roundBy = (n: number, f: number) => Math.round(n / f) * f;
const ceilBy = (n: number, f: number) => Math.ceil(n / f) * f;
const floorBy = (n: number, f: number) => Math.floor(n / f) * f;

/** Frames the service samples from a video of `seconds` (guide: `smart_nframes`, for a constant frame rate). */
export function sampledFrames(seconds: number, sourceFps = 30): number {
  const total = Math.max(1, Math.ceil(seconds * sourceFps));
  const minFrames = ceilBy(MIN_FRAMES, 2);
  const maxFrames = floorBy(Math.min(MAX_FRAMES, total), 2);
  const wanted = seconds * FPS;
  return Math.max(2, Math.floor(Math.min(Math.max(wanted, minFrames), maxFrames, total)));
}

/** Frame size after the guide's `smart_resize`. */
export function resizedFrame(width: number, height: number, frames: number): { width: number; height: number } {
  const maxPixels = Math.max(Math.min(MAX_PIXELS, (TOTAL_PIXELS / frames) * 2), Math.floor(MIN_PIXELS * 1.05));
  let h = Math.max(FACTOR, roundBy(height, FACTOR));
  let w = Math.max(FACTOR, roundBy(width, FACTOR));
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = floorBy(height / beta, FACTOR);
    w = floorBy(width / beta, FACTOR);
  } else if (h * w < MIN_PIXELS) {
    const beta = Math.sqrt(MIN_PIXELS / (height * width));
    h = ceilBy(height * beta, FACTOR);
    w = ceilBy(width * beta, FACTOR);
  }
  return { width: w, height: h };
}

export function videoFrameTokens(seconds: number, width: number, height: number, fps = 30): number {
  const frames = sampledFrames(seconds, fps);
  const size = resizedFrame(width, height, frames);
  return Math.ceil(frames / FPS) * (size.height / FACTOR) * (size.width / FACTOR) + 2;
}

/**
 * Input tokens for a media item; video of unknown size is estimated as 1280×720 at 30 fps. Frames are counted over
 * the video track's own length when it is known and longer than the sound (`video.seconds`).
 */
export function estimateInputTokens(
  kind: 'audio' | 'video', seconds: number, video?: { width: number; height: number; fps?: number; seconds?: number },
): number {
  const audio = audioTokens(seconds);
  if (kind === 'audio') return audio;
  const frameSeconds = Math.max(seconds, video?.seconds ?? 0);
  return audio + videoFrameTokens(frameSeconds, video?.width || 1280, video?.height || 720, video?.fps || 30);
}

/** The longest audio input that fits the model's input cap (≈ 65 min). */
export const MAX_AUDIO_SECONDS = Math.floor(MAX_INPUT_TOKENS / AUDIO_TOKENS_PER_SECOND);
