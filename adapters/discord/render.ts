import { ButtonStyle, ComponentType, type APIActionRowComponent, type APIButtonComponent } from 'discord.js';
import { userMessage } from '../../src/errors.js';
import { NOTICES } from '../../src/jobs/notices.js';
import type { ReplyHeader } from '../../src/jobs/types.js';
import type { ReplyView } from '../../src/reply/types.js';

/** Discord's content limit, and the share of it the translated text may take (the rest is header/marker/footer). */
export const CONTENT_LIMIT = 2000;
export const TEXT_LIMIT = 1500;

export const customId = {
  cancel: (jobId: string) => `lt:cancel:${jobId}`,
  retry: (jobId: string) => `lt:retry:${jobId}`,
  pickLanguage: (messageId: string) => `lt:to:${messageId}`,
};

export interface DiscordPayload {
  content: string;
  components: APIActionRowComponent<APIButtonComponent>[];
  allowed_mentions: { parse: [] };
}

const button = (id: string, label: string, style: ButtonStyle.Primary | ButtonStyle.Secondary): APIButtonComponent =>
  ({ type: ComponentType.Button, custom_id: id, label, style });

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

function headerLines(header: ReplyHeader | undefined): string[] {
  if (!header) return ['**Translating…**'];
  const top = [`**${header.languages}**`, header.voice && `🗣️ ${header.voice}`, header.fileName && `\`${clip(header.fileName, 60)}\``];
  return [top.filter(Boolean).join(' · '), ...header.notices.map((n) => `-# ℹ️ ${clip(n, 150)}`)];
}

/**
 * One reply message as Discord shows it: the header on the first part, the text, then an in-progress marker with a
 * Cancel button while it streams, or how it ended (footer, truncation, error with Retry when that can help).
 */
export function renderView(view: ReplyView, header: ReplyHeader | undefined, jobId: string): DiscordPayload {
  const lines: string[] = view.part === 0 ? headerLines(header) : ['-# (continued)'];
  if (view.text) lines.push(view.text);
  const rows: APIButtonComponent[] = [];
  if (!view.final) {
    lines.push('⏳ *translating…*');
    rows.push(button(customId.cancel(jobId), 'Cancel', ButtonStyle.Secondary));
  } else if (view.continued) {
    lines.push('-# ⤵ continued below');
  }
  const outcome = view.outcome;
  if (outcome?.status === 'done') {
    if (outcome.truncated) lines.push(`⚠️ ${NOTICES.truncated}`);
    if (outcome.footer) lines.push(`-# ${outcome.footer}`);
  } else if (outcome?.status === 'failed') {
    lines.push(`⚠️ ${clip(userMessage(outcome.error), 300)}`);
    if (outcome.error.retryable) rows.push(button(customId.retry(jobId), 'Retry', ButtonStyle.Primary));
  } else if (outcome?.status === 'cancelled') {
    lines.push(`✖️ ${NOTICES.cancelled}`);
  }
  return {
    content: clip(lines.join('\n'), CONTENT_LIMIT),
    components: rows.length ? [{ type: ComponentType.ActionRow, components: rows }] : [],
    allowed_mentions: { parse: [] },
  };
}
