import type { types } from '@slack/bolt';
import { languageChoices } from '../../commands/translate.js';
import { voiceChoices } from '../../commands/voices.js';
import type { TriggerField } from '../../src/jobs/trigger.js';
import type { TranslationAsk } from '../../src/plan.js';

/** Where a modal's result goes, carried in the view's private_metadata. */
export interface ModalTarget {
  channelId: string;
  /** For "Translate to…": the message whose files are translated (its thread is read from the message). */
  messageTs?: string;
}

export const MODAL_CALLBACK = 'translate_modal';

/**
 * The modal block a refused field is shown on, if the modal has it: the file input exists only in /translate's
 * modal (a "Translate to…" modal, which has `messageTs`, translates its message's files).
 */
export function modalBlock(field: TriggerField | undefined, target: ModalTarget): string | undefined {
  if (field === 'file') return target.messageTs ? undefined : 'file';
  return field;
}
const MEDIA_TYPES = ['mp3', 'wav', 'm4a', 'mp4', 'ogg', 'webm', 'aac', 'amr', '3gp', 'flac', 'mov', 'opus'];

const option = (c: { name: string; value: string }) => ({ text: { type: 'plain_text', text: c.name.slice(0, 75) }, value: c.value });

function select(block: string, label: string, options: { name: string; value: string }[], initial?: string, optional = false) {
  const init = options.find((o) => o.value === initial);
  return {
    type: 'input', block_id: block, optional, label: { type: 'plain_text', text: label },
    element: { type: 'static_select', action_id: block, options: options.map(option), ...(init ? { initial_option: option(init) } : {}) },
  };
}

/** The translate modal: a file input (for /translate) and the same choices as Discord's command. */
export function translateModal(target: ModalTarget, defaultTo: string, withFile: boolean): types.ModalView {
  const blocks: object[] = [];
  if (withFile) {
    blocks.push({
      type: 'input', block_id: 'file', label: { type: 'plain_text', text: 'Voice note, audio or video' },
      element: { type: 'file_input', action_id: 'file', filetypes: MEDIA_TYPES, max_files: 1 },
    });
  }
  blocks.push(
    select('to', 'Translate into', languageChoices(''), defaultTo),
    select('from', 'Spoken language (empty: detect it)', languageChoices(''), undefined, true),
    select('voice', 'Voice', voiceChoices(''), undefined, true),
    {
      type: 'input', block_id: 'options', optional: true, label: { type: 'plain_text', text: 'Options' },
      element: { type: 'checkboxes', action_id: 'options', options: [
        { text: { type: 'plain_text', text: 'Text only (no audio)' }, value: 'text_only' },
        { text: { type: 'plain_text', text: 'Audio only (a video without its pictures: cheaper)' }, value: 'audio_only' },
      ] },
    },
  );
  // the block literals above follow Block Kit; one cast here instead of typing every element
  return {
    type: 'modal', callback_id: MODAL_CALLBACK, private_metadata: JSON.stringify(target),
    title: { type: 'plain_text', text: 'Translate' }, submit: { type: 'plain_text', text: 'Translate' },
    close: { type: 'plain_text', text: 'Cancel' }, blocks: blocks as types.ModalView['blocks'],
  };
}

/** `view.state.values` of a submission: the fields this modal reads. */
type Values = Record<string, Record<string, { selected_option?: { value: string } | null; selected_options?: { value: string }[]; files?: unknown[] }>>;

export interface SlackFile {
  id: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  subtype?: string;
}

/** What the user chose in the modal. */
export function readModal(values: Values): { ask: TranslationAsk; files: SlackFile[] } {
  const pick = (block: string) => values[block]?.[block]?.selected_option?.value;
  const ask: TranslationAsk = {
    to: pick('to') ?? 'en',
    from: pick('from'),
    voice: pick('voice'),
    textOnly: values.options?.options?.selected_options?.some((o) => o.value === 'text_only') ? true : undefined,
    audioOnly: values.options?.options?.selected_options?.some((o) => o.value === 'audio_only') ? true : undefined,
  };
  return { ask, files: (values.file?.file?.files ?? []) as SlackFile[] };
}
