import { flagEmoji, LANGUAGES } from './languages.js';
import { VOICES } from './voices.js';

/** The language and voice table (`livetranslate languages`, `/languages`): what can be spoken, and by whom. */
export function languagesText(): string {
  const rows = LANGUAGES.map((l) => {
    const flag = l.countries[0] ? flagEmoji(l.countries[0]) : '  ';
    const voices = VOICES.filter((v) => v.speaks.includes(l.code)).map((v) => v.name);
    return `${flag} ${l.code.padEnd(4)} ${l.name.padEnd(11)} ${l.speaks ? `speech: ${voices.join(', ')}` : 'text only'}`;
  });
  const voices = VOICES.map((v) => `  ${v.name.padEnd(7)} ${v.description}; speaks ${v.speaks.join(', ')}`);
  return `${rows.join('\n')}\n\nVoices:\n${voices.join('\n')}\n`;
}
