// Rate limits as Discord announces them (X-RateLimit-* headers on every answer, 429 with Retry-After when a
// bucket or the global limit is spent) and the queue of injected faults.
//
// Buckets (fixed windows, real clock):
//   POST   /channels/:id/messages                      5 per 5 s per channel
//   PATCH  /channels/:id/messages/:id                  5 per 5 s per channel
//   DELETE /channels/:id/messages/:id                  5 per 1 s per channel
//   PUT/DELETE reactions                               1 per 0.25 s per channel
//   PATCH  /webhooks/:app/:token/messages/(@original|:id)  5 per 5 s per interaction token
//   POST   /webhooks/:app/:token (followups)           5 per 2 s per interaction token
//   POST   /interactions/:id/:token/callback           5 per 5 s per interaction
//   anything else                                      50 per 1 s per route and major id
// Global: 50 requests per second for bot-token requests; interaction callbacks and webhooks do not count.

import { createHash } from 'node:crypto';
import type { Fault } from './types.js';

export interface BucketRule {
  name: string;
  limit: number;
  windowMs: number;
}

export const BUCKETS = {
  messageCreate: { name: 'channel-message-create', limit: 5, windowMs: 5000 },
  messageEdit: { name: 'channel-message-edit', limit: 5, windowMs: 5000 },
  messageDelete: { name: 'channel-message-delete', limit: 5, windowMs: 1000 },
  reaction: { name: 'channel-reaction', limit: 1, windowMs: 250 },
  webhookEdit: { name: 'interaction-webhook-edit', limit: 5, windowMs: 5000 },
  webhookExecute: { name: 'interaction-webhook-execute', limit: 5, windowMs: 2000 },
  callback: { name: 'interaction-callback', limit: 5, windowMs: 5000 },
  other: { name: 'default', limit: 50, windowMs: 1000 },
} satisfies Record<string, BucketRule>;

export const GLOBAL_PER_SECOND = 50;

export type Verdict =
  | { ok: true; headers: Record<string, string> }
  | { ok: false; headers: Record<string, string>; retryAfter: number; global: boolean };

const hashOf = (name: string): string => createHash('md5').update(name).digest('hex');
const secs = (ms: number): string => (ms / 1000).toFixed(3);

export class RateLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();
  private global = { start: 0, count: 0 };

  constructor(private readonly realNow: () => number = Date.now) {}

  /** Counts one request against its bucket (and the global limit when `countsGlobally`). */
  take(rule: BucketRule, key: string, countsGlobally: boolean): Verdict {
    const now = this.realNow();
    if (countsGlobally) {
      if (now >= this.global.start + 1000) this.global = { start: now, count: 0 };
      if (this.global.count >= GLOBAL_PER_SECOND) {
        const retryAfter = (this.global.start + 1000 - now) / 1000;
        return {
          ok: false,
          retryAfter,
          global: true,
          headers: { 'retry-after': String(Math.ceil(retryAfter)), 'x-ratelimit-global': 'true', 'x-ratelimit-scope': 'global' },
        };
      }
    }
    const id = `${rule.name}:${key}`;
    let w = this.windows.get(id);
    if (!w || now >= w.start + rule.windowMs) {
      w = { start: now, count: 0 };
      this.windows.set(id, w);
    }
    const resetAt = w.start + rule.windowMs;
    const base = (remaining: number): Record<string, string> => ({
      'x-ratelimit-limit': String(rule.limit),
      'x-ratelimit-remaining': String(remaining),
      'x-ratelimit-reset': secs(resetAt),
      'x-ratelimit-reset-after': secs(resetAt - now),
      'x-ratelimit-bucket': hashOf(rule.name),
    });
    if (w.count >= rule.limit) {
      const retryAfter = (resetAt - now) / 1000;
      return {
        ok: false,
        retryAfter,
        global: false,
        headers: { ...base(0), 'retry-after': String(Math.ceil(retryAfter)), 'x-ratelimit-scope': 'user' },
      };
    }
    w.count++;
    if (countsGlobally) this.global.count++;
    return { ok: true, headers: base(rule.limit - w.count) };
  }
}

export const rateLimitedBody = (retryAfter: number, global: boolean): Record<string, unknown> => ({
  message: 'You are being rate limited.',
  retry_after: Math.round(retryAfter * 1000) / 1000,
  global,
});

/** Faults answer matching requests (regex tested on `${METHOD} ${path}`, path after /api/v10) `times` times. */
export class FaultQueue {
  private readonly queue: { fault: Fault; left: number }[] = [];
  add(fault: Fault): void {
    this.queue.push({ fault, left: fault.times ?? 1 });
  }
  take(method: string, path: string): Fault | undefined {
    const line = `${method} ${path}`;
    const entry = this.queue.find((e) => e.left > 0 && (!e.fault.route || e.fault.route.test(line)));
    if (!entry) return undefined;
    entry.left--;
    return entry.fault;
  }
}
