import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The bot's Prometheus metrics, behind a small typed facade so that no caller touches prom-client.
 *
 * Contract:
 * - `createMetrics()` builds a fresh `Registry` each time (never prom-client's global one), so tests and several bots
 *   in one process never collide. It also registers prom-client's default process metrics (`process_*`, `nodejs_*`,
 *   unprefixed, as dashboards expect them) on that registry unless `processMetrics: false`.
 * - The bot's own series are prefixed (default `livetranslate_`):
 *   | series | type | labels |
 *   |---|---|---|
 *   | `jobs_total` | counter | `platform`, `trigger`, `outcome` |
 *   | `queue_depth`, `jobs_running` | gauge | |
 *   | `model_first_text_seconds`, `model_duration_seconds` | histogram (0.1 s … 5 min) | |
 *   | `model_tokens_total` | counter | `direction` = `in` \| `out` |
 *   | `cache_hits_total`, `cache_misses_total` | counter | |
 *   | `platform_rate_limited_total` | counter | `platform` = `discord` \| `slack` |
 *   | `memory_entries` | gauge | `platform`, `map` (see `TrackedMap`): entries of in-memory maps that grow with traffic |
 * - Label values are closed unions (below), so a label can never grow without bound.
 * - Every method is cheap, synchronous and never throws; call it at the moment the thing happens.
 */

/** Where a job came from. `cli` is `livetranslate translate`. */
export type MetricsPlatform = 'discord' | 'slack' | 'cli';

/**
 * What started a job: `slash` (/translate), `menu` (message context menu), `reaction` (flag emoji), `shortcut` (Slack
 * message shortcut), `modal` (Slack /translate form), `auto` (automatic translation), `retry` (the Retry button),
 * `cli` (command line).
 */
export type JobTrigger = 'slash' | 'menu' | 'reaction' | 'shortcut' | 'modal' | 'auto' | 'retry' | 'cli';

/**
 * How a job ended: `done` (translated), `failed` (an error was shown), `cancelled` (by a user or shutdown), `cached`
 * (answered from the result cache, no model call), `refused` (turned away before any model call: a limit, a budget,
 * a permission, not media).
 */
export type JobOutcome = 'done' | 'failed' | 'cancelled' | 'cached' | 'refused';

export interface JobLabels {
  platform: MetricsPlatform;
  trigger: JobTrigger;
  outcome: JobOutcome;
}

/** The pipeline's timings (`TranslationResult.timings`), in ms from the request. */
export interface ModelTimingsMs {
  /** Until the model's first text; undefined when it wrote none. */
  firstTextMs?: number | undefined;
  /** Until the model's last chunk. */
  modelDoneMs?: number | undefined;
}

/** Token counts as the translator reports them (`Usage` fits). */
export interface TokenCounts {
  inputTokens: number;
  outputTokens: number;
}

/**
 * In-memory maps that grow with traffic, each pruned by its owner; their sizes are exported so a leak shows:
 * `edit_budgets` (one per rate-limit scope), `pending_choices` ("Translate to…" menus), `trigger_windows` (per-user
 * abuse-limit windows), `retry_requests` (finished jobs kept for Retry), `event_ids` (Slack deliveries seen),
 * `streaming_refusals` (Slack workspaces without native streaming).
 */
export type TrackedMap = 'edit_budgets' | 'pending_choices' | 'trigger_windows' | 'retry_requests' | 'event_ids' | 'streaming_refusals';

export interface Metrics {
  /** Reports `size()` as `memory_entries{platform, map}` at every scrape (the latest registration of a pair wins). */
  trackSize(platform: 'discord' | 'slack', map: TrackedMap, size: () => number): void;
  /** One finished job (every job ends exactly once, whatever the outcome). */
  jobFinished(job: JobLabels): void;
  /** Observes the model timings of one request; pass `result.timings` as it is. */
  modelTimings(timings: ModelTimingsMs): void;
  /** Adds one request's tokens; pass `result.usage` as it is. */
  tokens(usage: TokenCounts): void;
  cacheHit(): void;
  cacheMiss(): void;
  /** A 429 (or a rate-limit event) seen from the platform's API. */
  rateLimited(platform: 'discord' | 'slack'): void;
  /** Jobs waiting for a slot and jobs running now; set whenever either changes. */
  setQueue(depth: number, running: number): void;
  /**
   * The shared job queue's counts by state (waiting, prioritized, active, delayed, completed, failed), read from
   * Redis at every scrape as `shared_queue_jobs{state}`, with this process's role in `process_role{role}`.
   */
  trackSharedQueue(role: string, counts: () => Promise<Record<string, number>>): void;
  /** A job of the shared queue whose worker died (its lock ran out): another worker takes it over. */
  jobStalled(): void;
  /** How long a model request waited for the account's rate limit (requests and tokens a minute), ms. */
  limiterWaited(ms: number): void;
  /** The Prometheus text exposition of everything above plus the process metrics. */
  render(): Promise<{ contentType: string; body: string }>;
}

export interface MetricsOptions {
  /** Prefix of the bot's own series (not of the process metrics). Default `livetranslate_`. */
  prefix?: string;
  /** Register prom-client's default process metrics on the registry. Default true. */
  processMetrics?: boolean;
}

