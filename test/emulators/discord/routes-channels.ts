// Bot-token routes: gateway discovery, users, applications, guilds, channels, messages, reactions, typing.

import { channelObject, guildObject, memberObject, messageObject, userObject } from './api-objects.js';
import { ok, route, type Ctx, type Route } from './context.js';
import { errors } from './http-io.js';
import { addReaction, checkEmoji, createMessage, deleteMessage, editMessage, removeReaction } from './message-actions.js';
import { BUCKETS } from './rate-limits.js';
import { P, type MessageState } from './world.js';

const other = (params: string[]) => ({ rule: BUCKETS.other, key: params[0] ?? 'global' });
const perChannel = (rule: (typeof BUCKETS)[keyof typeof BUCKETS]) => (params: string[]) => ({ rule, key: params[0] ?? '' });

export function applicationObject(ctx: Ctx): Record<string, unknown> {
  const bot = ctx.world.botUser;
  return {
    id: ctx.applicationId,
    name: bot.username,
    icon: null,
    description: '',
    summary: '',
    type: null,
    bot_public: true,
    bot_require_code_grant: false,
    verify_key: '0'.repeat(64),
    // GATEWAY_MESSAGE_CONTENT (1<<18) when the privileged intent is enabled in the portal.
    flags: ctx.grantMessageContent ? 1 << 18 : 0,
    owner: userObject(bot),
    team: null,
    bot: userObject(bot),
    approximate_guild_count: ctx.world.guilds.size,
    integration_types_config: { '0': {} },
  };
}

export function channelRoutes(ctx: Ctx): Route[] {
  const { world } = ctx;
  const botId = world.botUser.id;
  const visible = (channelId: string, messageId: string): MessageState => {
    const msg = world.message(channelId, messageId);
    if (msg.visibleTo) throw errors.unknownMessage();
    return msg;
  };
  const needs = (channelId: string, perm: bigint) => {
    const channel = world.channel(channelId);
    if ((world.permissionsIn(channel, botId) & perm) !== perm) throw errors.missingPermissions();
    return channel;
  };
  const restView = (msg: MessageState) => messageObject(ctx, msg, { hasMessageContent: ctx.grantMessageContent });

  return [
    route('GET', '/gateway/bot', 'bot', other, () =>
      ok({
        url: ctx.gatewayUrl(),
        shards: ctx.recommendedShards(),
        session_start_limit: { total: 1000, remaining: 999, reset_after: 14_400_000, max_concurrency: ctx.maxConcurrency },
      }),
    ),
    route('GET', '/gateway', 'none', other, () => ok({ url: ctx.gatewayUrl() })),
    route('GET', '/users/@me', 'bot', other, () =>
      ok({ ...userObject(world.botUser), verified: true, mfa_enabled: false, locale: 'en-US', email: null }),
    ),
    route('GET', '/users/:user', 'bot', other, (r) => ok(userObject(world.user(r.params[0] ?? '')))),
    route('GET', '/applications/@me', 'bot', other, () => ok(applicationObject(ctx))),
    route('GET', '/oauth2/applications/@me', 'bot', other, () => ok(applicationObject(ctx))),
    route('GET', '/guilds/:guild', 'bot', other, (r) => ok(guildObject(ctx, world.guild(r.params[0] ?? '')))),
    route('GET', '/guilds/:guild/channels', 'bot', other, (r) => {
      const g = world.guild(r.params[0] ?? '');
      return ok([...world.channels.values()].filter((c) => c.guildId === g.id).map(channelObject));
    }),
    route('GET', '/guilds/:guild/members/:user', 'bot', other, (r) => {
      const [guildId = '', userId = ''] = r.params;
      world.guild(guildId);
      const m = world.members.get(`${guildId}:${userId}`);
      if (!m) throw errors.unknownMember();
      return ok(memberObject(ctx, m));
    }),
    route('GET', '/channels/:channel', 'bot', other, (r) => ok(channelObject(world.channel(r.params[0] ?? '')))),
    route('GET', '/channels/:channel/messages', 'bot', other, (r) => {
      const channel = needs(r.params[0] ?? '', P.ViewChannel | P.ReadMessageHistory);
      const limit = Math.min(100, Math.max(1, Number(r.query.get('limit') ?? 50) || 50));
      const before = r.query.get('before');
      const after = r.query.get('after');
      let list = world.channelMessages(channel.id).filter((m) => m.deletedAt === null && !m.visibleTo);
      if (before) list = list.filter((m) => BigInt(m.id) < BigInt(before));
      if (after) list = list.filter((m) => BigInt(m.id) > BigInt(after));
      const picked = after ? list.slice(0, limit) : list.slice(-limit);
      return ok(picked.reverse().map(restView));
    }),
    route('POST', '/channels/:channel/messages', 'bot', perChannel(BUCKETS.messageCreate), (r) => {
      const channel = needs(r.params[0] ?? '', P.ViewChannel | P.SendMessages);
      if (r.body.files.length > 0) needs(channel.id, P.AttachFiles);
      const msg = createMessage(ctx, {
        channel,
        authorId: botId,
        body: r.body.json,
        files: r.body.files,
        allowEphemeral: false,
        voiceRoute: true,
      });
      return ok(messageObject(ctx, msg));
    }),
    route('GET', '/channels/:channel/messages/:message', 'bot', other, (r) => {
      needs(r.params[0] ?? '', P.ViewChannel | P.ReadMessageHistory);
      return ok(restView(visible(r.params[0] ?? '', r.params[1] ?? '')));
    }),
    route('PATCH', '/channels/:channel/messages/:message', 'bot', perChannel(BUCKETS.messageEdit), (r) => {
      const msg = visible(r.params[0] ?? '', r.params[1] ?? '');
      // The bot's own messages, interaction replies included (how a job outlives the 15-min token).
      if (msg.authorId !== botId) throw errors.notAuthor();
      return ok(messageObject(ctx, editMessage(ctx, msg, r.body.json, r.body.files)));
    }),
    route('DELETE', '/channels/:channel/messages/:message', 'bot', perChannel(BUCKETS.messageDelete), (r) => {
      const msg = visible(r.params[0] ?? '', r.params[1] ?? '');
      if (msg.authorId !== botId) needs(msg.channelId, P.ManageMessages);
      deleteMessage(ctx, msg);
      return ok();
    }),
    route('PUT', '/channels/:channel/messages/:message/reactions/:emoji/@me', 'bot', perChannel(BUCKETS.reaction), (r) => {
      needs(r.params[0] ?? '', P.ViewChannel | P.ReadMessageHistory | P.AddReactions);
      const msg = visible(r.params[0] ?? '', r.params[1] ?? '');
      addReaction(ctx, msg, botId, checkEmoji(r.params[2] ?? ''));
      return ok();
    }),
    route('DELETE', '/channels/:channel/messages/:message/reactions/:emoji/@me', 'bot', perChannel(BUCKETS.reaction), (r) => {
      const msg = visible(r.params[0] ?? '', r.params[1] ?? '');
      removeReaction(ctx, msg, botId, checkEmoji(r.params[2] ?? ''));
      return ok();
    }),
    route('POST', '/channels/:channel/typing', 'bot', other, (r) => {
      needs(r.params[0] ?? '', P.ViewChannel | P.SendMessages);
      return ok();
    }),
  ];
}
