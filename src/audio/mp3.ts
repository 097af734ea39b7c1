import { runFfmpeg } from '../media/ffmpeg.js';
import type { VoiceNote } from './voice-encoder.js';

/**
 * A voice note as MP3, for platforms whose inline player is confirmed for MP3 but not Ogg Opus (Slack).
 * Undefined when no ffmpeg is available: the caller then shares the Ogg file as it is.
 */
export async function voiceNoteToMp3(note: VoiceNote, ffmpegPath: string | undefined, signal?: AbortSignal): Promise<Buffer | undefined> {
  if (!ffmpegPath) return undefined;
  return runFfmpeg(ffmpegPath, note.ogg, ['-c:a', 'libmp3lame', '-b:a', '64k', '-ar', '24000', '-ac', '1', '-f', 'mp3'], signal);
}
