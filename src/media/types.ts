/**
 * Media intake contracts: what a user can hand the bot, and what the translator receives.
 *
 * Flow: `MediaSource` → read (size cap enforced while reading) → sniff the bytes → `MediaInfo` (kind, real format,
 * duration, token estimate) → limits → transcode when the model may not accept the format → `PreparedMedia` with the
 * one content part the request carries.
 */

/** Where the media comes from. `name`/`contentType` are hints for messages only; the bytes decide the format. */
export type MediaSource =
  | { kind: 'file'; path: string }
  /** `headers` carries platform auth (Slack's bearer token); such downloads are never passed to the model by URL. */
  | { kind: 'url'; url: string; headers?: Record<string, string> }
  | { kind: 'bytes'; data: Buffer; name?: string; contentType?: string };

/** Formats we recognise from their bytes. */
export type MediaFormat =
  | 'wav' | 'mp3' | 'aac' | 'amr' | '3gp' | 'm4a' | 'flac' | 'ogg-opus' | 'ogg-vorbis' | 'webm' | 'mkv'
  | 'mp4' | 'mov' | 'avi'
  // converted by ffmpeg: RF64/BW64, AIFF, Apple CAF, ASF (WMA/WMV), MPEG transport and program streams, FLV, MPEG
  // audio layers I/II, AC-3, WavPack, Creative Voice, and any other Ogg (Speex, Theora video...)
  | 'rf64' | 'aiff' | 'caf' | 'asf' | 'mpegts' | 'mpeg' | 'flv' | 'mp2' | 'ac3' | 'wavpack' | 'voc' | 'ogg';

export interface MediaInfo {
  kind: 'audio' | 'video';
  format: MediaFormat;
  mime: string;
  bytes: number;
  /**
   * Seconds, measured from the audio itself: the Opus packets' TOC bytes, or the samples ffmpeg decoded. Only
   * without ffmpeg is it the container's word (music-metadata; AMR frames counted), or undefined.
   */
  durationSecs: number | undefined;
  /** Frame size (and frame rate and the track's own length, when known) of the first video track, when known. */
  video?: { width: number; height: number; fps?: number; seconds?: number };
}

/** The single content part of the model request (PLATFORM-FACTS: exactly one part, audio or video). */
export type ModelInputPart =
  | { type: 'input_audio'; input_audio: { data: string; format: string } }
  | { type: 'video_url'; video_url: { url: string } };

export interface PreparedMedia {
  /** What the user sent. */
  source: MediaInfo;
  /** sha256 (hex) of the bytes the user sent: the same media under any name or URL. */
  contentHash: string;
  /** What the model receives: the same format, or the one it was transcoded into. */
  sent: { kind: 'audio' | 'video'; format: string; bytes: number; via: 'url' | 'data-uri'; transcodedBy?: 'opus-decoder' | 'ffmpeg' };
  /** Input tokens the model will bill, estimated from duration (12.5/s of audio; frames × tiles for video). */
  estimatedInputTokens: number | undefined;
  /** Things the user should know (e.g. a video that went as audio only). */
  notices: string[];
  /** The one content part of a recording translated in one request; absent for a long recording (see `pcm`). */
  part?: ModelInputPart | undefined;
  /**
   * A recording longer than `IntakeOptions.segmentAboveSecs`: its sound as mono 16 kHz PCM, decoded once, to be cut
   * into segments at pauses (`runSegmented`). A long video's segments also carry their pictures (`video`).
   */
  pcm?: { samples: Int16Array; sampleRate: number } | undefined;
  /**
   * A long video (with `pcm`, unless its sound only was asked for): each segment is cut from the video at the same
   * times as its sound and re-encoded small (`video-segments.ts`). Holds the spooled file until `release()`, which
   * `translateMedia` calls when it ends (a caller that does not translate must call it).
   */
  video?: VideoSegments | undefined;
}

/** The video segments of a long video (see `PreparedMedia.video`). */
export interface VideoSegments {
  /** The frame size and rate every segment is re-encoded to (what the model bills frames by). */
  encoded: { width: number; height: number; fps: number };
  /** [startSec, endSec) of the video, re-encoded, as the content part of one request. */
  cut(startSec: number, endSec: number, signal?: AbortSignal): Promise<{ part: ModelInputPart; bytes: number; estimatedInputTokens: number }>;
  /** Deletes the spooled video (idempotent); no `cut` after it. */
  release(): Promise<void>;
}

export interface IntakeOptions {
  /** Largest download/file accepted, enforced while reading. */
  maxBytes: number;
  /** ffmpeg binary, when one is available (see `findFfmpeg`). */
  ffmpegPath?: string | undefined;
  fetch?: typeof fetch;
  signal?: AbortSignal;
  /** Pass public https URLs that need no transcoding to the model as URLs instead of inlining them (default true). */
  passUrls?: boolean;
  /** Longest audio accepted, in seconds (default `MAX_AUDIO_SECONDS`, the model's input cap). */
  maxSeconds?: number;
  /**
   * Recordings longer than this many seconds are decoded to PCM for segmenting (`PreparedMedia.pcm`) instead of being
   * sent whole; undefined = never (every recording is one request, within the model's input cap).
   */
  segmentAboveSecs?: number | undefined;
  /** A video is sent as its sound only (asked for: cheaper, frames cost far more than sound). */
  audioOnly?: boolean | undefined;
  /**
   * How each segment of a long video is re-encoded before it is sent (default `DEFAULT_VIDEO_ENCODING`: at most 360
   * pixels high, 1 frame a second). A short video is sent as today (as it is, or its sound when large).
   */
  videoEncoding?: { height: number; fps: number } | undefined;
  /** Wall-clock limit of each ffmpeg run (default 120 s). */
  ffmpegTimeoutMs?: number;
  /**
   * Inputs larger than this many bytes are "large" (default `SPILL_ABOVE_BYTES` in read-source.ts, 8 MB): read into
   * a temporary file instead of memory, read there by ffmpeg, and never sent as they are (see intake.ts).
   */
  spillAboveBytes?: number;
  /** Deadline and minimum rate of a download (read-source.ts `DownloadLimits`; defaults 300 s, 4 KiB/s). */
  download?: { deadlineMs?: number; minBytesPerSecond?: number; rateWindowMs?: number };
}
