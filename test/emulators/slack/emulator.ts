// startSlackEmulator: one HTTP server on 127.0.0.1 carrying the Web API (/api/), the upload URL, file hosting
// (/files-pri/), response_urls and the Socket Mode WebSocket (/link/), plus the test-facing controls and records.

import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { fileObject, messageView } from './api-objects.js';
import { Clock, randomHex, slackId } from './clock-and-ids.js';
import type { Ctx, MethodHandler } from './context.js';
import { Deliverer } from './delivery.js';
import type { SlackEmulator } from './emulator-interface.js';
import { chatMethods } from './methods-chat.js';
import { fileMethods } from './methods-files.js';
import { readMethods } from './methods-read.js';
import { streamingMethods } from './methods-streaming.js';
import { viewMethods } from './methods-views.js';
import { FaultQueue, METHOD_LIMITS, RateLimiter } from './rate-limits.js';
import { SocketModeServer } from './socket-mode.js';
import type { Channel, StartOptions, UploadedFile, User } from './types.js';
import * as act from './user-actions.js';
import { createRequestHandler } from './web-api.js';
import { World, type ChannelState, type FileState, type UserState } from './world.js';

const publicChannel = (c: ChannelState): Channel => ({ id: c.id, name: c.name, isMember: c.isMember, isIm: c.isIm, isPrivate: c.isPrivate });
const publicUser = (u: UserState): User => ({ id: u.id, name: u.name, locale: u.locale, isAdmin: u.isAdmin, isOwner: u.isOwner });

