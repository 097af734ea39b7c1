import { TranslateError } from './errors.js';
import { getLanguage, type LanguageCode } from './languages.js';

/**
 * The model's voices and the languages each can speak (English guide; Ethan is listed only in the newer Chinese guide).
 * A target that cannot be spoken (see `Language.speaks`) has no voice at all.
 */
export interface Voice {
  name: string;
  description: string;
  speaks: readonly LanguageCode[];
}

const MULTI: readonly LanguageCode[] = ['zh', 'en', 'fr', 'de', 'ru', 'it', 'es', 'pt', 'ja', 'ko'];

export const VOICES: readonly Voice[] = [
  { name: 'Cherry', description: 'cheerful young woman', speaks: MULTI },
  { name: 'Ethan', description: 'warm young man, standard Mandarin', speaks: MULTI },
  { name: 'Nofish', description: 'designer with a soft accent', speaks: MULTI },
  { name: 'Jada', description: 'Shanghai woman', speaks: ['zh'] },
  { name: 'Dylan', description: 'Beijing young man', speaks: ['zh'] },
  { name: 'Sunny', description: 'Sichuan girl', speaks: ['zh'] },
  { name: 'Peter', description: 'Tianjin crosstalk performer', speaks: ['zh'] },
  { name: 'Eric', description: 'Chengdu man', speaks: ['zh'] },
  { name: 'Kiki', description: 'Hong Kong friend', speaks: ['yue'] },
];

export function findVoice(name: string): Voice | undefined {
  const key = name.trim().toLowerCase().replace(/^(shanghai|beijing|sichuan|tianjin|cantonese)-/, '');
  return VOICES.find((v) => v.name.toLowerCase() === key);
}

/** The voice used when none is asked for: Kiki for Cantonese, Cherry for the others that can be spoken. */
export function defaultVoice(target: LanguageCode): Voice | undefined {
  if (!getLanguage(target).speaks) return undefined;
  return VOICES.find((v) => v.speaks.includes(target));
}

export interface VoiceChoice {
  /** The voice to send, or undefined for a text-only target. */
  voice: Voice | undefined;
  /** Set when the requested voice could not speak the target and `voice` is the default instead. */
  replaced?: { requested: Voice; notice: string };
}

/**
 * Picks the voice for a target. An unknown name is an error (UNKNOWN_VOICE); a known voice that cannot speak the
 * target is replaced by the default and the choice says so (chat surfaces show the notice; the CLI refuses instead).
 * A voice that cannot speak the target is never sent to the model.
 */
export function chooseVoice(target: LanguageCode, requested?: string): VoiceChoice {
  const fallback = defaultVoice(target);
  if (!requested) return { voice: fallback };
  const voice = findVoice(requested);
  if (!voice) throw new TranslateError('UNKNOWN_VOICE', `Voices: ${VOICES.map((v) => v.name).join(', ')}.`);
  if (!fallback) return { voice: undefined };
  if (voice.speaks.includes(target)) return { voice };
  const lang = getLanguage(target).name;
  return {
    voice: fallback,
    replaced: { requested: voice, notice: `${voice.name} cannot speak ${lang}, so ${fallback.name} speaks instead.` },
  };
}
