import type { App } from '@slack/bolt';

/** How long a delivered event id is remembered: Slack retries a delivery three times within about five minutes. */
const REMEMBER_MS = 60 * 60_000;
const MAX_IDS = 20_000;

/**
 * Slack retries an event it thinks failed (no ack in 3 s, a 5xx) with the same `event_id` and an
 * `X-Slack-Retry-Num` header; the same reaction must not start a second translation. Events whose id was seen in
 * the last hour are acknowledged and dropped. `seen` reports how many ids are remembered (for /metrics).
 */
export function dedupeEvents(app: App, now: () => number = Date.now): { readonly seen: number } {
  const ids = new Map<string, number>();
  app.use(async ({ body, next }) => {
    const id = (body as { event_id?: unknown }).event_id;
    if (typeof id !== 'string') return next();
    const t = now();
    if (ids.has(id)) return;
    ids.set(id, t);
    if (ids.size > MAX_IDS) {
      for (const [k, at] of ids) if (t - at > REMEMBER_MS || ids.size > MAX_IDS) ids.delete(k);
    }
    await next();
  });
  return {
    get seen() {
      return ids.size;
    },
  };
}
