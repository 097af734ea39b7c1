import { describe, expect, it } from 'vitest';
import { isTranslateError } from './errors.js';
import { chooseVoice, defaultVoice, findVoice } from './voices.js';

describe('voice catalogue', () => {
  it('has a default voice for every speakable language and none for text-only ones', () => {
    expect(defaultVoice('en')?.name).toBe('Cherry');
    expect(defaultVoice('ja')?.name).toBe('Cherry');
    expect(defaultVoice('yue')?.name).toBe('Kiki');
    expect(defaultVoice('ar')).toBeUndefined();
    expect(defaultVoice('hi')).toBeUndefined();
  });

  it('finds voices case-insensitively, also by their long names', () => {
    expect(findVoice('nofish')?.name).toBe('Nofish');
    expect(findVoice('Beijing-Dylan')?.name).toBe('Dylan');
    expect(findVoice('Cantonese-Kiki')?.name).toBe('Kiki');
    expect(findVoice('alloy')).toBeUndefined();
  });

  it('keeps a voice that speaks the target', () => {
    expect(chooseVoice('zh', 'Dylan')).toEqual({ voice: expect.objectContaining({ name: 'Dylan' }) });
    expect(chooseVoice('fr', 'ethan').voice?.name).toBe('Ethan');
  });

  it('replaces a voice that cannot speak the target with the default, and says so', () => {
    const choice = chooseVoice('en', 'Dylan');
    expect(choice.voice?.name).toBe('Cherry');
    expect(choice.replaced?.notice).toBe('Dylan cannot speak English, so Cherry speaks instead.');
    expect(chooseVoice('yue', 'Cherry').voice?.name).toBe('Kiki');
  });

  it('refuses a voice that does not exist', () => {
    let caught: unknown;
    try {
      chooseVoice('en', 'Alloy');
    } catch (err) {
      caught = err;
    }
    expect(isTranslateError(caught, 'UNKNOWN_VOICE')).toBe(true);
  });
});
