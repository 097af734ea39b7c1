import { describe, expect, it } from 'vitest';
import { findLanguage, flagEmoji, LANGUAGE_CODES, LANGUAGES, languageFromFlag, languageFromLocale } from './languages.js';

describe('language catalogue', () => {
  it('has the 18 model languages, 11 of them speakable', () => {
    expect(LANGUAGES.map((l) => l.code).sort()).toEqual([...LANGUAGE_CODES].sort());
    expect(LANGUAGES).toHaveLength(18);
    expect(LANGUAGES.filter((l) => l.speaks).map((l) => l.code).sort()).toEqual(
      ['de', 'en', 'es', 'fr', 'it', 'ja', 'ko', 'pt', 'ru', 'yue', 'zh'],
    );
  });

  it.each([
    ['JA', 'ja'], ['japanese', 'ja'], ['日本語', 'ja'], [' Spanish ', 'es'], ['cantonese', 'yue'], ['YUE', 'yue'],
    ['pt-BR', 'pt'], ['pt_br', 'pt'], ['zh-CN', 'zh'], ['zh-TW', 'zh'], ['zh-HK', 'yue'], ['es-419', 'es'],
    ['en-GB', 'en'], ['ko-KR', 'ko'], ['es-LA', 'es'],
  ])('finds %s as %s', (input, code) => {
    expect(findLanguage(input)?.code).toBe(code);
  });

  it('knows nothing of languages the model cannot translate', () => {
    expect(findLanguage('pl')).toBeUndefined();
    expect(findLanguage('Klingon')).toBeUndefined();
    expect(languageFromLocale('sv-SE')).toBeUndefined();
    expect(findLanguage('')).toBeUndefined();
  });

  it('maps Discord flag emoji and Slack flag names', () => {
    expect(flagEmoji('JP')).toBe('🇯🇵');
    const cases: [string, string][] = [
      ['🇯🇵', 'ja'], ['🇺🇸', 'en'], ['🇬🇧', 'en'], ['🇨🇳', 'zh'], ['🇭🇰', 'yue'], ['🇧🇷', 'pt'], ['🇵🇹', 'pt'],
      ['🇲🇽', 'es'], ['🇸🇦', 'ar'], ['🇮🇳', 'hi'], ['🇬🇷', 'el'], ['🇹🇷', 'tr'], ['🇻🇳', 'vi'], ['🇹🇭', 'th'], ['🇮🇩', 'id'],
      ['flag-jp', 'ja'], ['jp', 'ja'], ['us', 'en'], ['gb', 'en'], ['uk', 'en'], ['cn', 'zh'], ['flag-br', 'pt'],
      ['kr', 'ko'], ['fr', 'fr'], ['de', 'de'], [':flag-mx:', 'es'], ['flag-hk', 'yue'],
    ];
    for (const [reaction, code] of cases) expect(languageFromFlag(reaction)?.code, reaction).toBe(code);
  });

  it('ignores reactions that are not flags of known languages', () => {
    for (const r of ['👍', '🇵🇱', 'flag-pl', 'thumbsup', 'pl', '🇯', 'white_check_mark']) {
      expect(languageFromFlag(r), r).toBeUndefined();
    }
  });
});
