// Checks a chat/completions body against the documented rules of qwen3-livetranslate-flash.
// Each refusal throws a ServiceError (400 InvalidParameter unless said otherwise).

import { invalid, ServiceError } from './error-bodies.js';
import { LANGUAGES, MAX_OUTPUT_TOKENS, MODELS, VOICES } from './service-rules.js';

export interface MediaRef {
  kind: 'audio' | 'video';
  /** Data URI or http(s) URL. */
  ref: string;
  declaredFormat?: string;
}

export interface ValidatedRequest {
  model: string;
  targetLang: string;
  sourceLang?: string;
  /** Set when `modalities` asks for audio. */
  voice?: string;
  media: MediaRef;
  /** Output-token cap: `max_tokens` if given, else the model's 4,096. */
  maxTokens: number;
  includeUsage: boolean;
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Accepts a language code (as the guide's examples send) or its English name (as the API reference says). */
function languageCode(value: unknown, param: string): string {
  if (typeof value === 'string') {
    const v = value.trim().toLowerCase();
    if (LANGUAGES[v]) return v;
    const byName = Object.entries(LANGUAGES).find(([, l]) => l.name.toLowerCase() === v);
    if (byName) return byName[0];
  }
  const codes = Object.keys(LANGUAGES).join(', ');
  throw invalid(`${param} ${JSON.stringify(value)} is not a supported language. Supported: ${codes}.`, param);
}

export function validateRequest(body: unknown): ValidatedRequest {
  if (!isObj(body)) throw invalid('Request body must be a JSON object.');

  const model = body['model'];
  if (typeof model !== 'string' || model === '') throw invalid('Missing required parameter: model.', 'model');
  if (!(MODELS as readonly string[]).includes(model)) {
    throw new ServiceError(404, 'model_not_found', `The model \`${model}\` does not exist or you do not have access to it.`);
  }

  const media = validateMessages(body['messages']);

  if (body['stream'] !== true) {
    throw invalid('This model only supports streaming output: stream must be set to true.', 'stream');
  }
  const streamOptions = body['stream_options'];
  if (streamOptions !== undefined && streamOptions !== null && !isObj(streamOptions)) {
    throw invalid('stream_options must be an object.', 'stream_options');
  }
  const includeUsage = isObj(streamOptions) && streamOptions['include_usage'] === true;

  const options = body['translation_options'];
  if (!isObj(options)) {
    throw invalid('translation_options is required and must be an object with target_lang.', 'translation_options');
  }
  const targetLang = languageCode(options['target_lang'], 'translation_options.target_lang');
  const sourceLang =
    options['source_lang'] === undefined || options['source_lang'] === null
      ? undefined
      : languageCode(options['source_lang'], 'translation_options.source_lang');

  const voice = validateOutputAudio(body, targetLang);

  let maxTokens = MAX_OUTPUT_TOKENS;
  const mt = body['max_tokens'];
  if (mt !== undefined && mt !== null) {
    if (typeof mt !== 'number' || !Number.isInteger(mt) || mt < 1 || mt > MAX_OUTPUT_TOKENS) {
      throw invalid(`Range of max_tokens should be [1, ${MAX_OUTPUT_TOKENS}].`, 'max_tokens');
    }
    maxTokens = mt;
  }
  // seed, temperature, top_p, top_k, presence_penalty, repetition_penalty...: accepted and ignored.
  return { model, targetLang, sourceLang, voice, media, maxTokens, includeUsage };
}

function validateMessages(messages: unknown): MediaRef {
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalid('messages must be an array holding exactly one user message.', 'messages');
  }
  const roles = messages.map((m) => (isObj(m) ? m['role'] : undefined));
  if (roles.includes('system')) throw invalid('The system role is not supported by this model.', 'messages');
  if (messages.length !== 1) {
    throw invalid(`Only a single user message is supported (single turn); got ${messages.length} messages.`, 'messages');
  }
  const msg = messages[0] as unknown;
  if (!isObj(msg) || msg['role'] !== 'user') {
    throw invalid(`The message role must be user, got ${JSON.stringify(roles[0])}.`, 'messages[0].role');
  }
  const content = msg['content'];
  if (!Array.isArray(content) || content.length !== 1 || !isObj(content[0])) {
    throw invalid('The message content must be an array with exactly one input_audio or video_url part.', 'messages[0].content');
  }
  const part = content[0];
  if (part['type'] === 'input_audio') {
    const ia = part['input_audio'];
    if (!isObj(ia) || typeof ia['data'] !== 'string' || ia['data'] === '') {
      throw invalid('input_audio.data is required (an http(s) URL or a base64 data URI).', 'input_audio.data');
    }
    if (typeof ia['format'] !== 'string' || ia['format'] === '') {
      throw invalid('input_audio.format is required (e.g. "wav", "mp3").', 'input_audio.format');
    }
    return { kind: 'audio', ref: ia['data'], declaredFormat: ia['format'] };
  }
  if (part['type'] === 'video_url') {
    const vu = part['video_url'];
    if (!isObj(vu) || typeof vu['url'] !== 'string' || vu['url'] === '') {
      throw invalid('video_url.url is required (an http(s) URL or a data URI).', 'video_url.url');
    }
    return { kind: 'video', ref: vu['url'] };
  }
  throw invalid(
    `Unsupported content type ${JSON.stringify(part['type'])}: use input_audio or video_url.`,
    'messages[0].content[0].type',
  );
}

/** Returns the voice when audio output is asked for, undefined for text only. */
function validateOutputAudio(body: Obj, targetLang: string): string | undefined {
  const modalities = body['modalities'] ?? ['text'];
  const asText = JSON.stringify(modalities);
  if (asText === '["text"]') return undefined;
  if (asText !== '["text","audio"]') {
    throw invalid(`modalities must be ["text"] or ["text","audio"], got ${asText}.`, 'modalities');
  }
  const audio = body['audio'];
  if (!isObj(audio)) throw invalid('audio ({voice, format:"wav"}) is required when modalities includes audio.', 'audio');
  if (audio['format'] !== 'wav') {
    throw invalid(`audio.format only supports "wav", got ${JSON.stringify(audio['format'])}.`, 'audio.format');
  }
  const voice = audio['voice'];
  const speaks = typeof voice === 'string' ? VOICES[voice] : undefined;
  if (!speaks) {
    throw invalid(`audio.voice ${JSON.stringify(voice)} is not supported. Voices: ${Object.keys(VOICES).join(', ')}.`, 'audio.voice');
  }
  if (!LANGUAGES[targetLang]?.audio) {
    throw invalid(`Target language ${targetLang} supports text output only: use modalities ["text"].`, 'modalities');
  }
  if (!speaks.includes(targetLang)) {
    throw invalid(`Voice ${String(voice)} cannot speak ${targetLang}; it speaks: ${speaks.join(', ')}.`, 'audio.voice');
  }
  return voice as string;
}
