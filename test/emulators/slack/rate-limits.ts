// Slack's Web API rate limits and the queue of injected faults.
//
// Limits are per app per workspace per method (one workspace here), counted in a sliding window of one
// "minute" (StartOptions.rateLimitWindowMs, real clock). Over the limit: HTTP 429, `Retry-After: <seconds>` and
// `{"ok":false,"error":"ratelimited"}`. Refused calls do not count. Tiers from each method's reference page:
//   Tier 2 (20+/min): chat.startStream, chat.stopStream
//   Tier 3 (50+/min): chat.update, chat.delete, conversations.history, conversations.replies, conversations.info,
//                     reactions.add
//   Tier 4 (100+/min): chat.appendStream, chat.postEphemeral, views.open/update/push, users.info, files.info,
//                      files.getUploadURLExternal, files.completeUploadExternal
//   chat.postMessage: "special" — about 1 per second per channel with short bursts; modelled as 60 per
//                     window per channel (our choice: bursts within the window are allowed).
//   auth.test, apps.connections.open: not limited here.
// The documented numbers are floors ("50+"); Slack may allow more. These are the floors.

import type { Fault } from './types.js';

export interface LimitRule {
  limit: number;
  scope: 'workspace' | 'channel';
}

export const TIER = { t1: 1, t2: 20, t3: 50, t4: 100 } as const;

export const METHOD_LIMITS: Record<string, LimitRule> = {
  'chat.startStream': { limit: TIER.t2, scope: 'workspace' },
  'chat.stopStream': { limit: TIER.t2, scope: 'workspace' },
  'chat.update': { limit: TIER.t3, scope: 'workspace' },
  'chat.delete': { limit: TIER.t3, scope: 'workspace' },
  'conversations.history': { limit: TIER.t3, scope: 'workspace' },
  'conversations.replies': { limit: TIER.t3, scope: 'workspace' },
  'conversations.info': { limit: TIER.t3, scope: 'workspace' },
  'reactions.add': { limit: TIER.t3, scope: 'workspace' },
  'chat.appendStream': { limit: TIER.t4, scope: 'workspace' },
  'chat.postEphemeral': { limit: TIER.t4, scope: 'workspace' },
  'views.open': { limit: TIER.t4, scope: 'workspace' },
  'views.update': { limit: TIER.t4, scope: 'workspace' },
  'views.push': { limit: TIER.t4, scope: 'workspace' },
  'users.info': { limit: TIER.t4, scope: 'workspace' },
  'files.info': { limit: TIER.t4, scope: 'workspace' },
  'files.getUploadURLExternal': { limit: TIER.t4, scope: 'workspace' },
  'files.completeUploadExternal': { limit: TIER.t4, scope: 'workspace' },
  'chat.postMessage': { limit: 60, scope: 'channel' },
};

export class RateLimiter {
  private readonly windows = new Map<string, number[]>();

  constructor(
    private readonly windowMs: number,
    private readonly rules: Record<string, LimitRule>,
    private readonly realNow: () => number = Date.now,
  ) {}

  /** Counts the call, or returns the Retry-After (whole seconds, at least 1) when the window is full. */
  take(method: string, channel: string | undefined): { ok: true } | { ok: false; retryAfter: number } {
    const rule = this.rules[method];
    if (!rule) return { ok: true };
    const key = rule.scope === 'channel' ? `${method}:${channel ?? ''}` : method;
    const now = this.realNow();
    const recent = (this.windows.get(key) ?? []).filter((t) => t > now - this.windowMs);
    this.windows.set(key, recent);
    if (recent.length >= rule.limit) {
      const freesAt = recent[0]! + this.windowMs;
      return { ok: false, retryAfter: Math.max(1, Math.ceil((freesAt - now) / 1000)) };
    }
    recent.push(now);
    return { ok: true };
  }
}

type Pending = Fault & { left: number };

export class FaultQueue {
  private readonly pending: Pending[] = [];

  add(fault: Fault): void {
    this.pending.push({ ...fault, left: fault.times ?? 1 });
  }

  /** The next fault for this method, consumed. */
  take(method: string): Fault | undefined {
    const i = this.pending.findIndex((f) => f.method === method || f.method === '*');
    if (i < 0) return undefined;
    const f = this.pending[i]!;
    f.left -= 1;
    if (f.left <= 0) this.pending.splice(i, 1);
    return f;
  }
}
