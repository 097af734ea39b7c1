import type { LanguageCode } from '../languages.js';
import type { ModelInputPart } from '../media/types.js';

/**
 * One translation request, already validated: a known target (and source, or auto-detect), and a voice only when the
 * target can be spoken and speech is wanted (see `chooseVoice`). Undefined `voice` means text only.
 */
export interface TranslationRequest {
  part: ModelInputPart;
  target: LanguageCode;
  source?: LanguageCode | undefined;
  voice?: string | undefined;
  /** Input tokens the caller expects (e.g. `PreparedMedia.estimatedInputTokens`), for the account limiter's estimate. */
  estimatedInputTokens?: number | undefined;
  /**
   * Called once the input will not be sent again (the answer has started, so nothing is retried; or the call ended):
   * a caller that keeps `part` only for this call drops it here, so that a long answer does not keep its input.
   */
  releaseInput?: (() => void) | undefined;
}

/** Token counts from the model's final usage chunk. */
export interface Usage {
  inputTokens: number;
  outputTokens: number;
  totalTokens: number;
  inputAudioTokens: number;
  inputVideoTokens: number;
  inputTextTokens: number;
  outputAudioTokens: number;
  outputTextTokens: number;
}

/**
 * What `Translator.translate` yields, in stream order:
 * - `text`: the next piece of translated text, as the model wrote it;
 * - `audio`: the next whole 16-bit mono samples at `AUDIO_SAMPLE_RATE` (fragments already reassembled);
 * - `finish`: once, as soon as the model says it has finished (`finish_reason` "stop" or "length"): all text and
 *   speech has been yielded, so a consumer can finish the voice note now instead of waiting for the stream to close
 *   (the usage chunk and the end of the stream may still be on their way);
 * - `usage`: once, near the end, when the service reports it;
 * - `end`: last, exactly once on success. `finishReason: 'length'` means the model's 4,096-token output cap cut the
 *   translation short: `truncated` is then true and must be shown to the user.
 * Failures are thrown as `TranslateError` (never yielded); a cancelled signal throws CANCELLED.
 */
export type TranslationEvent =
  | { type: 'text'; delta: string }
  | { type: 'audio'; pcm: Int16Array }
  | { type: 'finish'; finishReason: 'stop' | 'length' }
  | { type: 'usage'; usage: Usage }
  | { type: 'end'; finishReason: 'stop' | 'length'; truncated: boolean };

/** The model's speech: raw signed 16-bit little-endian mono PCM at 24 kHz. */
export const AUDIO_SAMPLE_RATE = 24_000;

export interface TranslatorLike {
  translate(request: TranslationRequest, signal?: AbortSignal): AsyncIterable<TranslationEvent>;
}
