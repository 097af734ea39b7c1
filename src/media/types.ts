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
   * into segments at pauses (`runSegmented`). A long video is translated from its sound only (and says so).
   */
  pcm?: { samples: Int16Array; sampleRate: number } | undefined;
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
