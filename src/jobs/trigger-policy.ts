import { TranslateError, isTranslateError } from '../errors.js';
import { languageFromLocale } from '../languages.js';
import { looksLikeMedia } from '../media/media-file.js';
import { planTranslation, resolveLanguage, type TranslationAsk } from '../plan.js';
import type { Platform, ServerSettings, Store, UserSettings } from '../store/types.js';
import { chooseVoice } from '../voices.js';
import type { TriggerField, TriggerFile } from './trigger.js';

/** The decisions of the trigger pipeline that need no state (see `ChatJobs.trigger` for the order). */

/** A refusal that names the form field it is about (Slack shows it on the modal). */
export class FieldError extends Error {
  constructor(readonly error: TranslateError, readonly field: TriggerField | undefined) {
    super(error.message);
  }
}

/**
 * A store read that must answer soon: settings decide who may do what, so a slow store refuses (fails closed). The
 * refusal must still reach a Discord interaction inside its 3-second window, so the wait is short; a healthy store
 * (SQLite on disk, Redis nearby) answers in milliseconds.
 */
const STORE_DEADLINE_MS = 1_000;

async function readOrRefuse<T>(read: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new TranslateError('STORE_UNAVAILABLE')), STORE_DEADLINE_MS);
  });
  try {
    return await Promise.race([read(), deadline]);
  } catch (err) {
    throw isTranslateError(err) ? err : new TranslateError('STORE_UNAVAILABLE', undefined, { cause: err });
  } finally {
    clearTimeout(timer);
  }
}

/** The server's settings (none in a DM or without a store); a store that cannot be read refuses. */
export function serverSettings(store: Store | undefined, platform: Platform, serverId: string | undefined): Promise<ServerSettings | undefined> {
  if (!store || !serverId) return Promise.resolve(undefined);
  return readOrRefuse(() => store.settings.getServer(platform, serverId));
}

/** The user's saved defaults; preferences are a convenience, so an unreadable store just means none. */
export async function userSettings(store: Store | undefined, platform: Platform, userId: string): Promise<UserSettings> {
  if (!store) return {};
  return readOrRefuse(() => store.settings.getUser(platform, userId)).catch(() => ({}));
}

export function channelAllowed(server: ServerSettings | undefined, channelId: string): boolean {
  const allowed = server?.channels;
  return !allowed || allowed.length === 0 || allowed.includes(channelId);
}

/** The audio and video among a message's files, in order (by declared type, else by name). */
export function mediaOf(files: TriggerFile[]): TriggerFile[] {
  return files.filter((f) => looksLikeMedia(f.contentType, f.name ?? f.label));
}

/** Refuses before any download: no media at all, or a file whose declared size is over the limit. */
export function refuseFiles(media: TriggerFile[], maxBytes: number): void {
  if (media.length === 0) throw new FieldError(new TranslateError('NO_MEDIA'), 'file');
  const big = media.find((f) => (f.size ?? 0) > maxBytes);
  if (big) {
    const limit = `${(maxBytes / 1048576).toFixed(0)} MB`;
    throw new FieldError(new TranslateError('FILE_TOO_LARGE', `(${big.name ?? big.label}: the limit is ${limit})`), 'file');
  }
}

/** "Translate into my language": saved preference → server default → client locale → English. */
export function defaultTargetOf(user: UserSettings, server: ServerSettings | undefined, locale: string | undefined): string {
  return user.target ?? server?.defaultTarget ?? ((locale && languageFromLocale(locale)?.code) || 'en');
}

/**
 * The user's saved voice and text-only choice, where the ask does not say. An explicit "text only: no" overrides
 * the saved choice and means speech where the target can be spoken (chat never refuses a text-only target).
 */
export function withSaved(ask: TranslationAsk, user: UserSettings): TranslationAsk {
  return {
    ...ask,
    voice: ask.voice ?? user.voice,
    textOnly: ask.textOnly === undefined ? (user.textOnly ? true : undefined) : ask.textOnly || undefined,
  };
}

/** Validates an ask the way the job will (chat: a voice that cannot speak the target is replaced, not refused), naming the field at fault. */
export function validateAsk(ask: TranslationAsk): void {
  const at = (field: TriggerField, check: () => unknown) => {
    try {
      check();
    } catch (err) {
      throw new FieldError(err as TranslateError, field);
    }
  };
  at('to', () => resolveLanguage(ask.to, 'target'));
  if (ask.from) at('from', () => resolveLanguage(ask.from!, 'source'));
  if (ask.voice) at('voice', () => chooseVoice(resolveLanguage(ask.to, 'target').code, ask.voice));
  at(ask.from ? 'from' : 'to', () => planTranslation(ask, { strict: false }));
}
