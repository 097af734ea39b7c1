import type { Message, MessageReaction, PartialMessage, PartialMessageReaction, PartialUser, User } from 'discord.js';
import { languageFromFlag } from '../../src/languages.js';
import type { Trigger } from '../../src/jobs/trigger.js';
import { triggerNotice } from '../../src/jobs/trigger-notice.js';
import { triggerFiles } from './attachments.js';
import type { DiscordContext } from './context.js';
import { renderNotice } from './render.js';
import type { ReplyPlace } from './reply-surface.js';

/**
 * Triggers that answer in the channel, as replies to the message: a flag reaction (into the flag's language) and
 * a voice note posted in an auto-translate channel. A refusal is a short reply that mentions only the user it is
 * for and deletes itself after `noticeTtlMs` (30 s by default); a reaction or message that asks nothing gets no answer.
 */
export class DiscordChannelTriggers {
  constructor(private readonly ctx: DiscordContext) {}

  async reaction(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
    const language = languageFromFlag(reaction.emoji.name ?? '');
    if (!language || user.bot) return;
    try {
      const message = reaction.message.partial ? await reaction.message.fetch() : reaction.message;
      const ownMessage = message.author?.id === message.client.user.id;
      await this.trigger(message, user.id, {
        kind: 'reaction', target: { kind: 'flag', language: language.code },
        filesHidden: !this.ctx.canReadOthers() && !ownMessage && !message.content && message.attachments.size === 0,
      });
    } catch (err) {
      this.ctx.logger.error({ err }, 'reaction failed');
    }
  }

  async message(message: Message): Promise<void> {
    if (message.attachments.size === 0) return;
    try {
      await this.trigger(message, message.author.id, { kind: 'auto', target: { kind: 'auto' }, byBot: message.author.bot });
    } catch (err) {
      this.ctx.logger.error({ err }, 'auto-translate failed');
    }
  }

  private async trigger(
    message: Message | PartialMessage, userId: string, t: Pick<Trigger<ReplyPlace>, 'kind' | 'target' | 'filesHidden' | 'byBot'>,
  ): Promise<void> {
    const result = await this.ctx.jobs.trigger({
      ...t, platform: 'discord', serverId: message.guildId ?? undefined, channelId: message.channelId, userId,
      files: triggerFiles(message.attachments), placeFor: () => ({ kind: 'channel', channelId: message.channelId, replyTo: message.id }),
    });
    const notice = triggerNotice(result);
    if (notice) await this.tell(message, userId, renderNotice(notice));
    if (result.status === 'started') await result.done;
  }

  /** A reply to the message for one user only (only they are mentioned), gone after a while. */
  private async tell(message: Message | PartialMessage, userId: string, text: string): Promise<void> {
    try {
      const sent = await message.reply({ content: `<@${userId}> ${text}`, allowedMentions: { users: [userId], repliedUser: false } });
      setTimeout(() => void sent.delete().catch(() => undefined), this.ctx.noticeTtlMs).unref();
    } catch (err) {
      this.ctx.logger.warn({ err }, 'could not tell the user');
    }
  }
}
