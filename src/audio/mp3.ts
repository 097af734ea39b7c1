import { runFfmpeg } from '../media/ffmpeg.js';
import type { VoiceNote } from './voice-encoder.js';

/**
 * A voice note as MP3, for platforms whose inline player is confirmed for MP3 but not Ogg Opus (Slack).
 * Undefined when no ffmpeg is available: the caller then shares the Ogg file as it is.
 */
export async function voiceNoteToMp3(note: VoiceNote, ffmpegPath: string | undefined, signal?: AbortSignal): Promise<Buffer | undefined> {
  if (!ffmpegPath) return undefined;
  // our own Ogg Opus; 64 kbit/s CBR MP3 is 8,000 bytes a second, so its size is bounded by the note's length
  const bounds = { maxSeconds: Math.ceil(note.durationSecs) + 1, maxOutputBytes: (Math.ceil(note.durationSecs) + 2) * 8000 };
  return runFfmpeg(ffmpegPath, note.ogg, 'ogg-opus', ['-c:a', 'libmp3lame', '-b:a', '64k', '-ar', '24000', '-ac', '1', '-f', 'mp3'], bounds, { signal });
}
