// The documented rules of qwen3-livetranslate-flash, copied here on purpose (independent of src/),
// from shared/seeds/livetranslate-guide.en.txt and PLATFORM-FACTS.md.

export const MODELS = ['qwen3-livetranslate-flash', 'qwen3-livetranslate-flash-2025-12-01'] as const;

/** The 18 language codes: English name and whether the model can speak it. */
export const LANGUAGES: Readonly<Record<string, { name: string; audio: boolean }>> = {
  en: { name: 'English', audio: true },
  zh: { name: 'Chinese', audio: true },
  ru: { name: 'Russian', audio: true },
  fr: { name: 'French', audio: true },
  de: { name: 'German', audio: true },
  pt: { name: 'Portuguese', audio: true },
  es: { name: 'Spanish', audio: true },
  it: { name: 'Italian', audio: true },
  id: { name: 'Indonesian', audio: false },
  ko: { name: 'Korean', audio: true },
  ja: { name: 'Japanese', audio: true },
  vi: { name: 'Vietnamese', audio: false },
  th: { name: 'Thai', audio: false },
  ar: { name: 'Arabic', audio: false },
  yue: { name: 'Cantonese', audio: true },
  hi: { name: 'Hindi', audio: false },
  el: { name: 'Greek', audio: false },
  tr: { name: 'Turkish', audio: false },
};

const MULTILINGUAL = ['zh', 'en', 'fr', 'de', 'ru', 'it', 'es', 'pt', 'ja', 'ko'];

/** Voices (`audio.voice`) and the target languages each one speaks. Ethan is only in the newer Chinese guide. */
export const VOICES: Readonly<Record<string, readonly string[]>> = {
  Cherry: MULTILINGUAL,
  Nofish: MULTILINGUAL,
  Ethan: MULTILINGUAL,
  Jada: ['zh'],
  Dylan: ['zh'],
  Sunny: ['zh'],
  Peter: ['zh'],
  Eric: ['zh'],
  Kiki: ['yue'],
};

export const MAX_INPUT_TOKENS = 49_152;
export const MAX_OUTPUT_TOKENS = 4_096;
/** Audio in or out costs 12.5 tokens per second; under 1 s counts as 1 s. */
export const AUDIO_TOKENS_PER_SECOND = 12.5;
/** Output PCM: signed 16-bit little-endian mono at 24 kHz. */
export const PCM_SAMPLE_RATE = 24_000;
export const PCM_BYTES_PER_SECOND = PCM_SAMPLE_RATE * 2;
/** Longest output audio the emulator generates by default (the cap holds about 5 min of speech). */
export const MAX_AUDIO_SECONDS = 300;

/** Tokens billed for `seconds` of audio (seconds rounded up, at least 1). */
export function audioTokens(seconds: number): number {
  return Math.ceil(Math.max(1, Math.ceil(seconds)) * AUDIO_TOKENS_PER_SECOND);
}

/** A rough, deterministic text-token count (about 4 characters per token, CJK 1 per character). */
export function textTokens(text: string): number {
  let cjk = 0;
  for (const ch of text) if (/[\u3000-\u9fff\uac00-\ud7af]/u.test(ch)) cjk += 1;
  return cjk + Math.ceil((text.length - cjk) / 4);
}

/**
 * Video tokens per the guide: frames sampled at 2 fps clamped to [4, 128], size rounded to multiples of 32
 * and scaled into the pixel budget; ceil(frames / 2) * (h / 32) * (w / 32) + 2.
 */
export function videoTokens(durationSecs: number, width = 640, height = 360): number {
  const fps = 2;
  const nframes = Math.max(4, Math.min(128, 2 * Math.floor((durationSecs * fps) / 2)));
  const minPixels = 128 * 32 * 32;
  const maxPixels = Math.max(Math.min(768 * 32 * 32, ((16384 * 32 * 32) / nframes) * 2), Math.floor(minPixels * 1.05));
  let h = Math.max(32, Math.round(height / 32) * 32);
  let w = Math.max(32, Math.round(width / 32) * 32);
  if (h * w > maxPixels) {
    const beta = Math.sqrt((height * width) / maxPixels);
    h = Math.floor(height / beta / 32) * 32;
    w = Math.floor(width / beta / 32) * 32;
  } else if (h * w < minPixels) {
    const beta = Math.sqrt(minPixels / (height * width));
    h = Math.ceil((height * beta) / 32) * 32;
    w = Math.ceil((width * beta) / 32) * 32;
  }
  return Math.ceil(nframes / fps) * (h / 32) * (w / 32) + 2;
}
