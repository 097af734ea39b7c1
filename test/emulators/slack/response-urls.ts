// response_url (5 uses within 30 minutes, documented) and slash command ack bodies: a message for the user who
// acted. `response_type: 'in_channel'` posts it to the channel as the bot; otherwise it is ephemeral.
// `replace_original` / `delete_original` act on the bot's message the action came from.
// Answers: 200 {"ok":true}; unknown URL → 404 invalid_url, spent → 404 used_url, older than 30 min → 404
// expired_url (the status and names are our GUESS; Bolt's respond() throws on any non-2xx).

import type { IncomingMessage, ServerResponse } from 'node:http';
import { str, type Ctx } from './context.js';
import { sendJson } from './http-io.js';
import { LIMITS, blockErrors } from './message-validation.js';
import { RESPONSE_URL_LIFETIME_MS, RESPONSE_URL_MAX_USES, type ResponseUrlState } from './world.js';

type Obj = Record<string, unknown>;

/** Shows a response message (from a response_url POST or an ack body). Returns an error name if refused. */
export function applyMessageResponse(ctx: Ctx, target: Omit<ResponseUrlState, 'createdAt' | 'uses'>, body: Obj, via: 'response_url' | 'ack'): string | undefined {
  const { world } = ctx;
  const text = str(body['text']) ?? '';
  const blocks = Array.isArray(body['blocks']) ? (body['blocks'] as unknown[]) : undefined;
  if (blocks && blockErrors(blocks, LIMITS.messageBlocks).length) return 'invalid_blocks';
  const original = target.messageTs ? world.findMessage(target.channelId, target.messageTs) : undefined;
  const ours = original && !original.deleted && original.botId === ctx.botId ? original : undefined;
  if (body['delete_original'] === true || body['delete_original'] === 'true') {
    if (!ours) return 'cant_delete_message';
    ours.deleted = true;
    world.recordVersion(ours, via);
    return undefined;
  }
  if (!text && !blocks?.length) return 'no_text';
  if (body['replace_original'] === true || body['replace_original'] === 'true') {
    if (!ours) return 'cant_update_message';
    ours.text = text;
    if (blocks) ours.blocks = blocks;
    else delete ours.blocks;
    world.recordVersion(ours, via);
    return undefined;
  }
  const threadTs = str(body['thread_ts']);
  if (body['response_type'] === 'in_channel') {
    world.addMessage({
      channel: target.channelId,
      ...(threadTs ? { threadTs } : {}),
      user: world.botUser.id,
      botId: ctx.botId,
      text,
      ...(blocks ? { blocks } : {}),
      fileIds: [],
      via,
    });
    return undefined;
  }
  ctx.ephemerals.push({
    channel: target.channelId,
    user: target.userId,
    text,
    ...(blocks ? { blocks } : {}),
    ...(threadTs ? { threadTs } : {}),
    via,
    at: ctx.clock.now(),
  });
  return undefined;
}

export function handleResponseUrl(ctx: Ctx, req: IncomingMessage, res: ServerResponse, path: string, raw: Buffer): void {
  const state = ctx.world.responseUrls.get(path);
  if (!state) return sendJson(res, 404, { ok: false, error: 'invalid_url' });
  if (ctx.clock.now() - state.createdAt > RESPONSE_URL_LIFETIME_MS) return sendJson(res, 404, { ok: false, error: 'expired_url' });
  if (state.uses >= RESPONSE_URL_MAX_USES) return sendJson(res, 404, { ok: false, error: 'used_url' });
  let body: Obj;
  try {
    const text = raw.toString('utf8');
    const ct = String(req.headers['content-type'] ?? '');
    const parsed: unknown = ct.includes('urlencoded') ? JSON.parse(new URLSearchParams(text).get('payload') ?? '{}') : JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    body = parsed as Obj;
  } catch {
    return sendJson(res, 400, { ok: false, error: 'invalid_payload' });
  }
  state.uses += 1;
  const error = applyMessageResponse(ctx, state, body, 'response_url');
  if (error) return sendJson(res, 400, { ok: false, error });
  sendJson(res, 200, { ok: true });
}
