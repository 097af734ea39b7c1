// view.state.values for a view_submission: what the user entered, in the shape Slack gives per element type.
// file_input → {type:'file_input', files:[full file objects]} (the bot may read those files);
// static_select / radio_buttons → selected_option {text, value} found among the element's options;
// checkboxes / multi_static_select → selected_options; text inputs → value; pickers → selected_*.
// Input blocks left empty appear with null / [] values; a required (non-optional) one left empty is refused
// here, as the Slack client would not let the user submit.

import { fileObject } from './api-objects.js';
import type { Ctx } from './context.js';
import type { FileSpec, SubmissionValue } from './types.js';
import type { UserState, ViewState } from './world.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function options(el: Obj): Obj[] {
  const direct = Array.isArray(el['options']) ? (el['options'] as Obj[]) : [];
  const groups = Array.isArray(el['option_groups']) ? (el['option_groups'] as Obj[]).flatMap((g) => (Array.isArray(g['options']) ? (g['options'] as Obj[]) : [])) : [];
  return [...direct, ...groups];
}

function option(el: Obj, value: string, where: string): Obj {
  const o = options(el).find((x) => x['value'] === value);
  if (!o) throw new Error(`${where}: no option with value ${JSON.stringify(value)}`);
  return { text: o['text'], value: o['value'] };
}

function emptyValue(type: string): Obj {
  if (type === 'file_input') return { type, files: [] };
  if (['checkboxes', 'multi_static_select', 'multi_users_select', 'multi_conversations_select', 'multi_channels_select'].includes(type)) return { type, selected_options: [] };
  if (['static_select', 'external_select', 'radio_buttons'].includes(type)) return { type, selected_option: null };
  if (type === 'users_select') return { type, selected_user: null };
  if (type === 'conversations_select') return { type, selected_conversation: null };
  if (type === 'channels_select') return { type, selected_channel: null };
  if (type === 'datepicker') return { type, selected_date: null };
  if (type === 'timepicker') return { type, selected_time: null };
  return { type, value: null };
}

function valueFor(ctx: Ctx, user: UserState, el: Obj, given: SubmissionValue, where: string): Obj {
  const type = String(el['type']);
  const list = Array.isArray(given) ? given : [given];
  switch (type) {
    case 'file_input': {
      const files = list.map((f) => {
        const state = typeof f === 'string' ? ctx.world.files.get(f) : ctx.world.addFile(f as FileSpec, user.id);
        if (!state) throw new Error(`${where}: unknown file ${String(f)}`);
        state.grantedToBot = true;
        return fileObject(ctx, state);
      });
      return { type, files };
    }
    case 'static_select':
    case 'external_select':
    case 'radio_buttons':
      return { type, selected_option: option(el, String(list[0]), where) };
    case 'checkboxes':
    case 'multi_static_select':
      return { type, selected_options: list.map((v) => option(el, String(v), where)) };
    case 'users_select':
      return { type, selected_user: String(list[0]) };
    case 'conversations_select':
      return { type, selected_conversation: String(list[0]) };
    case 'channels_select':
      return { type, selected_channel: String(list[0]) };
    case 'datepicker':
      return { type, selected_date: String(list[0]) };
    case 'timepicker':
      return { type, selected_time: String(list[0]) };
    default:
      return isObj(given) ? { type, ...given } : { type, value: String(given) };
  }
}

/** Builds state.values for the view from the test's values (block_id → action_id → value). */
export function stateValues(
  ctx: Ctx,
  view: ViewState,
  user: UserState,
  values: Record<string, Record<string, SubmissionValue>>,
): Record<string, Record<string, Obj>> {
  const blocks = (Array.isArray(view.view['blocks']) ? view.view['blocks'] : []) as Obj[];
  const out: Record<string, Record<string, Obj>> = {};
  const elementsOf = (b: Obj): Obj[] =>
    [b['element'], b['accessory'], ...(Array.isArray(b['elements']) ? b['elements'] : [])].filter(isObj);
  for (const b of blocks) {
    const blockId = typeof b['block_id'] === 'string' ? b['block_id'] : undefined;
    if (!blockId) continue;
    for (const el of elementsOf(b)) {
      const actionId = typeof el['action_id'] === 'string' ? el['action_id'] : undefined;
      if (!actionId) continue;
      const given = values[blockId]?.[actionId];
      const where = `view ${view.id} ${blockId}.${actionId}`;
      if (given === undefined) {
        if (b['type'] !== 'input') continue;
        if (b['optional'] !== true) throw new Error(`${where}: required input left empty (Slack would not submit)`);
        (out[blockId] ??= {})[actionId] = emptyValue(String(el['type']));
      } else {
        (out[blockId] ??= {})[actionId] = valueFor(ctx, user, el, given, where);
      }
    }
  }
  for (const [blockId, actions] of Object.entries(values)) {
    for (const actionId of Object.keys(actions)) {
      if (!out[blockId]?.[actionId]) throw new Error(`view ${view.id} has no element ${blockId}.${actionId}`);
    }
  }
  return out;
}
