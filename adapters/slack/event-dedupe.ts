import type { App } from '@slack/bolt';
import type { SharedRedis } from '../../src/store/types.js';

/** How long a delivered event id is remembered: Slack retries a delivery three times within about five minutes. */
const REMEMBER_MS = 60 * 60_000;
const MAX_IDS = 20_000;

/**
 * The Redis key of a Slack event id a process has taken, in the store's `limits` namespace (`SharedRedis.key`):
 * `slack-event:<event_id>`, value 1, written with SET NX and expiring after `REMEMBER_MS` (1 hour).
 */
export const slackEventKey = (eventId: string): string => `slack-event:${eventId}`;

export interface DedupeOptions {
  /** The store's Redis: an id is then taken once across every process sharing it. */
  redis?: Pick<SharedRedis, 'key' | 'setOnce'> | undefined;
  /** Redis did not answer, so only this process's memory decided; for the log. */
  onError?: ((err: unknown) => void) | undefined;
  now?: (() => number) | undefined;
}

/**
 * Slack retries an event it thinks failed (no ack in 3 s, a 5xx) with the same `event_id` and an
 * `X-Slack-Retry-Num` header; the same reaction must not start a second translation. Events whose id was seen in
 * the last hour are acknowledged and dropped. `seen` reports how many ids are remembered (for /metrics).
 *
 * Each process remembers the ids it saw. With `redis`, an id is also taken in Redis (`SET NX PX`), so two processes
 * behind a load balancer never both start the job of one event. When Redis does not answer, the process's own
 * memory decides (a retry landing on another process may then run twice) rather than dropping every event.
 */
export function dedupeEvents(app: Pick<App, 'use'>, options: DedupeOptions = {}): { readonly seen: number } {
  const ids = new Map<string, number>();
  const now = options.now ?? Date.now;
  app.use(async ({ body, next }) => {
    const id = (body as { event_id?: unknown }).event_id;
    if (typeof id !== 'string') return next();
    const t = now();
    if (ids.has(id)) return;
    ids.set(id, t);
    if (ids.size > MAX_IDS) {
      for (const [k, at] of ids) if (t - at > REMEMBER_MS || ids.size > MAX_IDS) ids.delete(k);
    }
    if (options.redis) {
      const first = await options.redis.setOnce(options.redis.key(slackEventKey(id)), REMEMBER_MS).catch((err: unknown) => {
        options.onError?.(err);
        return true;
      });
      if (!first) return;
    }
    await next();
  });
  return {
    get seen() {
      return ids.size;
    },
  };
}