export async function startSlackEmulator(options: StartOptions = {}): Promise<SlackEmulator> {
  const clock = new Clock(options.now);
  const world = new World(clock, options.teamId ?? slackId('T'), options.teamDomain ?? 'emulator', options.botName ?? 'livetranslate');
  let port = options.port ?? 0;
  const base = () => `http://127.0.0.1:${port}`;
  const ctx: Ctx = {
    world,
    clock,
    base,
    botToken: options.botToken ?? `xoxb-${Date.now() % 1e12}-${Math.floor(Math.random() * 1e12)}-${randomHex(12)}`,
    appToken: options.appToken ?? `xapp-1-${slackId('A')}-${Date.now() % 1e12}-${randomHex(32)}`,
    signingSecret: options.signingSecret ?? randomHex(16),
    botId: slackId('B'),
    appId: slackId('A'),
    nativeStreaming: options.nativeStreaming ?? true,
    streamingRefusalError: options.streamingRefusalError ?? 'feature_not_enabled',
    ackTimeoutMs: options.ackTimeoutMs ?? 3000,
    botEvents: options.botEvents ? new Set(options.botEvents) : undefined,
    calls: [],
    deliveries: [],
    downloads: [],
    ephemerals: [],
  };
  const socket = new SocketModeServer(base, ctx.appId);
  const deliverer = new Deliverer(ctx, socket);
  const methods: Record<string, MethodHandler> = {
    ...readMethods(ctx, () => socket.url()),
    ...chatMethods(ctx),
    ...streamingMethods(ctx),
    ...fileMethods(ctx),
    ...viewMethods(ctx),
  };
  const rules = { ...METHOD_LIMITS };
  for (const [method, r] of Object.entries(options.rateLimits ?? {})) rules[method] = { limit: r.limit, scope: r.scope ?? 'workspace' };
  const limiter = new RateLimiter(options.rateLimitWindowMs ?? 60_000, rules);
  const faults = new FaultQueue();
  const server = createServer(createRequestHandler({ ctx, methods, limiter, faults }));
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  server.on('upgrade', (req, s, head: Buffer) => socket.upgrade(req, s, head));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;

  const uploaded = (f: FileState): UploadedFile => ({
    id: f.id,
    name: f.name,
    title: f.title,
    mimetype: f.mimetype,
    filetype: f.filetype,
    declaredLength: f.declaredLength,
    bytes: f.data ?? Buffer.alloc(0),
    completed: f.completed,
    ...(f.share ? { channel: f.share.channel, messageTs: f.share.messageTs } : {}),
    ...(f.share?.threadTs ? { threadTs: f.share.threadTs } : {}),
    ...(f.share?.initialComment ? { initialComment: f.share.initialComment } : {}),
  });

  const emu: SlackEmulator = {
    apiUrl: `${base()}/api/`,
    botToken: ctx.botToken,
    signingSecret: ctx.signingSecret,
    appToken: ctx.appToken,
    botUserId: world.botUser.id,
    botId: ctx.botId,
    appId: ctx.appId,
    teamId: world.teamId,

    createChannel: (opts = {}) => publicChannel(world.addChannel(opts)),
    createIm: (userId) => publicChannel(world.imWith(world.requireUser(userId).id)),
    createUser: (opts = {}) => publicUser(world.addUser(opts)),
    uploadUserFile: (userId, spec) => fileObject(ctx, world.addFile(spec, world.requireUser(userId).id)),

    setBotEndpoint: (url) => {
      deliverer.endpoint = url;
    },
    postUserMessage: (channelId, userId, opts) => act.postUserMessage(ctx, deliverer, channelId, userId, opts),
    messageShortcut: async (o) => act.messageShortcut(ctx, deliverer, o),
    slashCommand: async (o) => act.slashCommand(ctx, deliverer, o),
    viewSubmission: async (o) => act.viewSubmission(ctx, deliverer, o),
    blockAction: async (o) => act.blockAction(ctx, deliverer, o),
    addReaction: (channelId, ts, userId, reaction) => act.addReaction(ctx, deliverer, channelId, ts, userId, reaction),
    stopStreamAsUser: (channelId, ts) => {
      const m = world.requireMessage(channelId, ts);
      if (m.stream?.state !== 'streaming') throw new Error(`Message ${ts} is not streaming`);
      m.stream.state = 'stopped_by_user';
      world.recordVersion(m, 'user_stop');
    },
    sendRaw: (body, headers) => deliverer.post(body, headers),
    redeliver: (d, reason = 'http_timeout') => deliverer.redeliver(d, reason),

    calls: ctx.calls,
    get rateLimited() {
      return ctx.calls.filter((c) => c.status === 429);
    },
    deliveries: ctx.deliveries,
    downloads: ctx.downloads,
    messages: (channelId) =>
      world
        .channelMessages(world.requireChannel(channelId).id)
        .filter((m) => !m.deleted)
        .map((m) => messageView(ctx, m)),
    thread: (channelId, ts) => {
      const parent = world.requireMessage(channelId, ts);
      return [parent, ...world.replies(parent)].map((m) => messageView(ctx, m));
    },
    message: (channelId, ts) => {
      const m = world.findMessage(channelId, ts);
      return m ? messageView(ctx, m) : undefined;
    },
    views: () =>
      [...world.views.values()].map((v) => ({
        id: v.id,
        userId: v.userId,
        view: v.view,
        ...(typeof v.view['callback_id'] === 'string' ? { callbackId: v.view['callback_id'] } : {}),
        hash: v.hash,
        closed: v.closed,
        ...(v.errors ? { errors: v.errors } : {}),
        history: v.history.map((h) => ({ ...h })),
      })),
    ephemerals: (channelId) => ctx.ephemerals.filter((e) => channelId === undefined || e.channel === channelId),
    files: () => [...world.files.values()].filter((f) => f.byBot).map(uploaded),
    fileBytes: (id) => world.files.get(id)?.data,
    socketMode: {
      get connected() {
        return socket.connected;
      },
      get connections() {
        return socket.connections;
      },
      acks: socket.acks,
    },

    inject: (fault) => faults.add(fault),
    setNativeStreaming: (allowed) => {
      ctx.nativeStreaming = allowed;
    },
    disconnectSocket: (reason = 'refresh_requested') => socket.disconnect(reason),
    advanceTime: (ms) => clock.advance(ms),
    now: () => clock.now(),
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
      await socket.close();
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return emu;
}
