import type { SettingsChange } from '../../commands/settings.js';

/** A channel as Slack writes it in command text: `<#C123|name>` or `<#C123>`, or a bare id. */
const channelId = (word: string | undefined) => /^<#([A-Z0-9]+)(?:\|[^>]*)?>$/.exec(word ?? '')?.[1] ?? word ?? '';
const onOff = (word: string | undefined) => /^(on|yes|true|1)$/i.test(word ?? '');

/**
 * `/translate settings …` as text, Slack's equivalent of Discord's /settings subcommands:
 * `language <lang|clear>`, `voice <name|clear>`, `text-only on|off`, and for admins `server-language <lang|clear>`,
 * `channel #chan on|off`, `auto-translate #chan <languages|off>`. Nothing (or anything else) shows the settings.
 */
export function slackSettingsChange(args: string[]): SettingsChange {
  const [what, a, ...rest] = args;
  const value = (w: string | undefined) => (w && !/^(clear|none|off)$/i.test(w) ? w : undefined);
  switch (what) {
    case 'language': return { kind: 'language', value: value(a) };
    case 'voice': return { kind: 'voice', value: value(a) };
    case 'text-only': return { kind: 'text-only', value: onOff(a) };
    case 'server-language': return { kind: 'server-language', value: value(a) };
    case 'channel': return { kind: 'server-channel', channelId: channelId(a), enabled: onOff(rest[0]) };
    case 'auto-translate': return { kind: 'auto-translate', channelId: channelId(a), languages: rest.join(' ') || 'off' };
    default: return { kind: 'show' };
  }
}
