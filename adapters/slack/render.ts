import type { TextLine } from '../../commands/types.js';
import type { TriggerNotice } from '../../src/jobs/trigger-notice.js';
import type { ReplyHeader } from '../../src/jobs/types.js';
import { clip, layoutReply, type ClosingLine, type LaidOutHeader, type ReplyLayout } from '../../src/reply/layout.js';
import type { ReplyView } from '../../src/reply/types.js';

/** Slack's limits: a section block's text (3,000) bounds what one message of a reply may hold. */
export const TEXT_LIMIT = 2_600;

/**
 * Text that is not ours (model output, file names, error details) as inert mrkdwn: `&`, `<` and `>` escaped as
 * Slack requires, so `<!channel>`, `<@U…>` or `<https://evil|label>` show as typed and never mention or link.
 */
export const escapeMrkdwn = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The same for `markdown_text` (chat.startStream / appendStream / stopStream), which is Markdown, not mrkdwn: there
 * `[label](https://evil)` is a disguised link, so brackets are backslash-escaped too (shown as typed). Per character,
 * so a streamed delta escapes to what the escaped whole adds.
 */
export const escapeMarkdownText = (s: string): string => escapeMrkdwn(s).replace(/[[\]]/g, '\\$&');

/** A file name in inline code: a backtick cannot close the span. */
const code = (s: string) => `\`${escapeMrkdwn(s).replace(/`/g, 'ˋ')}\``;

/** The header as Slack mrkdwn lines. */
export function headerText(header: LaidOutHeader | 'pending'): string {
  if (header === 'pending') return '*Translating…*';
  const top = [`*${header.languages}*`, header.voice && `:speaking_head_in_silhouette: ${header.voice}`, header.fileName && code(header.fileName)];
  return [top.filter(Boolean).join(' · '), ...header.notices.map((n) => `_:information_source: ${escapeMrkdwn(n)}_`)].join('\n');
}

const CLOSING: Record<ClosingLine['kind'], (t: string) => string> = {
  warning: (t) => `:warning: ${t}`, footer: (t) => `_${t}_`, cancelled: (t) => `:heavy_multiplication_x: ${t}`,
};

/** How a reply ended, as the closing line(s). */
export const closingText = (layout: ReplyLayout, escape = escapeMrkdwn): string => layout.closing.map((l) => CLOSING[l.kind](escape(l.text))).join('\n');

/** What a message shows before its status and closing lines: the header (or "continued"), then the text. */
export function bodyText(layout: ReplyLayout, separator: string, escape = escapeMrkdwn): string {
  const top = layout.header ? headerText(layout.header) : layout.continuation ? '_(continued)_' : '';
  return [top, escape(layout.text)].filter(Boolean).join(separator);
}

interface Button { type: 'button'; action_id: string; text: { type: 'plain_text'; text: string }; style?: 'primary' }

/** The status line: in progress, continued in the next message, or the rest in the attached file. */
export function statusText(layout: ReplyLayout): string {
  if (layout.status === 'working') return `:hourglass_flowing_sand: _translating…_${layout.progress ? ` · ${layout.progress}` : ''}`;
  if (layout.status === 'continued') return '_continued below_';
  if (layout.status === 'in-file') return '_the rest is in translation.txt below_';
  return '';
}

/** What follows the text: the status line, then how the reply ended. */
export const endingText = (layout: ReplyLayout, escape = escapeMrkdwn): string => [statusText(layout), closingText(layout, escape)].filter(Boolean).join('\n');

/** The layout's buttons as an actions block (none: undefined). */
export function actionsBlock(layout: ReplyLayout): object | undefined {
  const buttons: Button[] = layout.buttons.map((b) => ({
    type: 'button', action_id: b.id, text: { type: 'plain_text', text: b.label }, ...(b.primary ? { style: 'primary' as const } : {}),
  }));
  return buttons.length ? { type: 'actions', elements: buttons } : undefined;
}

/** One reply message for chat.postMessage / chat.update: mrkdwn text plus a section block and the buttons. */
export function renderLayout(layout: ReplyLayout): { text: string; blocks: object[] } {
  const text = clip([bodyText(layout, '\n'), endingText(layout)].filter(Boolean).join('\n'), 3_000);
  const actions = actionsBlock(layout);
  return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, ...(actions ? [actions] : [])] };
}

export const renderMessage = (view: ReplyView, header: ReplyHeader | undefined, jobId: string) => renderLayout(layoutReply(view, header, jobId));

/** A trigger's notice (see `triggerNotice`) as Slack mrkdwn. */
export const renderNotice = (notice: TriggerNotice): string => `${notice.warning ? ':warning: ' : ''}${escapeMrkdwn(notice.text)}`;

/** Structured command output (settings, usage) in Slack mrkdwn. */
export function renderLines(lines: TextLine[]): string {
  return lines.map((l) => {
    const text = l.text;
    return l.style === 'heading' ? `*${text}*` : l.style === 'item' ? `• ${text}` : l.style === 'note' ? `_${text}_` : text;
  }).join('\n');
}
