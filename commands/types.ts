/**
 * Platform-neutral chat commands. Each file in commands/ describes one command users see (names fixed by the chat
 * command contract in DESIGN.md); adapters turn these into their platform's form (Discord application commands,
 * Slack slash commands and shortcuts) and route invocations back to the core.
 */
export type OptionType = 'attachment' | 'string' | 'boolean';

export interface CommandOption {
  name: string;
  description: string;
  type: OptionType;
  required?: boolean;
  /** The platform should ask the bot for suggestions while the user types. */
  autocomplete?: boolean;
}

/** A command typed by name (Discord slash command, Slack slash command). */
export interface SlashCommand {
  name: string;
  description: string;
  options: readonly CommandOption[];
}

/** A command run on a message (Discord message context menu, Slack message shortcut). */
export interface MessageCommand {
  /** What users see in the menu. */
  name: string;
  /** Stable id (Slack callback id; used in logs and custom ids). */
  id: string;
  /** true: ask for the target language first. */
  asksLanguage: boolean;
}

/**
 * A line of a command's answer (settings, usage), structured so each platform renders it in its own markup:
 * `heading` (bold), `item` (a bullet), `note` (small print), `plain`.
 */
export interface TextLine {
  style: 'heading' | 'item' | 'note' | 'plain';
  text: string;
}
