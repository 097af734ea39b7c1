import {
  ComponentType, MessageFlags, PermissionFlagsBits, type Attachment, type AutocompleteInteraction,
  type ButtonInteraction, type ChatInputCommandInteraction, type Interaction,
  type MessageContextMenuCommandInteraction, type StringSelectMenuInteraction,
} from 'discord.js';
import { languageChoices, translateMessageCommand, translateMessageToCommand } from '../../commands/translate.js';
import { voiceChoices } from '../../commands/voices.js';
import { languagesText } from '../../src/catalogue-text.js';
import { getLanguage, type LanguageCode } from '../../src/languages.js';
import { checkChannel, defaultTarget } from '../../src/jobs/resolve-target.js';
import type { UserSettings } from '../../src/store/types.js';
import type { DiscordContext } from './context.js';
import { handleSettingsCommand } from './settings-handlers.js';
import { asTranslateError, userMessage } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type { TranslationAsk } from '../../src/plan.js';
import { discordRequest, mediaAttachments } from './attachments.js';
import type { ChatJobRequest, ChatJobs } from '../../src/jobs/chat-jobs.js';
import { customId } from './render.js';
import { NOTICES } from '../../src/jobs/notices.js';
import type { ReplyPlace } from './reply-surface.js';


/** Context-menu targets waiting for a language pick (their attachments are only visible in the menu interaction). */
const PICK_TTL_MS = 15 * 60_000;

export class DiscordInteractions {
  private readonly pending = new Map<string, { attachments: Attachment[]; at: number }>();

  private readonly jobs: ChatJobs<ReplyPlace>;
  private readonly logger: Logger;
  private readonly now: () => number;

  constructor(private readonly ctx: DiscordContext) {
    this.jobs = ctx.jobs;
    this.logger = ctx.logger;
    this.now = ctx.now;
  }

