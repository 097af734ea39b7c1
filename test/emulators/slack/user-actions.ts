// What users do: post messages (with files), run shortcuts and slash commands, submit modals, press buttons,
// react. Each builds Slack's payload (payloads.ts), mints trigger_id / response_url, and delivers it.

import { randomUUID } from 'node:crypto';
import { fileObject, messageObject, viewObject } from './api-objects.js';
import { slackId } from './clock-and-ids.js';
import { subscribed, type Ctx } from './context.js';
import type { Deliverer } from './delivery.js';
import * as P from './payloads.js';
import { applyMessageResponse } from './response-urls.js';
import type {
  BlockActionOptions,
  Delivery,
  ShortcutOptions,
  SlackMessage,
  SlashCommandOptions,
  UserMessageOptions,
  ViewSubmissionOptions,
} from './types.js';
import { stateValues } from './view-state.js';

type Obj = Record<string, unknown>;

export function postUserMessage(ctx: Ctx, deliverer: Deliverer, channelId: string, userId: string, o: UserMessageOptions): SlackMessage {
  const { world } = ctx;
  const channel = world.requireChannel(channelId);
  const user = world.requireUser(userId);
  const files = (o.files ?? []).map((spec) => world.addFile(spec, user.id));
  if (!o.text && files.length === 0) throw new Error('postUserMessage: text or files required');
  const m = world.addMessage({
    channel: channel.id,
    ...(o.threadTs ? { threadTs: o.threadTs } : {}),
    user: user.id,
    ...(files.length ? { subtype: 'file_share' } : {}),
    text: o.text ?? '',
    fileIds: files.map((f) => f.id),
    via: 'user',
  });
  for (const f of files) f.channels.push(channel.id);
  const kind = channel.isIm ? 'im' : channel.isPrivate ? 'groups' : 'channels';
  if ((o.deliver ?? true) && channel.isMember && deliverer.available && subscribed(ctx, `message.${kind}`)) {
    const event = {
      ...messageObject(ctx, m),
      channel: channel.id,
      event_ts: m.ts,
      channel_type: channel.isIm ? 'im' : channel.isPrivate ? 'group' : 'channel',
      ...(files.length ? {} : { client_msg_id: randomUUID() }),
    };
    void deliverer.deliver({ type: 'event_callback', socket: 'events_api' }, P.eventCallback(ctx, event)).catch(() => undefined);
  }
  return {
    channel: channel.id,
    ts: m.ts,
    ...(m.threadTs ? { threadTs: m.threadTs } : {}),
    user: user.id,
    text: m.text,
    files: files.map((f) => fileObject(ctx, f)),
  };
}

export function messageShortcut(ctx: Ctx, deliverer: Deliverer, o: ShortcutOptions): Promise<Delivery> {
  const { world } = ctx;
  const channel = world.requireChannel(o.channelId);
  const user = world.requireUser(o.userId);
  const message = world.requireMessage(channel.id, o.messageTs);
  // The payload carries the message and its files' URLs, but the bot can download them only where files:read
  // reaches: channels it is in (our reading of the scope's "conversations your app has been added to").
  const triggerId = world.newTrigger(user.id);
  const responseUrl = world.newResponseUrl(ctx.base(), 'actions', { channelId: channel.id, userId: user.id, messageTs: message.ts });
  const payload = P.messageAction(ctx, { user, channel, message: messageObject(ctx, message), callbackId: o.callbackId, triggerId, responseUrl });
  return deliverer.deliver({ type: 'message_action', socket: 'interactive' }, payload, { triggerId, responseUrl });
}

export function slashCommand(ctx: Ctx, deliverer: Deliverer, o: SlashCommandOptions): Promise<Delivery> {
  const { world } = ctx;
  const channel = world.requireChannel(o.channelId);
  const user = world.requireUser(o.userId);
  const triggerId = world.newTrigger(user.id);
  const target = { channelId: channel.id, userId: user.id };
  const responseUrl = world.newResponseUrl(ctx.base(), 'commands', target);
  const command = o.command.startsWith('/') ? o.command : `/${o.command}`;
  const payload = P.slashCommand(ctx, { user, channel, command, text: o.text ?? '', triggerId, responseUrl });
  // A non-empty ack body is a message for the user (ephemeral unless response_type is in_channel).
  return deliverer.deliver({ type: 'slash_commands', socket: 'slash_commands' }, payload, { triggerId, responseUrl }, (d) => {
    const r = d.response;
    if (typeof r === 'string' && r) applyMessageResponse(ctx, target, { text: r }, 'ack');
    else if (typeof r === 'object' && r !== null && Object.keys(r).length) applyMessageResponse(ctx, target, r as Obj, 'ack');
  });
}

