import { userMessage } from '../../src/errors.js';
import { NOTICES } from '../../src/jobs/notices.js';
import type { ReplyHeader } from '../../src/jobs/types.js';
import type { ReplyOutcome, ReplyView } from '../../src/reply/types.js';

/** Slack's limits: a section block's text (3,000) bounds what one message of a reply may hold. */
export const TEXT_LIMIT = 2_600;

export const actionId = {
  cancel: (jobId: string) => `lt:cancel:${jobId}`,
  retry: (jobId: string) => `lt:retry:${jobId}`,
};

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);

/** The header as Slack mrkdwn lines. */
export function headerText(header: ReplyHeader | undefined): string {
  if (!header) return '*Translating…*';
  const top = [`*${header.languages}*`, header.voice && `:speaking_head_in_silhouette: ${header.voice}`, header.fileName && `\`${clip(header.fileName, 60)}\``];
  return [top.filter(Boolean).join(' · '), ...header.notices.map((n) => `_:information_source: ${clip(n, 150)}_`)].join('\n');
}

/** How a reply ended, as the closing line(s). */
export function endingText(outcome: ReplyOutcome | undefined): string {
  if (!outcome) return '';
  if (outcome.status === 'cancelled') return `:heavy_multiplication_x: ${NOTICES.cancelled}`;
  if (outcome.status === 'failed') return `:warning: ${clip(userMessage(outcome.error), 300)}`;
  const lines: string[] = [];
  if (outcome.truncated) lines.push(`:warning: ${NOTICES.truncated}`);
  if (outcome.footer) lines.push(`_${outcome.footer}_`);
  return lines.join('\n');
}

interface Button { type: 'button'; action_id: string; text: { type: 'plain_text'; text: string }; style?: 'primary' }

/** One reply message for chat.postMessage / chat.update: mrkdwn text plus a section block and the buttons. */
export function renderMessage(view: ReplyView, header: ReplyHeader | undefined, jobId: string): { text: string; blocks: object[] } {
  const lines = [view.part === 0 ? headerText(header) : '_(continued)_'];
  if (view.text) lines.push(view.text);
  const buttons: Button[] = [];
  if (!view.final) {
    lines.push(':hourglass_flowing_sand: _translating…_');
    buttons.push({ type: 'button', action_id: actionId.cancel(jobId), text: { type: 'plain_text', text: 'Cancel' } });
  } else if (view.continued) {
    lines.push('_continued below_');
  }
  const ending = endingText(view.outcome);
  if (ending) lines.push(ending);
  if (view.outcome?.status === 'failed' && view.outcome.error.retryable) {
    buttons.push({ type: 'button', action_id: actionId.retry(jobId), text: { type: 'plain_text', text: 'Retry' }, style: 'primary' });
  }
  const text = clip(lines.join('\n'), 3_000);
  const blocks: object[] = [{ type: 'section', text: { type: 'mrkdwn', text } }];
  if (buttons.length) blocks.push({ type: 'actions', elements: buttons });
  return { text, blocks };
}
