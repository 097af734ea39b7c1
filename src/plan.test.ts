import { describe, expect, it } from 'vitest';
import type { ErrorCode } from './errors.js';
import { planTranslation, type TranslationAsk } from './plan.js';

function codeOf(ask: TranslationAsk, strict: boolean): ErrorCode | 'ok' {
  try {
    planTranslation(ask, { strict });
    return 'ok';
  } catch (err) {
    return (err as { code: ErrorCode }).code;
  }
}

describe('planTranslation', () => {
  it('resolves names and locales, with the default voice', () => {
    const plan = planTranslation({ to: 'Japanese', from: 'en-US' }, { strict: true });
    expect(plan.target.code).toBe('ja');
    expect(plan.source?.code).toBe('en');
    expect(plan.voice?.name).toBe('Cherry');
    expect(plan.notices).toEqual([]);
  });

  it('gives text-only targets no voice, with a notice when speech was not ruled out', () => {
    const plan = planTranslation({ to: 'ar' }, { strict: false });
    expect(plan.voice).toBeUndefined();
    expect(plan.notices).toEqual(['Arabic can be written but not spoken: text only.']);
    expect(planTranslation({ to: 'ar', textOnly: true }, { strict: true }).notices).toEqual([]);
  });

  it('drops the voice when text only is asked for', () => {
    expect(planTranslation({ to: 'en', textOnly: true }, { strict: true }).voice).toBeUndefined();
  });

  it('keeps the sound-only choice for a video, with or without speech, and leaves it out when not asked', () => {
    expect(planTranslation({ to: 'en', audioOnly: true }, { strict: true })).toMatchObject({ audioOnly: true, voice: { name: expect.any(String) } });
    expect(planTranslation({ to: 'ar', audioOnly: true }, { strict: false }).audioOnly).toBe(true);
    expect('audioOnly' in planTranslation({ to: 'en', audioOnly: false }, { strict: true })).toBe(false);
  });

  it('substitutes an incompatible voice in chat and refuses it on the CLI', () => {
    const plan = planTranslation({ to: 'en', voice: 'Kiki' }, { strict: false });
    expect(plan.voice?.name).toBe('Cherry');
    expect(plan.notices).toEqual(['Kiki cannot speak English, so Cherry speaks instead.']);
    expect(codeOf({ to: 'en', voice: 'Kiki' }, true)).toBe('VOICE_CANNOT_SPEAK');
  });

  it.each<[TranslationAsk, boolean, ErrorCode]>([
    [{ to: 'klingon' }, true, 'UNKNOWN_LANGUAGE'],
    [{ to: 'en', from: 'xx' }, true, 'UNKNOWN_LANGUAGE'],
    [{ to: 'en', from: 'English' }, true, 'SAME_LANGUAGE'],
    [{ to: 'th', textOnly: false }, true, 'TEXT_ONLY_TARGET'],
    [{ to: 'th', voice: 'Cherry' }, true, 'TEXT_ONLY_TARGET'],
    [{ to: 'en', voice: 'Alloy' }, false, 'UNKNOWN_VOICE'],
  ])('refuses %j', (ask, strict, code) => {
    expect(codeOf(ask, strict)).toBe(code);
  });
});
