import { TranslateError } from '../errors.js';
import { languageFromLocale } from '../languages.js';
import type { Platform, Store } from '../store/types.js';

/**
 * The language a "translate into my language" trigger (Discord's Translate menu, Slack's Translate shortcut) goes
 * into: the user's saved preference, else the server/workspace default, else the user's client locale, else English.
 */
export async function defaultTarget(
  store: Store | undefined, platform: Platform, serverId: string | undefined, userId: string, locale: string | undefined,
): Promise<string> {
  const user = store ? await store.settings.getUser(platform, userId).catch(() => ({ target: undefined })) : undefined;
  if (user?.target) return user.target;
  const server = store && serverId ? await store.settings.getServer(platform, serverId).catch(() => ({ defaultTarget: undefined })) : undefined;
  if (server?.defaultTarget) return server.defaultTarget;
  return (locale && languageFromLocale(locale)?.code) || 'en';
}

/** Refuses a trigger in a channel outside the server's allow-list (when it has one). */
export async function checkChannel(store: Store | undefined, platform: Platform, serverId: string | undefined, channelId: string): Promise<void> {
  if (!store || !serverId) return;
  const server = await store.settings.getServer(platform, serverId).catch(() => undefined);
  const allowed = server?.channels;
  if (allowed && allowed.length > 0 && !allowed.includes(channelId)) throw new TranslateError('CHANNEL_NOT_ALLOWED');
}
