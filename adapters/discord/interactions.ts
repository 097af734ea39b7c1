import {
  ComponentType, MessageFlags, PermissionFlagsBits, type AutocompleteInteraction, type ButtonInteraction,
  type ChatInputCommandInteraction, type Interaction, type MessageContextMenuCommandInteraction,
  type StringSelectMenuInteraction,
} from 'discord.js';
import { languageChoices, translateMessageCommand, translateMessageToCommand } from '../../commands/translate.js';
import { voiceChoices } from '../../commands/voices.js';
import { languagesText } from '../../src/catalogue-text.js';
import { asTranslateError, userMessage } from '../../src/errors.js';
import { findLanguage } from '../../src/languages.js';
import type { Trigger, TriggerResult, TriggerWhere } from '../../src/jobs/trigger.js';
import { triggerNotice } from '../../src/jobs/trigger-notice.js';
import { componentId, parseComponentId } from '../../src/reply/layout.js';
import { triggerFiles } from './attachments.js';
import type { DiscordContext } from './context.js';
import { renderNotice } from './render.js';
import type { ReplyPlace } from './reply-surface.js';
import { handleSettingsCommand } from './settings-handlers.js';

type Repliable = ChatInputCommandInteraction | MessageContextMenuCommandInteraction | StringSelectMenuInteraction | ButtonInteraction;

const where = (i: Interaction): TriggerWhere => ({
  platform: 'discord', serverId: i.guildId ?? undefined, channelId: i.channelId ?? '', userId: i.user.id,
});

/** Where the n-th reply of an interaction lives: the deferred original first, then follow-ups. */
const placeOf = (i: Interaction, first: 'deferred' | 'followup') => (n: number, ephemeral: boolean): ReplyPlace => ({
  kind: 'interaction', applicationId: i.applicationId, token: i.token, channelId: i.channelId ?? '',
  createdAt: i.createdTimestamp, ephemeral, original: n === 0 ? first : 'followup',
});

/**
 * Discord interactions: `/translate`, the "Translate" and "Translate to…" message menus and its language menu, the
 * Cancel and Retry buttons, `/languages`, `/settings`, `/usage` and autocomplete. Each becomes one core call; what
 * comes back is rendered (refusals and notices only to the user who asked).
 */
export class DiscordInteractions {
  constructor(private readonly ctx: DiscordContext) {}

