import { flagEmoji, LANGUAGES } from '../src/languages.js';
import type { MessageCommand, SlashCommand } from './types.js';

/** `/translate file:<attachment> to:<lang> [from] [voice] [text_only] [audio_only] [private]` */
export const translateCommand: SlashCommand = {
  name: 'translate',
  description: 'Translate a voice note, audio or video file (text streams in, then the translated speech)',
  options: [
    { name: 'file', description: 'The audio or video to translate', type: 'attachment', required: true },
    { name: 'to', description: 'Target language (code or name)', type: 'string', required: true, autocomplete: true },
    { name: 'from', description: 'Spoken language (leave empty to detect it)', type: 'string', autocomplete: true },
    { name: 'voice', description: 'Voice for the translated speech', type: 'string', autocomplete: true },
    { name: 'text_only', description: 'Only the text, no voice message', type: 'boolean' },
    { name: 'audio_only', description: 'A video: translate its sound only, without its pictures (cheaper)', type: 'boolean' },
    { name: 'private', description: 'Only you see the result', type: 'boolean' },
  ],
};

/** Message menu / shortcut: translate to the user's language. */
export const translateMessageCommand: MessageCommand = { name: 'Translate', id: 'translate_message', asksLanguage: false };
/** Message menu / shortcut: ask the language first. */
export const translateMessageToCommand: MessageCommand = { name: 'Translate to…', id: 'translate_message_to', asksLanguage: true };

export interface Choice {
  name: string;
  value: string;
}

/** Language suggestions for what the user typed so far (code, English or native name), at most `limit`. */
export function languageChoices(typed: string, limit = 25): Choice[] {
  const q = typed.trim().toLowerCase();
  const matches = LANGUAGES.filter((l) =>
    !q || l.code.startsWith(q) || l.name.toLowerCase().includes(q) || l.nativeName.toLowerCase().includes(q));
  return matches.slice(0, limit).map((l) => ({
    name: `${l.countries[0] ? `${flagEmoji(l.countries[0])} ` : ''}${l.name} (${l.nativeName})${l.speaks ? '' : ' · text only'}`,
    value: l.code,
  }));
}
