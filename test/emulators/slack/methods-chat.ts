// chat.postMessage, chat.update, chat.delete, chat.postEphemeral, reactions.add.

import { messageObject } from './api-objects.js';
import { bool, fail, str, type ApiResult, type Args, type Ctx, type MethodHandler } from './context.js';
import { isApiResult, messageContent } from './message-validation.js';
import type { ChannelState, MessageState } from './world.js';

/** The conversation named by `channel` (an id; a user id means the DM with that user), or Slack's error. */
export function resolveChannel(ctx: Ctx, arg: unknown, needMember = true): ChannelState | ApiResult {
  const id = str(arg);
  if (!id) return fail('channel_not_found');
  if (/^[UW]/.test(id) && ctx.world.users.has(id)) return ctx.world.imWith(id);
  const c = ctx.world.channel(id);
  if (!c) return fail('channel_not_found');
  if (needMember && !c.isMember) return fail('not_in_channel');
  return c;
}

const isChannel = (v: ChannelState | ApiResult): v is ChannelState => !('ok' in v);

/** The bot's message at channel/ts for editing, or Slack's error. */
export function ownMessage(ctx: Ctx, args: Args, notOwned = 'cant_update_message'): MessageState | ApiResult {
  const c = resolveChannel(ctx, args['channel'], false);
  if (!isChannel(c)) return c;
  const ts = str(args['ts']);
  const m = ts ? ctx.world.findMessage(c.id, ts) : undefined;
  if (!m || m.deleted) return fail('message_not_found');
  if (m.botId !== ctx.botId) return fail(notOwned);
  return m;
}

export const isMessage = (v: MessageState | ApiResult): v is MessageState => !('ok' in v);

export function chatMethods(ctx: Ctx): Record<string, MethodHandler> {
  const { world } = ctx;
  return {
    'chat.postMessage': (args) => {
      const c = resolveChannel(ctx, args['channel']);
      if (!isChannel(c)) return c;
      const content = messageContent(args, 'post');
      if (isApiResult(content)) return content;
      const threadTs = str(args['thread_ts']);
      const m = world.addMessage({
        channel: c.id,
        ...(threadTs ? { threadTs } : {}),
        user: world.botUser.id,
        botId: ctx.botId,
        text: content.text,
        ...(content.blocks ? { blocks: content.blocks } : {}),
        fileIds: [],
        ...(threadTs && bool(args['reply_broadcast']) ? { replyBroadcast: true, subtype: 'thread_broadcast' } : {}),
        ...(content.truncated ? { truncated: true } : {}),
        via: 'chat.postMessage',
      });
      return { ok: true, channel: c.id, ts: m.ts, message: messageObject(ctx, m) };
    },

    'chat.update': (args) => {
      const m = ownMessage(ctx, args);
      if (!isMessage(m)) return m;
      if (m.stream?.state === 'streaming') return fail('streaming_state_conflict');
      const content = messageContent(args, 'update');
      if (isApiResult(content)) return content;
      // Slack: text without blocks removes the blocks; blocks without text keep the old text as the fallback;
      // an edit with blocks shows no "(edited)" flag.
      if (content.blocks) {
        m.blocks = content.blocks;
        if (content.text !== '') m.text = content.text;
      } else {
        m.text = content.text;
        delete m.blocks;
        m.edited = { user: world.botUser.id, ts: world.nextTs() };
      }
      world.recordVersion(m, 'chat.update');
      return { ok: true, channel: m.channel, ts: m.ts, text: m.text, message: messageObject(ctx, m) };
    },

    'chat.delete': (args) => {
      const m = ownMessage(ctx, args, 'cant_delete_message');
      if (!isMessage(m)) return m;
      m.deleted = true;
      world.recordVersion(m, 'chat.delete');
      return { ok: true, channel: m.channel, ts: m.ts };
    },

    'chat.postEphemeral': (args) => {
      const c = resolveChannel(ctx, args['channel']);
      if (!isChannel(c)) return c;
      const user = str(args['user']);
      if (!user || !world.users.has(user)) return fail('user_not_found');
      if (c.isIm && c.imUser !== user) return fail('user_not_in_channel');
      const content = messageContent(args, 'post');
      if (isApiResult(content)) return content;
      const threadTs = str(args['thread_ts']);
      ctx.ephemerals.push({
        channel: c.id,
        user,
        text: content.text,
        ...(content.blocks ? { blocks: content.blocks } : {}),
        ...(threadTs ? { threadTs } : {}),
        via: 'chat.postEphemeral',
        at: ctx.clock.now(),
      });
      return { ok: true, message_ts: world.nextTs() };
    },

    'reactions.add': (args) => {
      const c = resolveChannel(ctx, args['channel']);
      if (!isChannel(c)) return c;
      const name = str(args['name'])?.replace(/^:|:$/g, '');
      const ts = str(args['timestamp']);
      if (!ts) return fail('no_item_specified');
      if (!name) return fail('invalid_name');
      const m = world.findMessage(c.id, ts);
      if (!m || m.deleted) return fail('message_not_found');
      const users = m.reactions.get(name) ?? [];
      if (users.includes(world.botUser.id)) return fail('already_reacted');
      m.reactions.set(name, [...users, world.botUser.id]);
      return { ok: true };
    },
  };
}
