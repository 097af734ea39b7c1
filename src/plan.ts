import { TranslateError } from './errors.js';
import { findLanguage, LANGUAGE_CODES, type Language } from './languages.js';
import { chooseVoice, type Voice } from './voices.js';

/** What a user asked for, as typed (codes, names or locales; voice names in any case). */
export interface TranslationAsk {
  to: string;
  from?: string | undefined;
  voice?: string | undefined;
  /** true: text only; false: speech required (the CLI with --out); undefined: speech when the target can be spoken. */
  textOnly?: boolean | undefined;
  /** true: a video is translated from its sound only (its pictures are not sent: cheaper); no effect on audio. */
  audioOnly?: boolean | undefined;
}

/** A validated request: what the model will be asked, and what the user should be told about substitutions. */
export interface TranslationPlan {
  target: Language;
  source: Language | undefined;
  /** Undefined = text only (asked for, or the target cannot be spoken). */
  voice: Voice | undefined;
  /** A video goes as its sound only (`TranslationAsk.audioOnly`). */
  audioOnly?: boolean | undefined;
  notices: string[];
}

export function resolveLanguage(input: string, role: 'target' | 'source'): Language {
  const lang = findLanguage(input);
  if (!lang) {
    throw new TranslateError('UNKNOWN_LANGUAGE', `("${input}" as ${role}; use one of ${LANGUAGE_CODES.join(', ')}.)`);
  }
  return lang;
}

/**
 * Validates an ask before anything is downloaded or sent. `strict` (the CLI) turns a voice that cannot speak the
 * target into an error; chat surfaces pass `strict: false` and show the substitution notice instead.
 */
export function planTranslation(ask: TranslationAsk, options: { strict: boolean }): TranslationPlan {
  const target = resolveLanguage(ask.to, 'target');
  const source = ask.from ? resolveLanguage(ask.from, 'source') : undefined;
  if (source?.code === target.code) throw new TranslateError('SAME_LANGUAGE', `(${target.name})`);
  const notices: string[] = [];
  if (!target.speaks) {
    if (ask.textOnly === false) throw new TranslateError('TEXT_ONLY_TARGET', `(${target.name})`);
    if (ask.voice && options.strict) throw new TranslateError('TEXT_ONLY_TARGET', `(${target.name}: no voice applies)`);
    if (ask.textOnly === undefined) notices.push(`${target.name} can be written but not spoken: text only.`);
    return { target, source, voice: undefined, ...soundOnly(ask), notices };
  }
  const choice = chooseVoice(target.code, ask.voice);
  if (choice.replaced) {
    if (options.strict) {
      throw new TranslateError('VOICE_CANNOT_SPEAK', `(${choice.replaced.requested.name} cannot speak ${target.name}; try ${choice.voice?.name}.)`);
    }
    notices.push(choice.replaced.notice);
  }
  return { target, source, voice: ask.textOnly ? undefined : choice.voice, ...soundOnly(ask), notices };
}

/** `audioOnly` only when asked, so plans without it compare and serialize as before. */
const soundOnly = (ask: TranslationAsk) => (ask.audioOnly ? { audioOnly: true } : {});
