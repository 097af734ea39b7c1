import type { SlashCommand } from './types.js';

/** `/languages`: the 18 languages, which can be spoken, and the voices (text from `src/catalogue-text.ts`). */
export const languagesCommand: SlashCommand = {
  name: 'languages',
  description: 'List the languages the bot translates into, which can be spoken, and the voices',
  options: [],
};
