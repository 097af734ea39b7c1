import { AUDIO_TOKENS_PER_SECOND, MAX_INPUT_TOKENS, MAX_OUTPUT_TOKENS } from '../media/tokens.js';
import type { TranslationRequest } from './types.js';

/**
 * Tokens one request is expected to cost (input + output), for the account limiter before the usage is known.
 *
 * - Input audio sent as a WAV data URI: its seconds are the data's size over the byte rate in its `fmt ` chunk (what
 *   long recordings send, one WAV per segment), at 12.5 tokens a second.
 * - Any other audio data URI (Opus, MP3, AAC...): its size at an assumed 16 kbit/s (2,000 bytes a second), the low end
 *   of speech codecs, so the guess errs high; the real count replaces it when the usage arrives.
 * - Video, and media passed by URL (size unknown): the model's input cap, 49,152 tokens, unless the caller gave
 *   `estimatedInputTokens`.
 * - Output: speech (12.5 tokens a second) as long as the input plus its text (about 4 tokens a second of speech), or
 *   the text alone; never more than the model's 4,096-token output cap, and the whole cap when the input's length is
 *   unknown.
 */
export function estimateRequestTokens(request: TranslationRequest): number {
  const seconds = inputAudioSeconds(request);
  const input = request.estimatedInputTokens
    ?? (seconds === undefined ? MAX_INPUT_TOKENS : Math.min(MAX_INPUT_TOKENS, Math.ceil(Math.max(1, seconds) * AUDIO_TOKENS_PER_SECOND)));
  const perSecondOut = (request.voice ? AUDIO_TOKENS_PER_SECOND : 0) + TEXT_TOKENS_PER_SECOND;
  const output = seconds === undefined ? MAX_OUTPUT_TOKENS : Math.min(MAX_OUTPUT_TOKENS, Math.ceil(Math.max(1, seconds) * perSecondOut));
  return input + output;
}

const TEXT_TOKENS_PER_SECOND = 4;
const COMPRESSED_BYTES_PER_SECOND = 2_000;

/** Seconds of input audio, or undefined when they cannot be told from the request (video, URL). */
export function inputAudioSeconds(request: TranslationRequest): number | undefined {
  if (request.part.type !== 'input_audio') return undefined;
  const uri = request.part.input_audio.data;
  const comma = uri.indexOf(',');
  if (!uri.startsWith('data:') || comma < 0 || !uri.slice(0, comma).endsWith(';base64')) return undefined;
  const base64Chars = uri.length - comma - 1;
  const padding = uri.endsWith('==') ? 2 : uri.endsWith('=') ? 1 : 0;
  const bytes = Math.floor((base64Chars * 3) / 4) - padding;
  // The header's chunks are near the start: 4,096 base64 characters decode to its first 3,072 bytes.
  const wav = wavLayout(Buffer.from(uri.slice(comma + 1, comma + 1 + 4096), 'base64'));
  if (wav) return Math.max(0, bytes - wav.dataOffset) / wav.byteRate;
  return bytes / COMPRESSED_BYTES_PER_SECOND;
}

/** Byte rate and where the samples start, from the first bytes of a RIFF/WAVE file; undefined if it is not one. */
function wavLayout(head: Buffer): { byteRate: number; dataOffset: number } | undefined {
  if (head.length < 12 || head.toString('latin1', 0, 4) !== 'RIFF' || head.toString('latin1', 8, 12) !== 'WAVE') return undefined;
  let byteRate: number | undefined;
  for (let at = 12; at + 8 <= head.length;) {
    const id = head.toString('latin1', at, at + 4);
    const size = head.readUInt32LE(at + 4);
    if (id === 'fmt ' && at + 20 <= head.length) byteRate = head.readUInt32LE(at + 16);
    if (id === 'data') return byteRate ? { byteRate, dataOffset: at + 8 } : undefined;
    at += 8 + size + (size % 2);
  }
  return undefined;
}
