// What Slack accepts as message content: text limits, Block Kit limits, and the errors it answers otherwise.
//
//   chat.postMessage / chat.postEphemeral: text over 40 000 characters is truncated (documented), not refused.
//   chat.update: text over 4 000 characters → msg_too_long (the method's documented error).
//   markdown_text: 12 000 characters (documented limit); over it → msg_too_long (error name is our GUESS);
//                  with text or blocks → markdown_text_conflict.
//   nothing to show → no_text. blocks not a JSON array → invalid_blocks_format.
//   Block Kit: ≤ 50 blocks in a message (100 in a view); section text ≤ 3 000, fields ≤ 10 × 2 000; header
//   ≤ 150; context ≤ 10 elements; actions ≤ 25 elements; button text ≤ 75, value ≤ 2 000; action_id and
//   block_id ≤ 255 and unique → otherwise invalid_blocks with `[ERROR] … [json-pointer:/blocks/i/…]` messages.

import { fail, str, type ApiResult, type Args } from './context.js';

export const LIMITS = {
  postTextTruncateAt: 40_000,
  updateText: 4_000,
  markdownText: 12_000,
  messageBlocks: 50,
  viewBlocks: 100,
  sectionText: 3_000,
  sectionFields: 10,
  fieldText: 2_000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2_000,
  id: 255,
} as const;

const KNOWN_BLOCKS = new Set(['section', 'divider', 'image', 'actions', 'context', 'input', 'file', 'header', 'video', 'rich_text', 'markdown', 'table', 'context_actions']);

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function textLength(t: unknown): number | undefined {
  return isObj(t) && typeof t['text'] === 'string' ? t['text'].length : undefined;
}

/** Block Kit errors as Slack words them, empty when valid. */
export function blockErrors(blocks: unknown[], maxBlocks: number): string[] {
  const errs: string[] = [];
  if (blocks.length > maxBlocks) errs.push(`no more than ${maxBlocks} items allowed [json-pointer:/blocks]`);
  const blockIds = new Set<string>();
  blocks.forEach((b, i) => {
    const at = `/blocks/${i}`;
    if (!isObj(b) || typeof b['type'] !== 'string' || !KNOWN_BLOCKS.has(b['type'])) {
      errs.push(`unsupported type: ${isObj(b) ? String(b['type']) : typeof b} [json-pointer:${at}/type]`);
      return;
    }
    const id = b['block_id'];
    if (typeof id === 'string') {
      if (id.length > LIMITS.id) errs.push(`must be less than ${LIMITS.id + 1} characters [json-pointer:${at}/block_id]`);
      if (blockIds.has(id)) errs.push(`duplicate block_id [json-pointer:${at}/block_id]`);
      blockIds.add(id);
    }
    const tooLong = (len: number | undefined, max: number, ptr: string) => {
      if (len !== undefined && len > max) errs.push(`must be less than ${max + 1} characters [json-pointer:${at}${ptr}]`);
    };
    switch (b['type']) {
      case 'section': {
        const fields = b['fields'];
        if (b['text'] === undefined && !Array.isArray(fields)) errs.push(`must provide text or fields [json-pointer:${at}]`);
        tooLong(textLength(b['text']), LIMITS.sectionText, '/text/text');
        if (Array.isArray(fields)) {
          if (fields.length > LIMITS.sectionFields) errs.push(`no more than ${LIMITS.sectionFields} items allowed [json-pointer:${at}/fields]`);
          fields.forEach((f, j) => tooLong(textLength(f), LIMITS.fieldText, `/fields/${j}/text`));
        }
        break;
      }
      case 'header':
        if (!isObj(b['text']) || b['text']['type'] !== 'plain_text') errs.push(`must be a plain_text object [json-pointer:${at}/text]`);
        tooLong(textLength(b['text']), LIMITS.headerText, '/text/text');
        break;
      case 'context':
        if (!Array.isArray(b['elements']) || b['elements'].length === 0) errs.push(`must provide elements [json-pointer:${at}/elements]`);
        else if (b['elements'].length > LIMITS.contextElements) errs.push(`no more than ${LIMITS.contextElements} items allowed [json-pointer:${at}/elements]`);
        break;
      case 'actions': {
        const els = b['elements'];
        if (!Array.isArray(els) || els.length === 0) {
          errs.push(`must provide elements [json-pointer:${at}/elements]`);
          break;
        }
        if (els.length > LIMITS.actionsElements) errs.push(`no more than ${LIMITS.actionsElements} items allowed [json-pointer:${at}/elements]`);
        const actionIds = new Set<string>();
        els.forEach((e, j) => {
          if (!isObj(e)) return;
          const aid = e['action_id'];
          if (typeof aid === 'string') {
            if (actionIds.has(aid)) errs.push(`duplicate action_id [json-pointer:${at}/elements/${j}/action_id]`);
            actionIds.add(aid);
            tooLong(aid.length, LIMITS.id, `/elements/${j}/action_id`);
          }
          if (e['type'] === 'button') {
            tooLong(textLength(e['text']), LIMITS.buttonText, `/elements/${j}/text/text`);
            tooLong(typeof e['value'] === 'string' ? e['value'].length : undefined, LIMITS.buttonValue, `/elements/${j}/value`);
          }
        });
        break;
      }
      case 'markdown':
        tooLong(typeof b['text'] === 'string' ? b['text'].length : undefined, LIMITS.markdownText, '/text');
        break;
      default:
        break;
    }
  });
  return errs;
}

export const invalidBlocks = (errs: string[]): ApiResult =>
  fail('invalid_blocks', { response_metadata: { messages: errs.map((e) => `[ERROR] ${e}`) } });

export interface Content {
  text: string;
  blocks?: unknown[];
  truncated?: boolean;
  /** Set when the message was given as markdown_text. */
  markdown?: boolean;
}

/** Validates text / blocks / markdown_text / attachments for posting (`'post'`) or editing (`'update'`). */
export function messageContent(args: Args, mode: 'post' | 'update'): Content | ApiResult {
  const text = str(args['text']);
  const markdown = str(args['markdown_text']);
  const rawBlocks = args['blocks'];
  const attachments = args['attachments'];
  if (markdown !== undefined && markdown !== '') {
    if ((text !== undefined && text !== '') || rawBlocks !== undefined) return fail('markdown_text_conflict');
    if (markdown.length > LIMITS.markdownText) return fail('msg_too_long');
    return { text: markdown, markdown: true };
  }
  let blocks: unknown[] | undefined;
  if (rawBlocks !== undefined && rawBlocks !== '') {
    if (!Array.isArray(rawBlocks)) return fail('invalid_blocks_format');
    const errs = blockErrors(rawBlocks, LIMITS.messageBlocks);
    if (errs.length) return invalidBlocks(errs);
    blocks = rawBlocks;
  }
  const hasAttachments = Array.isArray(attachments) && attachments.length > 0;
  if ((text === undefined || text === '') && !blocks?.length && !hasAttachments) return fail('no_text');
  let shown = text ?? '';
  let truncated = false;
  if (mode === 'update' && shown.length > LIMITS.updateText) return fail('msg_too_long');
  if (mode === 'post' && shown.length > LIMITS.postTextTruncateAt) {
    shown = shown.slice(0, LIMITS.postTextTruncateAt);
    truncated = true;
  }
  return { text: shown, ...(blocks ? { blocks } : {}), ...(truncated ? { truncated } : {}) };
}

export const isApiResult = (v: unknown): v is ApiResult => isObj(v) && typeof v['ok'] === 'boolean';
