import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import type { TriggerNotice } from '../../src/jobs/trigger-notice.js';
import type { ReplyHeader } from '../../src/jobs/types.js';
import { clip, layoutReply, type LaidOutHeader, type ReplyLayout } from '../../src/reply/layout.js';
import type { ReplyView } from '../../src/reply/types.js';
import type { TextLine } from '../../commands/types.js';

/** Discord's content limit, and the share of it the translated text may take (the rest is header/marker/footer). */
export const CONTENT_LIMIT = 2000;
export const TEXT_LIMIT = 1500;

export interface DiscordPayload {
  content: string;
  components: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions: { parse: [] };
}

/**
 * Text that is not ours (model output, error details): Discord renders `[label](https://evil)` as a disguised link
 * even in a bot's message, so brackets are backslash-escaped and show as typed. Mentions never ping
 * (`allowed_mentions`).
 */
export const inertText = (s: string): string => s.replace(/[[\]]/g, '\\$&');

/** A user's file name inside inline code: backticks cannot close the span. */
const code = (s: string) => `\`${s.replace(/`/g, 'ˋ')}\``;

function headerLines(header: LaidOutHeader | 'pending'): string[] {
  if (header === 'pending') return ['**Translating…**'];
  const top = [`**${header.languages}**`, header.voice && `🗣️ ${header.voice}`, header.fileName && code(header.fileName)];
  return [top.filter(Boolean).join(' · '), ...header.notices.map((n) => `-# ℹ️ ${n}`)];
}

const CLOSING = { warning: '⚠️ ', footer: '-# ', cancelled: '✖️ ' } as const;

/** A reply layout (see `layoutReply`) in Discord markdown with buttons; mentions never ping (`allowed_mentions`). */
export function renderLayout(layout: ReplyLayout): DiscordPayload {
  const lines = layout.header ? headerLines(layout.header) : layout.continuation ? ['-# (continued)'] : [];
  if (layout.text) lines.push(inertText(layout.text));
  if (layout.status === 'working') lines.push(`⏳ *translating…*${layout.progress ? ` · ${layout.progress}` : ''}`);
  else if (layout.status === 'continued') lines.push('-# ⤵ continued below');
  else if (layout.status === 'in-file') lines.push('-# ⤵ the rest is in translation.txt below');
  for (const line of layout.closing) lines.push(`${CLOSING[line.kind]}${inertText(line.text)}`);
  const buttons: APIButtonComponent[] = layout.buttons.map((b) => ({
    type: ComponentType.Button, custom_id: b.id, label: b.label, style: b.primary ? ButtonStyle.Primary : ButtonStyle.Secondary,
  }));
  return {
    content: clip(lines.join('\n'), CONTENT_LIMIT),
    components: buttons.length ? [{ type: ComponentType.ActionRow, components: buttons }] : [],
    allowed_mentions: { parse: [] },
  };
}

export const renderView = (view: ReplyView, header: ReplyHeader | undefined, jobId: string): DiscordPayload =>
  renderLayout(layoutReply(view, header, jobId));

/** Structured command output (settings, usage) in Discord markdown. */
/** A trigger's notice (see `triggerNotice`) as Discord text. */
export const renderNotice = (notice: TriggerNotice): string => (notice.warning ? `⚠️ ${notice.text}` : notice.text);

export function renderLines(lines: TextLine[]): string {
  return lines.map((l) => (l.style === 'heading' ? `**${l.text}**` : l.style === 'item' ? `• ${l.text}` : l.style === 'note' ? `-# ${l.text}` : l.text)).join('\n');
}
