import type { MessageReaction, PartialMessageReaction, PartialUser, User } from 'discord.js';
import { languageFromFlag } from '../../src/languages.js';
import type { Logger } from '../../src/logger.js';
import { displayName, mediaAttachments } from './attachments.js';
import { jobKey, type ChatJobs } from '../../src/jobs/chat-jobs.js';
import type { ReplyPlace } from './reply-surface.js';

const HINT = "I can't read the attachments of other people's messages here (the bot lacks the Message Content " +
  'intent). Use the **Translate** command from the message menu instead (right-click or long-press → Apps).';

/**
 * A flag reaction on a message with audio or video translates each attachment, in order, into the flag's language,
 * as a reply to that message. The same message and language twice runs one translation.
 */
export class DiscordReactions {
  constructor(
    private readonly jobs: ChatJobs<ReplyPlace>,
    private readonly logger: Logger,
    private readonly canReadOthers: () => boolean,
  ) {}

  async handle(reaction: MessageReaction | PartialMessageReaction, user: User | PartialUser): Promise<void> {
    try {
      if (user.bot) return;
      const language = languageFromFlag(reaction.emoji.name ?? '');
      if (!language) return;
      const message = reaction.message.partial ? await reaction.message.fetch() : reaction.message;
      const media = mediaAttachments(message.attachments);
      if (media.length === 0) {
        // Without Message Content, other users' attachments are invisible: say what works instead of staying silent.
        if (!this.canReadOthers() && message.author?.id !== message.client.user.id && !message.content) {
          await message.reply({ content: HINT, allowedMentions: { parse: [], repliedUser: false } });
        }
        return;
      }
      for (const attachment of media) {
        const ask = { to: language.code };
        const request = { source: { kind: 'url' as const, url: attachment.url }, fileName: displayName(attachment), ask, key: jobKey(attachment.id, ask) };
        await this.jobs.run(request, user.id, { kind: 'channel', channelId: message.channelId, replyTo: message.id });
      }
    } catch (err) {
      this.logger.error({ err }, 'reaction handling failed');
    }
  }
}