export function viewSubmission(ctx: Ctx, deliverer: Deliverer, o: ViewSubmissionOptions): Promise<Delivery> {
  const { world } = ctx;
  const user = world.requireUser(o.userId);
  const view = world.views.get(o.viewId);
  if (!view || view.closed) throw new Error(`viewSubmission: view ${o.viewId} is not open`);
  if (view.userId !== user.id) throw new Error(`viewSubmission: view ${o.viewId} was opened for ${view.userId}`);
  const values = stateValues(ctx, view, user, o.values);
  const triggerId = world.newTrigger(user.id);
  const payload = P.viewSubmission(ctx, { user, view: viewObject(ctx, view, values), triggerId });
  return deliverer.deliver({ type: 'view_submission', socket: 'interactive' }, payload, { triggerId }, (d) => {
    const r = (typeof d.response === 'object' && d.response !== null ? d.response : {}) as Obj;
    const action = r['response_action'];
    delete view.errors;
    if (action === 'errors') view.errors = (r['errors'] ?? {}) as Record<string, string>;
    else if (action === 'update' && typeof r['view'] === 'object' && r['view'] !== null) {
      view.view = r['view'] as Obj;
      view.history.push({ via: 'response_action', view: view.view, at: ctx.clock.now() });
    } else if (action === 'push' && typeof r['view'] === 'object' && r['view'] !== null) {
      const id = slackId('V');
      world.views.set(id, { ...view, id, view: r['view'] as Obj, previousViewId: view.id, history: [{ via: 'response_action', view: r['view'] as Obj, at: ctx.clock.now() }] });
    } else if (action === 'clear') {
      for (const v of world.views.values()) if (v.userId === user.id && v.rootViewId === view.rootViewId) v.closed = true;
    } else view.closed = true;
  });
}

/** The element with this action_id in the blocks, with its block_id. */
function findAction(blocks: unknown, actionId: string): { blockId: string; element: Obj } | undefined {
  for (const b of (Array.isArray(blocks) ? blocks : []) as Obj[]) {
    const els = [b['element'], b['accessory'], ...(Array.isArray(b['elements']) ? b['elements'] : [])] as unknown[];
    for (const el of els) {
      if (typeof el === 'object' && el !== null && (el as Obj)['action_id'] === actionId) return { blockId: String(b['block_id'] ?? ''), element: el as Obj };
    }
  }
  return undefined;
}

export function blockAction(ctx: Ctx, deliverer: Deliverer, o: BlockActionOptions): Promise<Delivery> {
  const { world } = ctx;
  const user = world.requireUser(o.userId);
  const triggerId = world.newTrigger(user.id);
  let blocks: unknown;
  let message: { channel: ReturnType<typeof world.requireChannel>; object: Obj; responseUrl: string } | undefined;
  let view: Obj | undefined;
  if (o.viewId) {
    const v = world.views.get(o.viewId);
    if (!v || v.closed) throw new Error(`blockAction: view ${o.viewId} is not open`);
    blocks = v.view['blocks'];
    view = viewObject(ctx, v);
  } else {
    if (!o.channelId || !o.messageTs) throw new Error('blockAction: channelId and messageTs, or viewId, required');
    const channel = world.requireChannel(o.channelId);
    const m = world.requireMessage(channel.id, o.messageTs);
    blocks = m.blocks;
    const responseUrl = world.newResponseUrl(ctx.base(), 'actions', { channelId: channel.id, userId: user.id, messageTs: m.ts });
    message = { channel, object: messageObject(ctx, m), responseUrl };
  }
  const found = findAction(blocks, o.actionId);
  if (!found) throw new Error(`blockAction: no element with action_id ${o.actionId}`);
  const { element } = found;
  const value = o.value ?? (typeof element['value'] === 'string' ? element['value'] : undefined);
  const action: Obj = {
    action_id: o.actionId,
    block_id: found.blockId,
    type: element['type'],
    ...(element['text'] ? { text: element['text'] } : {}),
    ...(element['type'] === 'static_select' && value !== undefined
      ? { selected_option: ((element['options'] ?? []) as Obj[]).find((x) => x['value'] === value) ?? null }
      : value !== undefined
        ? { value }
        : {}),
  };
  const payload = P.blockActions(ctx, { user, action, triggerId, ...(message ? { message } : {}), ...(view ? { view } : {}) });
  return deliverer.deliver({ type: 'block_actions', socket: 'interactive' }, payload, {
    triggerId,
    ...(message ? { responseUrl: message.responseUrl } : {}),
  });
}

export async function addReaction(ctx: Ctx, deliverer: Deliverer, channelId: string, ts: string, userId: string, reaction: string): Promise<Delivery | undefined> {
  const { world } = ctx;
  const channel = world.requireChannel(channelId);
  const user = world.requireUser(userId);
  const m = world.requireMessage(channel.id, ts);
  const name = reaction.replace(/^:|:$/g, '');
  const users = m.reactions.get(name) ?? [];
  if (!users.includes(user.id)) m.reactions.set(name, [...users, user.id]);
  if (!channel.isMember || !deliverer.available || !subscribed(ctx, 'reaction_added')) return undefined;
  const event = {
    type: 'reaction_added',
    user: user.id,
    reaction: name,
    item: { type: 'message', channel: channel.id, ts: m.ts },
    item_user: m.user,
    event_ts: world.nextTs(),
  };
  return deliverer.deliver({ type: 'event_callback', socket: 'events_api' }, P.eventCallback(ctx, event));
}
