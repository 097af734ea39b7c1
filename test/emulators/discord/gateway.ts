// The gateway: HELLO → IDENTIFY → READY + GUILD_CREATE, heartbeats, RESUME with replay, dispatches filtered by
// intents and routed by shard (IDENTIFY's shard [id, count]: a guild's events go to (guild_id >> 22) % count, DMs to 0).

import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer, type RawData } from 'ws';
import { guildCreateObject, userObject, type Json } from './api-objects.js';
import { shardOf } from './clock-and-ids.js';
import { INTENT, type Ctx, type GatewayPort, type GatewayView } from './context.js';
import type { GatewaySessionView, IdentifyRecord } from './types.js';

const OP = { Dispatch: 0, Heartbeat: 1, Identify: 2, Presence: 3, VoiceState: 4, Resume: 6, Reconnect: 7, RequestMembers: 8, InvalidSession: 9, Hello: 10, HeartbeatAck: 11 } as const;
const CLOSE = { UnknownOpcode: 4001, Decode: 4002, NotAuthenticated: 4003, AuthFailed: 4004, AlreadyAuthenticated: 4005, InvalidShard: 4010, ShardingRequired: 4011, InvalidVersion: 4012, InvalidIntents: 4013, DisallowedIntents: 4014 } as const;
const REPLAY_LIMIT = 2000;

interface Session {
  id: string;
  seq: number;
  intents: number;
  shard: [number, number];
  sent: { s: number; text: string }[];
  /** What was dispatched to it: a count, and the distinct guilds the events were about. */
  dispatched: number;
  guildIds: Set<string>;
  socket: WebSocket | null;
  /** Closed by the client with 1000/1001: Discord drops such sessions. */
  ended: boolean;
}

export class Gateway implements GatewayPort {
  readonly identifies: IdentifyRecord[] = [];
  readonly resumes: { at: number; sessionId: string; seq: number; replayed: number }[] = [];
  heartbeats = 0;
  private readonly sessions = new Map<string, Session>();
  private readonly wss = new WebSocketServer({ noServer: true });

  constructor(
    private readonly ctx: Ctx,
    private readonly heartbeatIntervalMs: number,
    /** More guilds than this on one session's shard: IDENTIFY is closed 4011 (Discord: 2500). */
    private readonly maxGuildsPerShard = 2500,
  ) {
    this.wss.on('connection', (socket: WebSocket, req: IncomingMessage) => this.onConnection(socket, req));
  }

  upgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    this.wss.handleUpgrade(req, socket, head, (ws) => this.wss.emit('connection', ws, req));
  }

  dispatch(event: string, intent: number | null, guildId: string | null, build: (view: GatewayView) => Json): void {
    for (const s of this.sessions.values()) {
      if (s.ended || (intent !== null && (s.intents & intent) === 0) || !this.holds(s, guildId)) continue;
      this.send(s, event, build({ hasMessageContent: (s.intents & INTENT.MessageContent) !== 0 }), guildId);
    }
  }

  /** Every session identified so far (ended ones too), in IDENTIFY order. */
  get sessionViews(): GatewaySessionView[] {
    return [...this.sessions.values()].map((s) => ({
      id: s.id,
      shard: [...s.shard] as [number, number],
      connected: s.socket?.readyState === WebSocket.OPEN,
      dispatched: s.dispatched,
      guildIds: [...s.guildIds],
    }));
  }

  /** Whether a guild's events (null: a DM's) go to this session's shard. */
  private holds(s: Session, guildId: string | null): boolean {
    return guildId === null ? s.shard[0] === 0 : shardOf(guildId, s.shard[1]) === s.shard[0];
  }

  /** Drops live sockets. No code: abrupt (the client sees 1006 and resumes); otherwise a close frame with it. */
  disconnect(code?: number): void {
    for (const s of this.sessions.values()) {
      const socket = s.socket;
      if (!socket) continue;
      s.socket = null;
      if (code === undefined) socket.terminate();
      else socket.close(code, 'Emulator disconnect');
    }
  }

  get connected(): number {
    return [...this.sessions.values()].filter((s) => s.socket?.readyState === WebSocket.OPEN).length;
  }

  async close(): Promise<void> {
    for (const c of this.wss.clients) c.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private send(s: Session, event: string, d: unknown, guildId: string | null = null): void {
    s.seq += 1;
    s.dispatched += 1;
    if (guildId !== null) s.guildIds.add(guildId);
    const text = JSON.stringify({ op: OP.Dispatch, t: event, s: s.seq, d });
    s.sent.push({ s: s.seq, text });
    if (s.sent.length > REPLAY_LIMIT) s.sent.shift();
    if (s.socket?.readyState === WebSocket.OPEN) s.socket.send(text);
  }

  private onConnection(socket: WebSocket, req: IncomingMessage): void {
    const query = new URL(req.url ?? '/', 'ws://localhost').searchParams;
    if (query.get('v') !== '10') return void socket.close(CLOSE.InvalidVersion, 'Invalid API version.');
    if ((query.get('encoding') ?? 'json') !== 'json') return void socket.close(CLOSE.Decode, 'Error while decoding payload.');
    let session: Session | undefined;
    socket.send(JSON.stringify({ op: OP.Hello, s: null, t: null, d: { heartbeat_interval: this.heartbeatIntervalMs, _trace: ['["gateway-emulator",{"micros":0}]'] } }));
    socket.on('message', (raw: RawData) => {
      let payload: { op?: unknown; d?: unknown };
      try {
        payload = JSON.parse(raw.toString()) as { op?: unknown; d?: unknown };
      } catch {
        return void socket.close(CLOSE.Decode, 'Error while decoding payload.');
      }
      const d = (payload.d ?? {}) as Record<string, unknown>;
      switch (payload.op) {
        case OP.Heartbeat:
          this.heartbeats++;
          return void socket.send(JSON.stringify({ op: OP.HeartbeatAck }));
        case OP.Identify:
          if (session) return void socket.close(CLOSE.AlreadyAuthenticated, 'You sent more than one identify payload.');
          session = this.identify(socket, d);
          return;
        case OP.Resume:
          if (session) return void socket.close(CLOSE.AlreadyAuthenticated, 'You sent more than one identify payload.');
          session = this.resume(socket, d);
          return;
        case OP.Presence:
        case OP.VoiceState:
        case OP.RequestMembers:
          if (!session) socket.close(CLOSE.NotAuthenticated, 'You sent a payload prior to identifying.');
          return;
        default:
          return void socket.close(CLOSE.UnknownOpcode, 'Unknown opcode.');
      }
    });
    socket.on('close', (code: number) => {
      if (session && session.socket === socket) {
        session.socket = null;
        if (code === 1000 || code === 1001) session.ended = true;
      }
    });
    socket.on('error', () => undefined);
  }

  private identify(socket: WebSocket, d: Record<string, unknown>): Session | undefined {
    const intents = typeof d.intents === 'number' ? d.intents : NaN;
    const shard = parseShard(d.shard);
    const record: IdentifyRecord = {
      at: this.ctx.clock.now(), intents, properties: d.properties, accepted: false, ...(shard ? { shard } : {}),
    };
    this.identifies.push(record);
    const refuse = (code: number, reason: string): undefined => {
      record.closeCode = code;
      socket.close(code, reason);
      return undefined;
    };
    if (d.token !== this.ctx.botToken) return refuse(CLOSE.AuthFailed, 'Authentication failed.');
    if (!Number.isInteger(intents) || intents < 0 || intents >= 1 << 26) return refuse(CLOSE.InvalidIntents, 'Invalid intent(s).');
    if ((intents & INTENT.MessageContent) !== 0 && !this.ctx.grantMessageContent) {
      return refuse(CLOSE.DisallowedIntents, 'Disallowed intent(s).');
    }
    if (shard === null) return refuse(CLOSE.InvalidShard, 'Invalid shard.');
    const { world } = this.ctx;
    const [shardId, shardCount] = shard ?? [0, 1];
    const guilds = [...world.guilds.values()].filter((g) => shardOf(g.id, shardCount) === shardId);
    if (guilds.length > this.maxGuildsPerShard) return refuse(CLOSE.ShardingRequired, 'Sharding required.');
    record.accepted = true;
    const session: Session = {
      id: randomBytes(16).toString('hex'), seq: 0, intents, shard: [shardId, shardCount], sent: [], dispatched: 0, guildIds: new Set(),
      socket, ended: false,
    };
    this.sessions.set(session.id, session);
    this.send(session, 'READY', {
      v: 10,
      user_settings: {},
      user: { ...userObject(world.botUser), verified: true, mfa_enabled: false, email: null },
      guilds: guilds.map((g) => ({ id: g.id, unavailable: true })),
      session_id: session.id,
      session_type: 'normal',
      resume_gateway_url: `${this.ctx.gatewayUrl()}/resume`,
      relationships: [],
      private_channels: [],
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
      auth: {},
      application: { id: this.ctx.applicationId, flags: this.ctx.grantMessageContent ? 1 << 18 : 0 },
      ...(shard ? { shard } : {}),
      _trace: ['["gateway-emulator",{"micros":0}]'],
    });
    if ((intents & INTENT.Guilds) !== 0) {
      for (const g of guilds) this.send(session, 'GUILD_CREATE', guildCreateObject(this.ctx, g), g.id);
    }
    return session;
  }

  private resume(socket: WebSocket, d: Record<string, unknown>): Session | undefined {
    if (d.token !== this.ctx.botToken) {
      socket.close(CLOSE.AuthFailed, 'Authentication failed.');
      return undefined;
    }
    const session = typeof d.session_id === 'string' ? this.sessions.get(d.session_id) : undefined;
    const seq = typeof d.seq === 'number' ? d.seq : 0;
    const oldest = session?.sent[0]?.s ?? 1;
    if (!session || session.ended || seq > session.seq || seq < oldest - 1) {
      socket.send(JSON.stringify({ op: OP.InvalidSession, s: null, t: null, d: false }));
      return undefined;
    }
    session.socket?.terminate();
    session.socket = socket;
    const missed = session.sent.filter((e) => e.s > seq);
    for (const e of missed) socket.send(e.text);
    this.resumes.push({ at: this.ctx.clock.now(), sessionId: session.id, seq, replayed: missed.length });
    this.send(session, 'RESUMED', { _trace: ['["gateway-emulator",{"micros":0}]'] });
    return session;
  }
}

/** IDENTIFY's optional `shard`: undefined when absent, null when not [shard_id, num_shards] with 0 <= id < count. */
function parseShard(value: unknown): [number, number] | undefined | null {
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || value.length !== 2) return null;
  const [id, count] = value as unknown[];
  if (!Number.isInteger(id) || !Number.isInteger(count)) return null;
  const [i, n] = [id as number, count as number];
  return n >= 1 && i >= 0 && i < n ? [i, n] : null;
}
