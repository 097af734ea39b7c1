import type { MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import { languageFromFlag } from '../../src/languages.js';
import { discordRequest, mediaAttachments } from './attachments.js';
import { checkChannel } from '../../src/jobs/resolve-target.js';
import type { DiscordContext } from './context.js';

const HINT = "I can't read the attachments of other people's messages here (the bot lacks the Message Content " +
  'intent). Use the **Translate** command from the message menu instead (right-click or long-press → Apps).';

/**
 * A flag reaction on a message with audio or video translates each attachment, in order, into the flag's language,
 * as a reply to that message. The same message and language twice runs one translation.
 */
export class DiscordReactions {
  constructor(private readonly ctx: DiscordContext) {}

  async handle(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
    try {
      if (user.bot) return;
      const language = languageFromFlag(reaction.emoji.name ?? '');
      if (!language) return;
      const message = reaction.message.partial ? await reaction.message.fetch() : reaction.message;
      await checkChannel(this.ctx.store, 'discord', message.guildId ?? undefined, message.channelId);
      this.ctx.cooldown.take(`discord:${user.id}`);
      const media = mediaAttachments(message.attachments);
      if (media.length === 0) {
        // Without Message Content, other users' attachments are invisible: say what works instead of staying silent.
        if (!this.ctx.canReadOthers() && message.author?.id !== message.client.user.id && !message.content) {
          await message.reply({ content: HINT, allowedMentions: { parse: [], repliedUser: false } });
        }
        return;
      }
      const scope = { platform: 'discord' as const, serverId: message.guildId ?? `dm:${user.id}`, userId: user.id };
      for (const attachment of media) {
        await this.ctx.jobs.run(discordRequest(attachment, { to: language.code }, scope, 'reaction'), user.id, { kind: 'channel', channelId: message.channelId, replyTo: message.id });
      }
    } catch (err) {
      // a refusal before any reply (channel not allowed, cooldown) is only logged: reactions are easy to repeat
      this.ctx.logger.info({ err }, 'reaction not translated');
    }
  }
}
