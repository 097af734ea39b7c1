// views.open, views.push, views.update. A trigger_id is single-use and lives 3 s (world.ts):
// unknown → invalid_trigger_id, used → exchanged_trigger_id, late → expired_trigger_id (documented errors).
// A bad view → invalid_arguments with `[ERROR] … [json-pointer:/view/…]` messages; > 250 kB → view_too_large;
// views.update: unknown view → not_found, stale hash → hash_conflict.

import { viewObject } from './api-objects.js';
import { randomHex, slackId } from './clock-and-ids.js';
import { fail, invalidArguments, str, type ApiResult, type Args, type Ctx, type MethodHandler } from './context.js';
import { LIMITS, blockErrors } from './message-validation.js';
import type { ViewState } from './world.js';

const TITLE_MAX = 24;
const BUTTON_MAX = 24;

function checkView(raw: unknown): Record<string, unknown> | ApiResult {
  if (typeof raw === 'string' && raw.length > 250_000) return fail('view_too_large');
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return invalidArguments('missing required field: view');
  const view = raw as Record<string, unknown>;
  if (JSON.stringify(view).length > 250_000) return fail('view_too_large');
  const errs: string[] = [];
  if (view['type'] !== 'modal') errs.push('must be modal [json-pointer:/view/type]');
  const title = view['title'] as Record<string, unknown> | undefined;
  if (!title || title['type'] !== 'plain_text' || typeof title['text'] !== 'string') errs.push('must provide a plain_text object [json-pointer:/view/title]');
  else if (title['text'].length > TITLE_MAX) errs.push(`must be less than ${TITLE_MAX + 1} characters [json-pointer:/view/title/text]`);
  for (const key of ['submit', 'close']) {
    const t = view[key] as Record<string, unknown> | undefined;
    if (t && typeof t['text'] === 'string' && t['text'].length > BUTTON_MAX) errs.push(`must be less than ${BUTTON_MAX + 1} characters [json-pointer:/view/${key}/text]`);
  }
  const blocks = view['blocks'];
  if (!Array.isArray(blocks)) errs.push('must provide an array [json-pointer:/view/blocks]');
  else {
    errs.push(...blockErrors(blocks, LIMITS.viewBlocks).map((e) => e.replace('json-pointer:/blocks', 'json-pointer:/view/blocks')));
    if (blocks.some((b) => (b as Args)?.['type'] === 'input') && !view['submit']) errs.push('must provide submit when using input blocks [json-pointer:/view/submit]');
  }
  if (errs.length) return invalidArguments(...errs);
  return view;
}

/** checkView only ever returns failures as ApiResults. */
const isView = (v: Record<string, unknown> | ApiResult): v is Record<string, unknown> => v['ok'] !== false;

export function viewMethods(ctx: Ctx): Record<string, MethodHandler> {
  const { world } = ctx;
  const newHash = () => `${Math.floor(ctx.clock.now() / 1000)}.${randomHex(4)}`;

  const open = (args: Args, via: 'views.open' | 'views.push'): ApiResult => {
    const trigger = str(args['trigger_id']) ?? str(args['interactivity_pointer']);
    if (!trigger) return invalidArguments('missing required field: trigger_id');
    const view = checkView(args['view']);
    if (!isView(view)) return view;
    const used = world.useTrigger(trigger);
    if ('error' in used) return fail(used.error);
    const top = [...world.views.values()].reverse().find((v) => v.userId === used.userId && !v.closed);
    const id = slackId('V');
    const state: ViewState = {
      id,
      userId: used.userId,
      view,
      hash: newHash(),
      rootViewId: via === 'views.push' && top ? top.rootViewId : id,
      ...(via === 'views.push' && top ? { previousViewId: top.id } : {}),
      closed: false,
      history: [{ via, view, at: ctx.clock.now() }],
    };
    world.views.set(id, state);
    return { ok: true, view: viewObject(ctx, state) };
  };

  return {
    'views.open': (args) => open(args, 'views.open'),
    'views.push': (args) => open(args, 'views.push'),
    'views.update': (args) => {
      const viewId = str(args['view_id']);
      const externalId = str(args['external_id']);
      if (!viewId && !externalId) return invalidArguments('missing required field: view_id or external_id');
      const state = viewId
        ? world.views.get(viewId)
        : [...world.views.values()].find((v) => v.view['external_id'] === externalId);
      if (!state) return fail('not_found');
      const hash = str(args['hash']);
      if (hash && hash !== state.hash) return fail('hash_conflict');
      const view = checkView(args['view']);
      if (!isView(view)) return view;
      state.view = view;
      state.hash = newHash();
      state.history.push({ via: 'views.update', view, at: ctx.clock.now() });
      return { ok: true, view: viewObject(ctx, state) };
    },
  };
}