/** Histogram buckets in seconds, for waits from a tenth of a second to five minutes. */
export const MODEL_SECONDS_BUCKETS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 10, 20, 30, 60, 120, 180, 300];

const seconds = (ms: number | undefined) => (ms !== undefined && Number.isFinite(ms) && ms >= 0 ? ms / 1000 : undefined);
const count = (n: number) => (Number.isFinite(n) && n > 0 ? n : 0);

export function createMetrics(options: MetricsOptions = {}): Metrics {
  const prefix = options.prefix ?? 'livetranslate_';
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  const jobs = new Counter({
    name: `${prefix}jobs_total`, help: 'Finished translation jobs by platform, trigger and outcome.',
    labelNames: ['platform', 'trigger', 'outcome'] as const, registers,
  });
  const queueDepth = new Gauge({ name: `${prefix}queue_depth`, help: 'Jobs waiting for a slot.', registers });
  const running = new Gauge({ name: `${prefix}jobs_running`, help: 'Jobs running now.', registers });
  const firstText = new Histogram({
    name: `${prefix}model_first_text_seconds`, help: 'Seconds from the model request to its first text.',
    buckets: MODEL_SECONDS_BUCKETS, registers,
  });
  const duration = new Histogram({
    name: `${prefix}model_duration_seconds`, help: 'Seconds from the model request to its last chunk.',
    buckets: MODEL_SECONDS_BUCKETS, registers,
  });
  const tokens = new Counter({
    name: `${prefix}model_tokens_total`, help: 'Model tokens billed, by direction.',
    labelNames: ['direction'] as const, registers,
  });
  const hits = new Counter({ name: `${prefix}cache_hits_total`, help: 'Result cache hits.', registers });
  const misses = new Counter({ name: `${prefix}cache_misses_total`, help: 'Result cache misses.', registers });
  const limited = new Counter({
    name: `${prefix}platform_rate_limited_total`, help: 'HTTP 429 responses seen from a chat platform.',
    labelNames: ['platform'] as const, registers,
  });
  const sizes = new Map<string, { platform: string; map: string; size: () => number }>();
  new Gauge({
    name: `${prefix}memory_entries`, help: 'Entries of in-memory maps that grow with traffic (each is pruned).',
    labelNames: ['platform', 'map'] as const, registers,
    collect() {
      for (const s of sizes.values()) this.set({ platform: s.platform, map: s.map }, count(s.size()));
    },
  });
  const stalled = new Counter({ name: `${prefix}queue_stalled_total`, help: 'Shared-queue jobs whose worker died and that went to another worker.', registers });
  const limiterWait = new Histogram({
    name: `${prefix}rate_limiter_wait_seconds`, help: 'Time a model request waited for the account rate limit.',
    buckets: [0, 0.05, ...MODEL_SECONDS_BUCKETS], registers,
  });
  let sharedCounts: (() => Promise<Record<string, number>>) | undefined;
  new Gauge({
    name: `${prefix}shared_queue_jobs`, help: 'Jobs of the shared (BullMQ) queue by state, all processes together.',
    labelNames: ['state'] as const, registers,
    async collect() {
      if (!sharedCounts) return;
      const counts = await sharedCounts().catch(() => ({}));
      for (const [state, n] of Object.entries(counts)) this.set({ state }, count(n));
    },
  });
  const role = new Gauge({ name: `${prefix}process_role`, help: 'This process\'s role (1 for its role).', labelNames: ['role'] as const, registers });
  // series that exist from the start, so rate() sees their first increase
  tokens.inc({ direction: 'in' }, 0);
  tokens.inc({ direction: 'out' }, 0);
  limited.inc({ platform: 'discord' }, 0);
  limited.inc({ platform: 'slack' }, 0);

  return {
    trackSize: (platform, map, size) => void sizes.set(`${platform}:${map}`, { platform, map, size }),
    jobFinished: (job) => jobs.inc({ platform: job.platform, trigger: job.trigger, outcome: job.outcome }),
    modelTimings(timings) {
      const first = seconds(timings.firstTextMs);
      const done = seconds(timings.modelDoneMs);
      if (first !== undefined) firstText.observe(first);
      if (done !== undefined) duration.observe(done);
    },
    tokens(usage) {
      tokens.inc({ direction: 'in' }, count(usage.inputTokens));
      tokens.inc({ direction: 'out' }, count(usage.outputTokens));
    },
    cacheHit: () => hits.inc(),
    cacheMiss: () => misses.inc(),
    rateLimited: (platform) => limited.inc({ platform }),
    setQueue(depth, now) {
      queueDepth.set(count(depth));
      running.set(count(now));
    },
    jobStalled: () => stalled.inc(),
    limiterWaited(ms) {
      const s = seconds(ms);
      if (s !== undefined) limiterWait.observe(s);
    },
    trackSharedQueue(name, counts) {
      role.set({ role: name }, 1);
      sharedCounts = counts;
    },
    async render() {
      return { contentType: registry.contentType, body: await registry.metrics() };
    },
  };
}
