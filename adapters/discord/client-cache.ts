import { Options, type ClientOptions, type User } from 'discord.js';

/** Messages kept per channel: a reaction on one of them needs no fetch; any other is fetched (partials are on). */
export const CACHED_MESSAGES_PER_CHANNEL = 10;
/** Cached messages older than this are swept, every 5 minutes. */
export const MESSAGE_LIFETIME_S = 15 * 60;

/**
 * discord.js caches every message, user and member it sees unless told otherwise, so its memory grows with traffic.
 * The bot reads nothing from those caches (it fetches a partial message, and replies through REST), so each is kept
 * small: a few messages per channel swept after 15 minutes, members only the bot's own, and users swept hourly (the
 * bot's own user stays).
 */
export function clientCacheOptions(): Pick<ClientOptions, 'makeCache' | 'sweepers'> {
  return {
    makeCache: Options.cacheWithLimits({
      ...Options.DefaultMakeCacheSettings,
      MessageManager: CACHED_MESSAGES_PER_CHANNEL,
      GuildMemberManager: { maxSize: 0, keepOverLimit: (member) => member.id === member.client.user.id },
    }),
    sweepers: {
      ...Options.DefaultSweeperSettings,
      messages: { interval: 5 * 60, lifetime: MESSAGE_LIFETIME_S },
      users: { interval: 60 * 60, filter: () => (user: User) => user.id !== user.client.user.id },
    },
  };
}
