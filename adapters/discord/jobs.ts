import type { REST } from 'discord.js';
import { systemClock } from '../../src/clock.js';
import { ChatJobs } from '../../src/jobs/chat-jobs.js';
import type { Logger } from '../../src/logger.js';
import { platformHostsFetch } from '../../src/media/url-policy.js';
import { EDIT_LIMITS } from '../../src/reply/edit-budget.js';
import { platformJobOptions, type BotOptions } from '../bot-options.js';
import { DiscordReplySurface, webhookRest, WireWatch, type ReplyPlace } from './reply-surface.js';

/** Where Discord serves attachments (and, for an emulator or proxy, the REST host itself). */
function discordFileHosts(apiUrl: string): string[] {
  return ['cdn.discordapp.com', 'media.discordapp.net', new URL(apiUrl).host];
}

/**
 * Discord's chat jobs over a REST client: what the gateway bot (role `all` or `gateway`) and a REST-only worker
 * (role `worker`, no gateway connection) share. Replies are written with `rest` alone.
 */
export function discordChatJobs(options: BotOptions & { apiUrl: string }, rest: REST, log: Logger): ChatJobs<ReplyPlace> {
  const clock = options.clock ?? systemClock;
  // interaction webhook routes outside the bot's global limit, as Discord counts them (see `webhookRest`)
  const wire = new WireWatch();
  const webhooks = webhookRest(options.apiUrl, wire);
  webhooks.on('rateLimited', () => options.metrics?.rateLimited('discord'));
  return new ChatJobs<ReplyPlace>({
    ...platformJobOptions(options, 'discord', platformHostsFetch(discordFileHosts(options.apiUrl)), log),
    limits: EDIT_LIMITS.discordChannel,
    surfaceFor: (place, jobId) => new DiscordReplySurface(rest, place, jobId, clock, webhooks, wire),
    // Discord limits edits per channel (bot token) and per interaction webhook
    scopeOf: (place) => (place.kind === 'interaction' ? `webhook:${place.token.slice(-16)}` : `channel:${place.channelId}`),
  });
}
