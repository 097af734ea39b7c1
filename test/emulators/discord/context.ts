// What the emulator's parts share: state, clock, CDN, the gateway's dispatcher and the route contract.

import type { Json, Serializer } from './api-objects.js';
import type { Clock } from './clock-and-ids.js';
import type { ParsedBody } from './http-io.js';
import type { BucketRule } from './rate-limits.js';
import type { RecordedCall, RegisteredCommand } from './types.js';

export const INTENT = {
  Guilds: 1 << 0,
  GuildMessages: 1 << 9,
  GuildMessageReactions: 1 << 10,
  MessageContent: 1 << 15,
} as const;

export interface GatewayView {
  /** The session asked for MessageContent (and it is granted). */
  hasMessageContent: boolean;
}

export interface GatewayPort {
  /** Sends a dispatch to every session whose intents include `intent` (null: sent regardless) and whose shard holds
   *  `guildId` ((guild_id >> 22) % num_shards; null, a DM: shard 0 only); while a session is disconnected the event
   *  is kept for its RESUME. */
  dispatch(event: string, intent: number | null, guildId: string | null, build: (view: GatewayView) => Json): void;
}

export interface Ctx extends Serializer {
  clock: Clock;
  botToken: string;
  grantMessageContent: boolean;
  attachmentSizeLimit: number;
  /** What GET /gateway/bot recommends (`shards`) and its session_start_limit.max_concurrency. */
  recommendedShards(): number;
  maxConcurrency: number;
  gateway: GatewayPort;
  /** ws://127.0.0.1:PORT */
  gatewayUrl(): string;
  /** Registered commands: key 'global' or a guild id. */
  commands: Map<string, RegisteredCommand[]>;
}

export interface RouteRequest {
  method: string;
  /** Path after /api/v10, without the query. */
  path: string;
  query: URLSearchParams;
  params: string[];
  body: ParsedBody;
  auth: 'bot' | 'none' | 'invalid';
  record: RecordedCall;
}

export interface RouteResult {
  status: number;
  body?: unknown;
}

export interface Route {
  method: string;
  pattern: RegExp;
  /** e.g. /channels/:channel/messages/:message */
  template: string;
  /** 'bot': requires `Authorization: Bot <token>` and counts against the global limit. */
  auth: 'bot' | 'none';
  bucket: (params: string[]) => { rule: BucketRule; key: string };
  handle: (req: RouteRequest) => RouteResult | Promise<RouteResult>;
}

/** Builds a route; `path` uses :name segments, matched as [^/]+ (ids as digits). */
export function route(
  method: string,
  template: string,
  auth: Route['auth'],
  bucket: Route['bucket'],
  handle: Route['handle'],
): Route {
  const source = template
    .split('/')
    .map((seg) => (seg.startsWith(':') ? (/^:(token|emoji)$/.test(seg) ? '([^/]+)' : '(\\d+)') : seg.replace(/[.@]/g, '\\$&')))
    .join('/');
  return { method, pattern: new RegExp(`^${source}$`), template, auth, bucket, handle };
}

export const ok = (body?: unknown): RouteResult => (body === undefined ? { status: 204 } : { status: 200, body });
