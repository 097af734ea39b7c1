// startDiscordEmulator: one HTTP server on 127.0.0.1 carrying the REST API (/api/v10), the CDN (/attachments)
// and the gateway (WebSocket upgrade on any other path), plus the test-facing world controls and records.

import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { channelObject, guildCreateObject } from './api-objects.js';
import { Cdn } from './cdn.js';
import { Clock, randomToken } from './clock-and-ids.js';
import { INTENT, type Ctx } from './context.js';
import { Gateway } from './gateway.js';
import { InteractionStore, type InteractionState } from './interactions.js';
import { FaultQueue, RateLimiter } from './rate-limits.js';
import { createRequestHandler } from './rest-server.js';
import { channelRoutes } from './routes-channels.js';
import { commandRoutes } from './routes-commands.js';
import { interactionRoutes } from './routes-interactions.js';
import type {
  Channel,
  DiscordEmulator,
  Guild,
  InteractionHandle,
  InteractionView,
  RecordedCall,
  StartOptions,
  User,
} from './types.js';
import * as act from './user-actions.js';
import { World, type ChannelState, type GuildState, type MessageState, type UserState } from './world.js';

const publicGuild = (g: GuildState): Guild => ({ id: g.id, name: g.name, ownerId: g.ownerId, preferredLocale: g.preferredLocale });
const publicChannel = (c: ChannelState): Channel => ({ id: c.id, guildId: c.guildId, name: c.name, allowVoiceMessages: c.allowVoiceMessages });
const publicUser = (u: UserState): User => ({ id: u.id, username: u.username, locale: u.locale, bot: u.bot });
const handleOf = (s: InteractionState): InteractionHandle => ({ id: s.id, token: s.token, type: s.type, payload: s.payload });

export async function startDiscordEmulator(options: StartOptions = {}): Promise<DiscordEmulator> {
  const clock = new Clock(options.now);
  const world = new World(clock, options.botUsername ?? 'LiveTranslate');
  const botUserId = world.botUser.id;
  const applicationId = options.applicationId ?? botUserId;
  if (!/^\d{17,19}$/.test(applicationId)) throw new Error('applicationId must be a 17–19 digit snowflake (discord.js routes need it)');
  const botToken =
    options.botToken ?? `${Buffer.from(botUserId).toString('base64url')}.${randomToken(4)}.${randomToken(28)}`;
  let port = options.port ?? 0;
  const httpBase = () => `http://127.0.0.1:${port}`;
  const cdn = new Cdn(httpBase, clock, (id) => world.attachments.get(id));
  const ctx: Ctx = {
    world,
    cdn,
    applicationId,
    clock,
    botToken,
    grantMessageContent: options.grantMessageContent ?? true,
    attachmentSizeLimit: options.attachmentSizeLimit ?? 10 * 1024 * 1024,
    recommendedShards: () => options.recommendedShards ?? Math.max(1, Math.ceil(world.guilds.size / 1000)),
    maxConcurrency: options.maxConcurrency ?? 1,
    gateway: { dispatch: () => undefined },
    gatewayUrl: () => `ws://127.0.0.1:${port}`,
    commands: new Map(),
  };
  const gateway = new Gateway(ctx, options.heartbeatIntervalMs ?? 41_250, options.maxGuildsPerShard);
  ctx.gateway = gateway;
  const store = new InteractionStore();
  const calls: RecordedCall[] = [];
  const faults = new FaultQueue();
  const routes = [...channelRoutes(ctx), ...interactionRoutes(ctx, store), ...commandRoutes(ctx)];
  const server = createServer(createRequestHandler({ ctx, routes, calls, faults, limiter: new RateLimiter(), cdn }));
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, socket, head: Buffer) => gateway.upgrade(req, socket, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  const view = (m: MessageState) => world.view(m);
  const interactionState = (h: InteractionHandle | string): InteractionState => {
    const s = store.byId.get(typeof h === 'string' ? h : h.id);
    if (!s) throw new Error(`Unknown interaction ${typeof h === 'string' ? h : h.id}`);
    return s;
  };

  const emu: DiscordEmulator = {
    apiUrl: `${httpBase()}/api`,
    gatewayUrl: ctx.gatewayUrl(),
    botToken,
    applicationId,
    botUserId,

    createGuild(opts = {}) {
      const g = world.addGuild(opts);
      gateway.dispatch('GUILD_CREATE', INTENT.Guilds, g.id, () => guildCreateObject(ctx, g));
      return publicGuild(g);
    },
    createChannel(guildId, opts = {}) {
      const c = world.addChannel(guildId, opts);
      gateway.dispatch('CHANNEL_CREATE', INTENT.Guilds, c.guildId, () => channelObject(c));
      return publicChannel(c);
    },
    createUser(opts = {}) {
      return publicUser(world.addUser(opts));
    },
    setMemberPermissions(guildId, userId, permissions) {
      world.guild(guildId);
      world.user(userId);
      world.ensureMember(guildId, userId).permissions = permissions;
    },

    postUserMessage: (channelId, userId, opts) => view(act.postUserMessage(ctx, channelId, userId, opts)),
    slashCommand: async (o) => handleOf(act.slashCommand(ctx, store, o)),
    messageCommand: async (o) => handleOf(act.messageCommand(ctx, store, o)),
    clickButton: async (o) => handleOf(act.clickButton(ctx, store, o)),
    selectMenu: async (o) => handleOf(act.selectMenu(ctx, store, o)),
    autocomplete: async (o) => handleOf(act.autocomplete(ctx, store, o)),
    addReaction: (channelId, messageId, userId, emoji) => act.userReaction(ctx, channelId, messageId, userId, emoji),

    calls,
    get rateLimited() {
      return calls.filter((c) => c.status === 429);
    },
    identifies: gateway.identifies,
    gateway: {
      get connected() {
        return gateway.connected;
      },
      get heartbeats() {
        return gateway.heartbeats;
      },
      resumes: gateway.resumes,
      get sessions() {
        return gateway.sessionViews;
      },
    },
    messages: (channelId) =>
      world
        .channelMessages(world.channel(channelId).id)
        .filter((m) => m.deletedAt === null)
        .map(view),
    message: (id) => {
      const m = world.messages.get(id);
      return m ? view(m) : undefined;
    },
    interaction(h): InteractionView {
      const s = interactionState(h);
      const original = s.originalMessageId ? world.messages.get(s.originalMessageId) : undefined;
      return {
        responses: s.responses.map((r) => ({ ...r })),
        ...(original ? { original: view(original) } : {}),
        followups: s.followupIds.map((id) => world.messages.get(id)).filter((m): m is MessageState => !!m).map(view),
        ...(s.choices ? { choices: s.choices } : {}),
      };
    },
    commands: (guildId) => [...(ctx.commands.get(guildId ?? 'global') ?? [])],
    file: (id) => world.attachments.get(id)?.data,

    inject: (fault) => faults.add(fault),
    advanceTime: (ms) => clock.advance(ms),
    now: () => clock.now(),
    disconnectGateway: (opts = {}) => gateway.disconnect(opts.code),
    async waitFor<T>(predicate: () => T | undefined | false | null, timeoutMs = 5000): Promise<T> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const value = predicate();
        if (value !== undefined && value !== false && value !== null) return value;
        if (Date.now() > until) throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 10));
      }
    },
    async close() {
      await gateway.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return emu;
}