  async handle(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isAutocomplete()) return await this.autocomplete(interaction);
      if (interaction.isChatInputCommand()) {
        if (interaction.commandName === 'translate') return await this.slash(interaction);
        if (interaction.commandName === 'languages') {
          return void (await interaction.reply({ content: `\`\`\`\n${languagesText()}\`\`\``, flags: MessageFlags.Ephemeral }));
        }
        return void (await handleSettingsCommand(interaction, this.ctx.store, this.ctx.prices, this.ctx.budgets));
      }
      if (interaction.isMessageContextMenuCommand()) return await this.contextMenu(interaction);
      if (interaction.isStringSelectMenu()) return await this.picked(interaction);
      if (interaction.isButton()) return await this.button(interaction);
    } catch (err) {
      this.ctx.logger.error({ err, interaction: interaction.id }, 'interaction failed');
      // never leave a deferred reply "thinking"
      if (interaction.isRepliable() && interaction.deferred && !interaction.replied) {
        await interaction.editReply({ content: `⚠️ ${userMessage(asTranslateError(err))}` }).catch(() => undefined);
      }
    }
  }

  private async autocomplete(i: AutocompleteInteraction): Promise<void> {
    const focused = i.options.getFocused(true);
    const choices = focused.name === 'voice' || focused.name === 'name' ? voiceChoices(focused.value) : languageChoices(focused.value);
    await i.respond(choices.slice(0, 25));
  }

  private async slash(i: ChatInputCommandInteraction): Promise<void> {
    const ask = {
      to: i.options.getString('to', true),
      from: i.options.getString('from') ?? undefined,
      voice: i.options.getString('voice') ?? undefined,
      textOnly: i.options.getBoolean('text_only') ?? undefined,
      audioOnly: i.options.getBoolean('audio_only') || undefined,
    };
    await this.trigger(i, {
      ...where(i), kind: 'slash', target: { kind: 'ask', ask }, files: triggerFiles([i.options.getAttachment('file', true)]),
      locale: i.locale, private: i.options.getBoolean('private') ?? false, unique: i.id,
      placeFor: placeOf(i, 'deferred'),
      acknowledge: async (ephemeral) => void (await i.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {})),
    });
  }

  private async contextMenu(i: MessageContextMenuCommandInteraction): Promise<void> {
    const files = triggerFiles(i.targetMessage.attachments);
    if (i.commandName === translateMessageToCommand.name) {
      const refusal = await this.ctx.jobs.precheck({ ...where(i), files });
      if (refusal) return this.render(i, refusal);
      this.ctx.jobs.choices.remember(where(i), i.targetMessage.id, files);
      await i.reply({
        content: 'Translate into which language?',
        flags: MessageFlags.Ephemeral,
        components: [{
          type: ComponentType.ActionRow,
          components: [{
            type: ComponentType.StringSelect, custom_id: componentId.pick(i.targetMessage.id),
            placeholder: 'Choose a language', options: languageChoices('').map((c) => ({ label: c.name, value: c.value })),
          }],
        }],
      });
      return;
    }
    if (i.commandName !== translateMessageCommand.name) return;
    await this.trigger(i, {
      ...where(i), kind: 'menu', target: { kind: 'default' }, files, locale: i.locale,
      placeFor: placeOf(i, 'deferred'), acknowledge: async () => void (await i.deferReply()),
    });
  }

  /** The language menu of "Translate to…": only the user who opened it, in the same channel, within 15 minutes. */
  private async picked(i: StringSelectMenuInteraction): Promise<void> {
    const id = parseComponentId(i.customId);
    const to = i.values[0] ?? '';
    const files = id?.action === 'to' ? this.ctx.jobs.choices.take(where(i), id.id) : undefined;
    if (!files) return void (await i.update({ content: 'That menu has expired; use the command again.', components: [] }));
    await this.trigger(i, {
      ...where(i), kind: 'menu', target: { kind: 'ask', ask: { to } }, files, locale: i.locale,
      placeFor: placeOf(i, 'followup'),
      acknowledge: async () => void (await i.update({ content: `Translating into ${findLanguage(to)?.name ?? to}…`, components: [] })),
    });
  }

  private async button(i: ButtonInteraction): Promise<void> {
    const id = parseComponentId(i.customId);
    if (id?.action === 'cancel') {
      const result = await this.ctx.jobs.cancel({
        ...where(i), jobId: id.id, isModerator: () => !!i.memberPermissions?.has(PermissionFlagsBits.ManageMessages),
      });
      if (result.status === 'cancelled') await i.deferUpdate();
      else await i.reply({ content: result.notice, flags: MessageFlags.Ephemeral });
    } else if (id?.action === 'retry') {
      await this.trigger(i, {
        ...where(i), kind: 'retry', target: { kind: 'retry', jobId: id.id }, files: [], locale: i.locale,
        placeFor: placeOf(i, 'deferred'),
        acknowledge: async (ephemeral) => void (await i.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {})),
      });
    }
  }

  private async trigger(i: Repliable, t: Trigger<ReplyPlace>): Promise<void> {
    const result = await this.ctx.jobs.trigger(t);
    await this.render(i, result);
    if (result.status === 'started') await result.done;
  }

  /** What the core decided, shown only to the user who asked (the jobs' replies are the jobs' own). */
  private async render(i: Repliable, result: TriggerResult): Promise<void> {
    const decided = triggerNotice(result);
    if (!decided) return;
    const notice = renderNotice(decided);
    const said = i.deferred || i.replied
      ? i.followUp({ content: notice, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } })
      : i.isStringSelectMenu()
        ? i.update({ content: notice, components: [] })
        : i.reply({ content: notice, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    await said.catch((err: unknown) => this.ctx.logger.warn({ err }, 'could not answer the interaction'));
  }
}
