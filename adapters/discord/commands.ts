import {
  ApplicationCommandOptionType, ApplicationCommandType, DiscordAPIError, PermissionFlagsBits, Routes, type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody, type RESTPutAPIApplicationCommandsJSONBody,
} from 'discord.js';
import { languagesCommand } from '../../commands/languages.js';
import { translateCommand, translateMessageCommand, translateMessageToCommand } from '../../commands/translate.js';
import type { OptionType, SlashCommand } from '../../commands/types.js';
import { TranslateError } from '../../src/errors.js';
import { settingsPayloads } from './settings-handlers.js';

const OPTION_TYPE: Record<OptionType, ApplicationCommandOptionType> = {
  attachment: ApplicationCommandOptionType.Attachment,
  string: ApplicationCommandOptionType.String,
  boolean: ApplicationCommandOptionType.Boolean,
};

function slash(command: SlashCommand): RESTPostAPIChatInputApplicationCommandsJSONBody {
  return {
    type: ApplicationCommandType.ChatInput,
    name: command.name,
    description: command.description,
    options: command.options.map((o) => ({
      type: OPTION_TYPE[o.type],
      name: o.name,
      description: o.description,
      required: o.required ?? false,
      ...(o.autocomplete ? { autocomplete: true } : {}),
    })) as RESTPostAPIChatInputApplicationCommandsJSONBody['options'],
  };
}

/** The application commands the bot owns, in Discord's form. */
export function commandPayloads(): RESTPutAPIApplicationCommandsJSONBody {
  return [
    slash(translateCommand),
    slash(languagesCommand),
    { type: ApplicationCommandType.Message, name: translateMessageCommand.name },
    { type: ApplicationCommandType.Message, name: translateMessageToCommand.name },
    ...settingsPayloads(),
  ];
}

/** The fields of options that we set, recursively (subcommands), with Discord's defaults made explicit. */
function normalizeOptions(options: unknown): unknown[] {
  return ((options as Record<string, unknown>[] | undefined) ?? []).map((o) => ({
    type: o.type, name: o.name, description: o.description, required: o.required ?? false,
    autocomplete: o.autocomplete ?? false, channel_types: o.channel_types ?? [], options: normalizeOptions(o.options),
  }));
}

/** What decides whether the registered commands match ours (Discord adds ids, versions and defaults). */
function fingerprint(commands: readonly unknown[]): string {
  const shape = (commands as Record<string, unknown>[]).map((c) => ({
    type: c.type ?? ApplicationCommandType.ChatInput,
    name: c.name,
    description: c.type === ApplicationCommandType.Message ? '' : c.description,
    options: normalizeOptions(c.options),
  }));
  return JSON.stringify(shape.sort((a, b) => `${a.type}${a.name}`.localeCompare(`${b.type}${b.name}`)));
}

/**
 * A server Discord does not know (10004 Unknown Guild) or that the bot is not in (50001 Missing Access, 403): named
 * by its variable, since only the operator can fix it. Other failures are left as they are.
 */
function guildError(err: unknown, guildId: string): unknown {
  if (!(err instanceof DiscordAPIError) || ![400, 403, 404].includes(err.status)) return err;
  return new TranslateError('STARTUP_FAILED', `(DISCORD_GUILD_ID ${guildId} is not a server this bot is in; Discord said "${err.message}". ` +
    'Invite the bot to that server, or leave DISCORD_GUILD_ID unset to register the commands globally.)', { cause: err });
}

/**
 * Registers the commands globally, or to one guild (instant), only when they differ from what Discord has.
 * Returns whether it wrote anything.
 */
export async function registerCommands(rest: REST, applicationId: string, guildId?: string): Promise<boolean> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const existing = (await rest.get(route).catch((err: unknown) => {
    throw guildId !== undefined ? guildError(err, guildId) : err;
  })) as unknown[];
  const wanted = commandPayloads();
  if (fingerprint(existing) === fingerprint(wanted)) return false;
  await rest.put(route, { body: wanted });
  return true;
}

/** Exactly the permissions the bot uses: see channels, post and reply, attach files, send voice messages. */
export const BOT_PERMISSIONS =
  PermissionFlagsBits.ViewChannel | PermissionFlagsBits.SendMessages | PermissionFlagsBits.SendMessagesInThreads |
  PermissionFlagsBits.AttachFiles | PermissionFlagsBits.ReadMessageHistory | PermissionFlagsBits.SendVoiceMessages;

export function inviteUrl(applicationId: string): string {
  const params = new URLSearchParams({ client_id: applicationId, scope: 'bot applications.commands', permissions: BOT_PERMISSIONS.toString() });
  return `https://discord.com/oauth2/authorize?${params.toString()}`;
}
