import type { Message } from 'discord.js';
import { discordRequest, mediaAttachments } from './attachments.js';
import type { DiscordContext } from './context.js';

/**
 * Auto-translate channels (set with `/settings auto-translate`): every voice note or audio/video file posted there is
 * translated into the configured languages, as replies to it — nobody has to click anything. Other people's
 * attachments are only visible with the Message Content intent.
 */
export async function autoTranslate(ctx: DiscordContext, message: Message): Promise<void> {
  if (message.author.bot || !message.guildId || !ctx.store) return;
  try {
    const media = mediaAttachments(message.attachments);
    if (media.length === 0) return;
    const server = await ctx.store.settings.getServer('discord', message.guildId);
    const languages = server.autoTranslate?.[message.channelId] ?? [];
    const scope = { platform: 'discord' as const, serverId: message.guildId, userId: message.author.id };
    for (const to of languages) {
      for (const attachment of media) {
        await ctx.jobs.run(discordRequest(attachment, { to }, scope, 'auto'), message.author.id, { kind: 'channel', channelId: message.channelId, replyTo: message.id });
      }
    }
  } catch (err) {
    ctx.logger.error({ err }, 'auto-translate failed');
  }
}
