// Getting events and interactions to the bot, as Slack does: over the open Socket Mode connection if there is one,
// else as a signed HTTP POST to the endpoint. Events are JSON; interactive payloads are form-encoded
// `payload=<json>`; slash commands are form fields. Signature: `X-Slack-Signature: v0=` + hex
// HMAC-SHA256(signing secret, `v0:{timestamp}:{raw body}`), `X-Slack-Request-Timestamp` (real clock, seconds).
// Slack waits ackTimeoutMs (3 s) for the ack; a later ack is recorded (ackMs) but its response is ignored.

import { createHmac } from 'node:crypto';
import { request } from 'node:http';
import { stringify } from 'node:querystring';
import type { Ctx } from './context.js';
import type { SocketModeServer } from './socket-mode.js';
import type { Delivery } from './types.js';

export function signRequest(signingSecret: string, body: string, timestampSec: number): string {
  return `v0=${createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex')}`;
}

export type Kind =
  | { type: 'event_callback'; socket: 'events_api' }
  | { type: 'message_action' | 'view_submission' | 'block_actions'; socket: 'interactive' }
  | { type: 'slash_commands'; socket: 'slash_commands' };

const parseJson = (text: string): unknown => {
  try {
    return text ? JSON.parse(text) : undefined;
  } catch {
    return undefined;
  }
};

export class Deliverer {
  endpoint: string | undefined;

  constructor(
    private readonly ctx: Ctx,
    private readonly socket: SocketModeServer,
  ) {}

  get available(): boolean {
    return this.socket.connected || this.endpoint !== undefined;
  }

  /** Delivers and resolves when acked or at the deadline; `onAck` runs for an ack in time, with its response. */
  async deliver(
    kind: Kind,
    payload: Record<string, unknown>,
    extras: { triggerId?: string; responseUrl?: string } = {},
    onAck?: (d: Delivery) => void,
    retryHeaders: Record<string, string> = {},
  ): Promise<Delivery> {
    const d: Delivery = {
      transport: this.socket.connected ? 'socket' : 'http',
      type: kind.type,
      payload,
      ...extras,
      acked: false,
      timedOut: false,
    };
    this.ctx.deliveries.push(d);
    const started = performance.now();
    const deadline = this.ctx.ackTimeoutMs;
    const settle = (ok: boolean, body: string | undefined, response: unknown) => {
      d.ackMs = Math.round(performance.now() - started);
      d.acked = ok;
      if (body !== undefined) d.body = body;
      if (response !== undefined) d.response = response;
      if (d.ackMs > deadline) d.timedOut = true;
      else if (ok) onAck?.(d);
    };
    if (d.transport === 'socket') {
      const accepts = kind.type === 'slash_commands' || kind.type === 'view_submission';
      const late = (ack: { payload?: unknown }) => settle(true, JSON.stringify(ack.payload ?? {}), ack.payload);
      const ack = await this.socket.send(kind.socket, payload, accepts, deadline, late);
      if (ack) settle(true, JSON.stringify(ack.payload ?? {}), ack.payload);
      else d.timedOut = true;
      return d;
    }
    if (!this.endpoint) throw new Error('No bot endpoint set (setBotEndpoint) and no Socket Mode connection');
    const { body, contentType } = encode(kind, payload);
    const sent = this.post(body, { 'content-type': contentType, ...this.signatureHeaders(body), ...retryHeaders }).then(
      (r) => {
        d.status = r.status;
        settle(r.status === 200, r.body, parseJson(r.body) ?? (r.body || undefined));
      },
      (err: unknown) => {
        d.body = `request failed: ${err instanceof Error ? err.message : String(err)}`;
      },
    );
    const timer = new Promise<void>((resolve) => setTimeout(resolve, deadline).unref());
    await Promise.race([sent, timer]);
    if (d.ackMs === undefined) d.timedOut = true;
    return d;
  }

  /** An event delivered again, as Slack retries: same body and event_id, with the retry headers (HTTP mode). */
  redeliver(d: Delivery, reason: string): Promise<Delivery> {
    if (d.type !== 'event_callback') throw new Error('Slack retries event deliveries only');
    if (this.socket.connected) throw new Error('redeliver: HTTP mode only in this emulator');
    return this.deliver({ type: 'event_callback', socket: 'events_api' }, d.payload, {}, undefined, { 'x-slack-retry-num': '1', 'x-slack-retry-reason': reason });
  }

  signatureHeaders(body: string): Record<string, string> {
    const ts = Math.floor(Date.now() / 1000);
    return {
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': signRequest(this.ctx.signingSecret, body, ts),
    };
  }

  /** One POST on its own connection (closed after), so a stopping bot is never held by an idle keep-alive. */
  post(body: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    const endpoint = this.endpoint;
    if (!endpoint) return Promise.reject(new Error('No bot endpoint set (setBotEndpoint)'));
    return new Promise((resolve, reject) => {
      const req = request(
        endpoint,
        { method: 'POST', agent: false, headers: { 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', 'content-length': Buffer.byteLength(body), ...headers } },
        (res) => {
          const parts: Buffer[] = [];
          res.on('data', (c: Buffer) => parts.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(parts).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  }
}

function encode(kind: Kind, payload: Record<string, unknown>): { body: string; contentType: string } {
  if (kind.type === 'event_callback') return { body: JSON.stringify(payload), contentType: 'application/json' };
  if (kind.type === 'slash_commands') {
    const fields: Record<string, string> = {};
    for (const [k, v] of Object.entries(payload)) fields[k] = String(v);
    return { body: stringify(fields), contentType: 'application/x-www-form-urlencoded' };
  }
  return { body: stringify({ payload: JSON.stringify(payload) }), contentType: 'application/x-www-form-urlencoded' };
}
