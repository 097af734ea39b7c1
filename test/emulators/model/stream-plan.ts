// Plans the chunks of a successful answer: text deltas, audio fragments, finish and usage,
// within the output-token cap (max_tokens or 4,096; a `length` fault halves the budget).

import { randomUUID } from 'node:crypto';
import { fragmentBytes, fragmentPcm, seededRandom, tonePcm } from './pcm-fragments.js';
import type { ValidatedRequest } from './request-validation.js';
import {
  audioTokens,
  MAX_AUDIO_SECONDS,
  PCM_BYTES_PER_SECOND,
  textTokens,
  videoTokens,
} from './service-rules.js';
import type { ResponseOptions } from './types.js';

export interface InputFacts {
  kind: 'audio' | 'video';
  durationSecs: number;
  /** The bytes and sniffed format (for `ResponseOptions.text` as a function). */
  bytes?: Buffer;
  format?: string;
  width?: number;
  height?: number;
}

export interface Usage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { audio_tokens: number; text_tokens: number; video_tokens?: number };
  completion_tokens_details: { audio_tokens: number; text_tokens: number };
}

export interface StreamPlan {
  /** The JSON objects to send as `data:` lines, in order (without [DONE]). */
  chunks: object[];
  finishReason: 'stop' | 'length';
  usage: Usage;
}

/** Prompt tokens of an input (audio track plus, for video, the frames). */
export function promptUsage(input: InputFacts): Usage['prompt_tokens_details'] & { total: number } {
  const audio = audioTokens(input.durationSecs);
  if (input.kind === 'audio') return { audio_tokens: audio, text_tokens: 0, total: audio };
  const video = videoTokens(input.durationSecs, input.width, input.height);
  return { audio_tokens: audio, text_tokens: 0, video_tokens: video, total: audio + video };
}

/** The default translation: names the target, one extra sentence per 3 s of input. */
export function defaultText(targetLang: string, durationSecs: number): string {
  const n = Math.max(1, Math.ceil(durationSecs / 3));
  let text = `[${targetLang}] This is the emulated translation of ${durationSecs.toFixed(1)} s of audio.`;
  for (let i = 2; i <= n; i++) text += ` Emulated sentence ${i} of ${n}.`;
  return text;
}

/** Splits text into small deltas: three words each, long runs (e.g. CJK) cut at 24 characters. */
export function splitText(text: string): string[] {
  const words = text.match(/\S+\s*|\s+/gu) ?? [];
  const deltas: string[] = [];
  for (let i = 0; i < words.length; i += 3) {
    const chars = Array.from(words.slice(i, i + 3).join(''));
    for (let j = 0; j < chars.length; j += 24) deltas.push(chars.slice(j, j + 24).join(''));
  }
  return deltas;
}

type Delta = { content: string } | { audio: { data: string; id: string; expires_at: number } };

export function planStream(
  req: ValidatedRequest,
  input: InputFacts,
  opts: ResponseOptions,
  halveBudget: boolean,
): StreamPlan {
  const id = `chatcmpl-${randomUUID()}`;
  const created = Math.floor(Date.now() / 1000);
  const chunk = (delta: object, finish: string | null = null): object => ({
    id,
    object: 'chat.completion.chunk',
    created,
    model: req.model,
    system_fingerprint: null,
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });

  const answer = typeof opts.text === 'function'
    ? opts.text({ bytes: input.bytes ?? Buffer.alloc(0), format: input.format ?? 'unknown', durationSecs: input.durationSecs, target: req.targetLang })
    : opts.text;
  const texts = splitText(answer ?? defaultText(req.targetLang, input.durationSecs));
  let fragments: string[] = [];
  if (req.voice) {
    const secs = opts.audioSeconds ?? Math.min(MAX_AUDIO_SECONDS, Math.max(1, input.durationSecs));
    const pcm = tonePcm(secs, opts.toneHz, opts.toneAmplitude);
    fragments = fragmentPcm(pcm, opts.fragmentMode, opts.fragmentBytes, seededRandom(opts.seed));
  }

  // Order the deltas: interleaved spreads the fragments evenly after the text deltas.
  const audioId = `audio_${randomUUID()}`;
  const audioDelta = (data: string): Delta => ({ audio: { data, id: audioId, expires_at: created } });
  const ordered: Delta[] = [];
  let f = 0;
  texts.forEach((content, i) => {
    ordered.push({ content });
    if (opts.audioOrder === 'interleaved') {
      const upTo = Math.floor(((i + 1) * fragments.length) / texts.length);
      for (; f < upTo; f++) ordered.push(audioDelta(fragments[f] as string));
    }
  });
  for (; f < fragments.length; f++) ordered.push(audioDelta(fragments[f] as string));

  // Keep deltas while the output tokens fit the budget.
  const cost = (text: string, bytes: number): number =>
    textTokens(text) + (bytes > 0 ? audioTokens(bytes / PCM_BYTES_PER_SECOND) : 0);
  const allText = texts.join('');
  const allBytes = fragments.reduce((n, s) => n + fragmentBytes(s), 0);
  const budget = halveBudget ? Math.max(1, Math.floor(cost(allText, allBytes) / 2)) : req.maxTokens;
  let text = '';
  let bytes = 0;
  let finishReason: 'stop' | 'length' = 'stop';
  const chunks: object[] = [chunk({ role: 'assistant', content: '' })];
  for (const d of ordered) {
    const nextText = 'content' in d ? text + d.content : text;
    const nextBytes = 'audio' in d ? bytes + fragmentBytes(d.audio.data) : bytes;
    if (cost(nextText, nextBytes) > budget) {
      finishReason = 'length';
      break;
    }
    text = nextText;
    bytes = nextBytes;
    chunks.push(chunk(d));
  }
  chunks.push(chunk({}, finishReason));

  const prompt = promptUsage(input);
  const { total: promptTotal, ...promptDetails } = prompt;
  const completion = {
    audio_tokens: bytes > 0 ? audioTokens(bytes / PCM_BYTES_PER_SECOND) : 0,
    text_tokens: textTokens(text),
  };
  const completionTotal = completion.audio_tokens + completion.text_tokens;
  const usage: Usage = {
    prompt_tokens: promptTotal,
    completion_tokens: completionTotal,
    total_tokens: promptTotal + completionTotal,
    prompt_tokens_details: promptDetails,
    completion_tokens_details: completion,
  };
  if (req.includeUsage) chunks.push({ id, object: 'chat.completion.chunk', created, model: req.model, choices: [], usage });
  return { chunks, finishReason, usage };
}
