// What every part of the emulator shares: the world, identities, configuration and the records.

import type { Clock } from './clock-and-ids.js';
import type { Delivery, DownloadRecord, EphemeralMessage, RecordedCall } from './types.js';
import type { World } from './world.js';

export interface Ctx {
  world: World;
  clock: Clock;
  /** http://127.0.0.1:PORT (no trailing slash). */
  base(): string;
  botToken: string;
  appToken: string;
  signingSecret: string;
  botId: string;
  appId: string;
  nativeStreaming: boolean;
  streamingRefusalError: string;
  ackTimeoutMs: number;
  /** The app's bot event subscriptions (manifest `bot_events`); undefined = every event is delivered. */
  botEvents: ReadonlySet<string> | undefined;
  calls: RecordedCall[];
  deliveries: Delivery[];
  downloads: DownloadRecord[];
  ephemerals: EphemeralMessage[];
}

/** What a Web API method handler returns: Slack's JSON body (HTTP 200). */
export type ApiResult = { ok: true; [key: string]: unknown } | { ok: false; error: string; [key: string]: unknown };

export type Args = Record<string, unknown>;

export type MethodHandler = (args: Args, call: { token: string }) => ApiResult;

/** Whether the app subscribed to `event` (e.g. `message.channels`, `reaction_added`): Slack sends only those. */
export const subscribed = (ctx: Ctx, event: string): boolean => !ctx.botEvents || ctx.botEvents.has(event);

export const fail = (error: string, extra: Record<string, unknown> = {}): ApiResult => ({ ok: false, error, ...extra });

/** Slack's answer to a missing or malformed required argument. */
export const invalidArguments = (...messages: string[]): ApiResult =>
  fail('invalid_arguments', { response_metadata: { messages: messages.map((m) => `[ERROR] ${m}`) } });

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : undefined);

export const bool = (v: unknown): boolean => v === true || v === 'true' || v === '1' || v === 1;
