import { VOICES } from '../src/voices.js';
import type { Choice } from './translate.js';

/** Voice suggestions; a voice that cannot speak the chosen target is still offered, and swapped later with a note. */
export function voiceChoices(typed: string): Choice[] {
  const q = typed.trim().toLowerCase();
  return VOICES.filter((v) => !q || v.name.toLowerCase().startsWith(q)).map((v) => ({
    name: `${v.name} — ${v.description} (${v.speaks.join(', ')})`,
    value: v.name,
  }));
}
