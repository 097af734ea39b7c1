import type {
  ChatCompletionChunk,
  ChatCompletionCreateParamsStreaming,
} from 'openai/resources/chat/completions';
import type { ModelInputPart } from '../media/types.js';

/**
 * The model's wire format where it goes beyond the openai SDK's types — extended here once, used nowhere else.
 * PLATFORM-FACTS: `translation_options` is a top-level body field; the content part may be `video_url`; audio comes
 * as `delta.audio`; usage details carry `text_tokens` / `video_tokens`.
 */
export type LiveTranslateParams = Omit<ChatCompletionCreateParamsStreaming, 'messages' | 'audio'> & {
  messages: [{ role: 'user'; content: [ModelInputPart] }];
  /** Only `wav` is accepted, and the stream then carries raw PCM, not WAV. */
  audio?: { voice: string; format: 'wav' };
  translation_options: { source_lang?: string; target_lang: string };
};

export interface LiveTranslateDelta {
  content?: string | null;
  audio?: { data?: string; id?: string; expires_at?: number; transcript?: string };
}

export interface LiveTranslateUsage {
  prompt_tokens?: number;
  completion_tokens?: number;
  total_tokens?: number;
  prompt_tokens_details?: { audio_tokens?: number; video_tokens?: number; text_tokens?: number };
  completion_tokens_details?: { audio_tokens?: number; text_tokens?: number };
}

export type LiveTranslateChunk = Omit<ChatCompletionChunk, 'usage'> & { usage?: LiveTranslateUsage | null };