  async handle(interaction: Interaction): Promise<void> {
    try {
      if (interaction.isAutocomplete()) return await this.autocomplete(interaction);
      if (interaction.isChatInputCommand()) {
        if (interaction.commandName === 'translate') return await this.slash(interaction);
        if (this.ctx.store && (await handleSettingsCommand(interaction, this.ctx.store, this.ctx.prices, this.ctx.budgets))) return;
        if (interaction.commandName === 'languages') {
          await interaction.reply({ content: `\`\`\`\n${languagesText()}\`\`\``, flags: MessageFlags.Ephemeral });
        }
        return;
      }
      if (interaction.isMessageContextMenuCommand()) return await this.contextMenu(interaction);
      if (interaction.isStringSelectMenu() && interaction.customId.startsWith('lt:to:')) return await this.picked(interaction);
      if (interaction.isButton()) return await this.button(interaction);
    } catch (err) {
      this.logger.error({ err, interaction: interaction.id }, 'interaction failed');
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
    const file = i.options.getAttachment('file', true);
    const ephemeral = i.options.getBoolean('private') ?? false;
    if (!(await this.allowedHere(i))) return;
    await i.deferReply(ephemeral ? { flags: MessageFlags.Ephemeral } : {});
    const saved = this.ctx.store ? await this.ctx.store.settings.getUser('discord', i.user.id).catch(() => ({} as UserSettings)) : {};
    const ask: TranslationAsk = {
      to: i.options.getString('to', true),
      from: i.options.getString('from') ?? undefined,
      voice: i.options.getString('voice') ?? saved.voice,
      textOnly: (i.options.getBoolean('text_only') ?? saved.textOnly) ? true : undefined,
    };
    const place = this.place(i, ephemeral, 'deferred');
    await this.start(this.request(file, ask, i, i.id), i.user.id, place, i);
  }

  private async contextMenu(i: MessageContextMenuCommandInteraction): Promise<void> {
    const media = mediaAttachments(i.targetMessage.attachments);
    if (media.length === 0) {
      await i.reply({ content: NOTICES.noMedia, flags: MessageFlags.Ephemeral });
      return;
    }
    if (i.commandName === translateMessageToCommand.name) {
      this.prune();
      this.pending.set(i.targetMessage.id, { attachments: media, at: this.now() });
      await i.reply({
        content: 'Translate into which language?',
        flags: MessageFlags.Ephemeral,
        components: [{
          type: ComponentType.ActionRow,
          components: [{
            type: ComponentType.StringSelect, custom_id: customId.pickLanguage(i.targetMessage.id),
            placeholder: 'Choose a language', options: languageChoices('').map((c) => ({ label: c.name, value: c.value })),
          }],
        }],
      });
      return;
    }
    if (i.commandName !== translateMessageCommand.name) return;
    if (!(await this.allowedHere(i))) return;
    const to = await defaultTarget(this.ctx.store, 'discord', i.guildId ?? undefined, i.user.id, i.locale);
    await i.deferReply();
    await this.startEach(media, { to }, i, 'deferred');
  }

  private async picked(i: StringSelectMenuInteraction): Promise<void> {
    const messageId = i.customId.slice('lt:to:'.length);
    const target = this.pending.get(messageId);
    const to = i.values[0];
    if (!target || !to) {
      await i.update({ content: 'That menu has expired; use the command again.', components: [] });
      return;
    }
    await i.update({ content: `Translating into ${getLanguage(to as LanguageCode).name}…`, components: [] });
    await this.startEach(target.attachments, { to }, i, 'followup');
  }

  private async button(i: ButtonInteraction): Promise<void> {
    const [, action, jobId = ''] = i.customId.split(':');
    if (action === 'cancel') {
      const result = await this.jobs.registry.cancelBy(jobId, i.user.id, () => !!i.memberPermissions?.has(PermissionFlagsBits.ManageMessages));
      if (result === 'cancelled') await i.deferUpdate();
      else await i.reply({ content: result === 'finished' ? NOTICES.cancelFinished : NOTICES.cancelNotAllowed, flags: MessageFlags.Ephemeral });
    } else if (action === 'retry') {
      const finished = this.jobs.registry.retryRequest(jobId);
      if (!finished) {
        await i.reply({ content: NOTICES.retryGone, flags: MessageFlags.Ephemeral });
        return;
      }
      await i.deferReply();
      await this.start({ ...finished.request, trigger: 'retry' }, i.user.id, this.place(i, false, 'deferred'), i);
    }
  }

  private async startEach(
    media: Attachment[], ask: TranslationAsk, i: MessageContextMenuCommandInteraction | StringSelectMenuInteraction,
    first: 'deferred' | 'followup',
  ): Promise<void> {
    for (const [n, attachment] of media.entries()) {
      const place = this.place(i, false, n === 0 ? first : 'followup');
      await this.start(this.request(attachment, ask, i), i.user.id, place, i);
    }
  }

  private async start(request: ChatJobRequest, userId: string, place: ReplyPlace, i: Interaction): Promise<void> {
    const run = this.jobs.run(request, userId, place);
    if (run) {
      await run;
    } else if (i.isRepliable()) {
      const said = place.kind === 'interaction' && place.original === 'deferred'
        ? i.editReply({ content: NOTICES.alreadyRunning })
        : i.followUp({ content: NOTICES.alreadyRunning, flags: MessageFlags.Ephemeral });
      await said.catch(() => undefined);
    }
  }

  /** `unique` makes an explicit command its own job; menus and reactions on the same file and language run once. */
  private request(file: Attachment, ask: TranslationAsk, i: Interaction, unique?: string): ChatJobRequest {
    const trigger = i.isChatInputCommand() ? 'slash' : 'menu';
    return discordRequest(file, ask, { platform: 'discord', serverId: i.guildId ?? `dm:${i.user.id}`, userId: i.user.id }, trigger, unique);
  }

  /** Refuses (ephemerally) a command in a channel outside the server's allow-list. */
  private async allowedHere(i: ChatInputCommandInteraction | MessageContextMenuCommandInteraction): Promise<boolean> {
    try {
      await checkChannel(this.ctx.store, 'discord', i.guildId ?? undefined, i.channelId);
      return true;
    } catch (err) {
      await i.reply({ content: `⚠️ ${userMessage(asTranslateError(err))}`, flags: MessageFlags.Ephemeral });
      return false;
    }
  }

  private place(i: Interaction, ephemeral: boolean, original: 'deferred' | 'followup'): ReplyPlace {
    return { kind: 'interaction', applicationId: i.applicationId, token: i.token, channelId: i.channelId ?? '', createdAt: i.createdTimestamp, ephemeral, original };
  }

  private prune(): void {
    for (const [id, p] of this.pending) if (this.now() - p.at > PICK_TTL_MS) this.pending.delete(id);
  }
}
