import {
  ApplicationCommandOptionType, ApplicationCommandType, ChannelType, MessageFlags, PermissionFlagsBits,
  type ChatInputCommandInteraction, type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { applySettings, settingsCommand, type SettingsChange } from '../../commands/settings.js';
import { usageCommand, usageReport, type Prices } from '../../commands/usage.js';
import { asTranslateError, userMessage } from '../../src/errors.js';
import { NOTICES } from '../../src/jobs/notices.js';
import { renderLines, renderNotice } from './render.js';
import type { BudgetLimits } from '../../src/jobs/limits.js';
import type { Store } from '../../src/store/types.js';

const S = ApplicationCommandOptionType;
const lang = (name: string, description: string) => ({ type: S.String, name, description, required: false, autocomplete: true });
const channel = { type: S.Channel, name: 'channel', description: 'The channel', required: true, channel_types: [ChannelType.GuildText, ChannelType.GuildVoice, ChannelType.PublicThread] };

/** `/settings` with subcommands (server-level ones need Manage Server) and `/usage`, in Discord's form. */
export function settingsPayloads(): RESTPostAPIChatInputApplicationCommandsJSONBody[] {
  return [
    {
      type: ApplicationCommandType.ChatInput, name: settingsCommand.name, description: settingsCommand.description,
      options: [
        { type: S.Subcommand, name: 'show', description: 'Show your and the server\'s settings' },
        { type: S.Subcommand, name: 'language', description: 'Your default language (empty: clear)', options: [lang('to', 'Language')] },
        { type: S.Subcommand, name: 'voice', description: 'Your default voice (empty: clear)', options: [{ type: S.String, name: 'name', description: 'Voice', required: false, autocomplete: true }] },
        { type: S.Subcommand, name: 'text-only', description: 'Only text, no voice messages, for your translations', options: [{ type: S.Boolean, name: 'enabled', description: 'On or off', required: true }] },
        { type: S.Subcommand, name: 'server-language', description: 'Server default language (Manage Server)', options: [lang('to', 'Language')] },
        { type: S.Subcommand, name: 'channel', description: 'Let the bot work in a channel, or not (Manage Server; none listed = all)', options: [channel, { type: S.Boolean, name: 'enabled', description: 'Allowed?', required: true }] },
        { type: S.Subcommand, name: 'auto-translate', description: 'Translate every voice note posted in a channel (Manage Server)', options: [channel, { type: S.String, name: 'languages', description: 'e.g. "en, ja" — or "off"', required: true }] },
      ],
    } as RESTPostAPIChatInputApplicationCommandsJSONBody,
    { type: ApplicationCommandType.ChatInput, name: usageCommand.name, description: usageCommand.description },
  ];
}

function change(i: ChatInputCommandInteraction): SettingsChange {
  const sub = i.options.getSubcommand();
  switch (sub) {
    case 'language': return { kind: 'language', value: i.options.getString('to') ?? undefined };
    case 'voice': return { kind: 'voice', value: i.options.getString('name') ?? undefined };
    case 'text-only': return { kind: 'text-only', value: i.options.getBoolean('enabled', true) };
    case 'server-language': return { kind: 'server-language', value: i.options.getString('to') ?? undefined };
    case 'channel': return { kind: 'server-channel', channelId: i.options.getChannel('channel', true).id, enabled: i.options.getBoolean('enabled', true) };
    case 'auto-translate': return { kind: 'auto-translate', channelId: i.options.getChannel('channel', true).id, languages: i.options.getString('languages', true) };
    default: return { kind: 'show' };
  }
}

/** Answers /settings and /usage (ephemeral: they are about the asker), also when the bot has no store. */
export async function handleSettingsCommand(
  i: ChatInputCommandInteraction, store: Store | undefined, prices: Prices, budgets: BudgetLimits,
): Promise<boolean> {
  if (i.commandName !== settingsCommand.name && i.commandName !== usageCommand.name) return false;
  let content: string;
  try {
    if (!store) content = renderNotice({ warning: true, text: NOTICES.noStore });
    else content = renderLines(i.commandName === usageCommand.name
      ? await usageReport(store, 'discord', i.guildId ?? undefined, i.user.id, prices, budgets)
      : await applySettings({
          store, platform: 'discord', serverId: i.guildId ?? undefined, userId: i.user.id,
          isAdmin: !!i.memberPermissions?.has(PermissionFlagsBits.ManageGuild), channelMention: (id) => `<#${id}>`,
        }, change(i)));
  } catch (err) {
    content = `⚠️ ${userMessage(asTranslateError(err))}`;
  }
  await i.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
  return true;
}
