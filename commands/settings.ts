import { TranslateError } from '../src/errors.js';
import { getLanguage, type LanguageCode } from '../src/languages.js';
import { resolveLanguage } from '../src/plan.js';
import type { Platform, ServerSettings, Store, UserSettings } from '../src/store/types.js';
import { findVoice } from '../src/voices.js';
import type { SlashCommand, TextLine } from './types.js';

/** `/settings` (Discord) and `/translate settings` (Slack): a user's own defaults, and admins' server defaults. */
export const settingsCommand: SlashCommand = {
  name: 'settings',
  description: 'Your translation defaults, and the server\'s (Manage Server)',
  options: [],
};

/** One change a user asks for; the `server-*` ones need an admin. A missing value clears the setting. */
export type SettingsChange =
  | { kind: 'show' }
  | { kind: 'language'; value?: string | undefined }
  | { kind: 'voice'; value?: string | undefined }
  | { kind: 'text-only'; value: boolean }
  | { kind: 'server-language'; value?: string | undefined }
  | { kind: 'server-channel'; channelId: string; enabled: boolean }
  | { kind: 'auto-translate'; channelId: string; languages?: string | undefined };

export interface SettingsContext {
  store: Store;
  platform: Platform;
  serverId: string | undefined;
  userId: string;
  isAdmin: boolean;
  /** How the platform writes a channel mention, e.g. `<#123>`. */
  channelMention(id: string): string;
}

const name = (code: LanguageCode | undefined) => (code ? getLanguage(code).name : 'not set');

/** The settings as a short text a chat reply can show. */
function describeSettings(user: UserSettings, server: ServerSettings | undefined, mention: (id: string) => string): TextLine[] {
  const lines: TextLine[] = [
    { style: 'heading', text: 'Your defaults' },
    { style: 'item', text: `language: ${name(user.target)} · voice: ${user.voice ?? 'not set'} · text only: ${user.textOnly ? 'yes' : 'no'}` },
  ];
  if (server) {
    const auto = Object.entries(server.autoTranslate ?? {}).map(([c, langs]) => `${mention(c)} → ${langs.map((l) => name(l)).join(', ')}`);
    lines.push(
      { style: 'heading', text: 'Server defaults' },
      { style: 'item', text: `language: ${name(server.defaultTarget)}` },
      { style: 'item', text: `works in: ${server.channels?.length ? server.channels.map(mention).join(', ') : 'every channel'}` },
      { style: 'item', text: `auto-translate: ${auto.length ? auto.join('; ') : 'off'}` },
    );
  }
  return lines;
}

const languages = (list: string) => [...new Set(list.split(/[,\s]+/).filter(Boolean).map((l) => resolveLanguage(l, 'target').code))];

/** Applies a change and returns what to tell the user (the new settings). Throws NOT_ALLOWED, UNKNOWN_*. */
export async function applySettings(ctx: SettingsContext, change: SettingsChange): Promise<TextLine[]> {
  const { store, platform, userId } = ctx;
  if (change.kind.startsWith('server-') || change.kind === 'auto-translate') {
    if (!ctx.isAdmin || !ctx.serverId) throw new TranslateError('NOT_ALLOWED');
  }
  const serverId = ctx.serverId ?? '';
  switch (change.kind) {
    case 'show':
      break;
    case 'language':
      await store.settings.setUser(platform, userId, { target: change.value ? resolveLanguage(change.value, 'target').code : undefined });
      break;
    case 'voice': {
      const voice = change.value ? findVoice(change.value) : undefined;
      if (change.value && !voice) throw new TranslateError('UNKNOWN_VOICE');
      await store.settings.setUser(platform, userId, { voice: voice?.name });
      break;
    }
    case 'text-only':
      await store.settings.setUser(platform, userId, { textOnly: change.value || undefined });
      break;
    case 'server-language':
      await store.settings.setServer(platform, serverId, { defaultTarget: change.value ? resolveLanguage(change.value, 'target').code : undefined });
      break;
    case 'server-channel': {
      const current = (await store.settings.getServer(platform, serverId)).channels ?? [];
      const next = change.enabled ? [...new Set([...current, change.channelId])] : current.filter((c) => c !== change.channelId);
      await store.settings.setServer(platform, serverId, { channels: next.length ? next : undefined });
      break;
    }
    case 'auto-translate': {
      const current = { ...((await store.settings.getServer(platform, serverId)).autoTranslate ?? {}) };
      const off = !change.languages || /^(off|none|no)$/i.test(change.languages.trim());
      if (off) delete current[change.channelId];
      else current[change.channelId] = languages(change.languages!);
      await store.settings.setServer(platform, serverId, { autoTranslate: Object.keys(current).length ? current : undefined });
      break;
    }
  }
  const user = await store.settings.getUser(platform, userId);
  const server = ctx.serverId ? await store.settings.getServer(platform, ctx.serverId) : undefined;
  return describeSettings(user, server, ctx.channelMention);
}
