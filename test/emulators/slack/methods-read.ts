// auth.test, apps.connections.open, conversations.history / replies / info, users.info.

import { channelObject, messageObject, userObject } from './api-objects.js';
import { bool, fail, str, type ApiResult, type Args, type Ctx, type MethodHandler } from './context.js';
import { resolveChannel } from './methods-chat.js';
import type { MessageState } from './world.js';

/** ts "1700000000.000123" as a comparable integer (floats lose the micros). */
export const tsKey = (ts: string): bigint => {
  const [sec = '0', micro = '0'] = ts.split('.');
  return BigInt(sec) * 1_000_000n + BigInt(micro.padEnd(6, '0').slice(0, 6));
};

function window(args: Args, messages: MessageState[]): MessageState[] | ApiResult {
  const latest = str(args['latest']);
  const oldest = str(args['oldest']);
  const valid = (v: string | undefined) => v === undefined || /^\d+(\.\d+)?$/.test(v);
  if (!valid(latest)) return fail('invalid_ts_latest');
  if (!valid(oldest)) return fail('invalid_ts_oldest');
  const inclusive = bool(args['inclusive']);
  return messages.filter((m) => {
    const k = tsKey(m.ts);
    if (latest !== undefined && (inclusive ? k > tsKey(latest) : k >= tsKey(latest))) return false;
    if (oldest !== undefined && (inclusive ? k < tsKey(oldest) : k <= tsKey(oldest))) return false;
    return true;
  });
}

/** One page: `limit` items from the cursor (an opaque offset), with has_more and next_cursor as Slack gives. */
function page(ctx: Ctx, args: Args, items: MessageState[], defaultLimit: number): ApiResult {
  const limit = Math.max(1, Math.min(Number(str(args['limit']) ?? defaultLimit) || defaultLimit, 999));
  const cursor = str(args['cursor']);
  let offset = 0;
  if (cursor) {
    const decoded = Number(Buffer.from(cursor, 'base64').toString('utf8').replace(/^offset:/, ''));
    if (!Number.isInteger(decoded) || decoded < 0) return fail('invalid_cursor');
    offset = decoded;
  }
  const slice = items.slice(offset, offset + limit);
  const hasMore = offset + limit < items.length;
  return {
    ok: true,
    messages: slice.map((m) => messageObject(ctx, m)),
    has_more: hasMore,
    ...(hasMore ? { response_metadata: { next_cursor: Buffer.from(`offset:${offset + limit}`).toString('base64') } } : {}),
  };
}

export function readMethods(ctx: Ctx, socketUrl: () => string): Record<string, MethodHandler> {
  const { world } = ctx;
  return {
    'auth.test': () => ({
      ok: true,
      url: `https://${world.teamDomain}.slack.com/`,
      team: world.teamDomain,
      user: world.botUser.name,
      team_id: world.teamId,
      user_id: world.botUser.id,
      bot_id: ctx.botId,
      is_enterprise_install: false,
    }),

    'apps.connections.open': () => ({ ok: true, url: socketUrl() }),

    'conversations.info': (args) => {
      const c = resolveChannel(ctx, args['channel'], false);
      if ('ok' in c) return c;
      return { ok: true, channel: channelObject(c) };
    },

    'conversations.history': (args) => {
      const c = resolveChannel(ctx, args['channel']);
      if ('ok' in c) return c;
      const top = world
        .channelMessages(c.id)
        .filter((m) => !m.deleted && (m.threadTs === undefined || m.threadTs === m.ts || m.replyBroadcast))
        .reverse();
      const inWindow = window(args, top);
      if (!Array.isArray(inWindow)) return inWindow;
      const result = page(ctx, args, inWindow, 100);
      return result.ok ? { ...result, pin_count: 0, channel_actions_ts: null, channel_actions_count: 0 } : result;
    },

    'conversations.replies': (args) => {
      const c = resolveChannel(ctx, args['channel']);
      if ('ok' in c) return c;
      const ts = str(args['ts']);
      const m = ts ? world.findMessage(c.id, ts) : undefined;
      if (!m || m.deleted) return fail('thread_not_found');
      const parent = m.threadTs && m.threadTs !== m.ts ? world.findMessage(c.id, m.threadTs) : m;
      const thread = parent ? [parent, ...world.replies(parent)] : [m];
      const inWindow = window(args, thread);
      if (!Array.isArray(inWindow)) return inWindow;
      return page(ctx, args, inWindow, 1000);
    },

    'users.info': (args) => {
      const id = str(args['user']);
      const u = id ? world.users.get(id) : undefined;
      if (!u) return fail('user_not_found');
      return { ok: true, user: userObject(ctx, u, bool(args['include_locale'])) };
    },
  };
}
