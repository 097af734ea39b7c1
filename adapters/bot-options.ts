import type { Prices } from '../commands/usage.js';
import type { Clock } from '../src/clock.js';
import type { ChatJobsOptions } from '../src/jobs/chat-jobs.js';
import type { JobServices } from '../src/jobs/obtain-result.js';
import type { Logger } from '../src/logger.js';
import type { IntakeOptions } from '../src/media/types.js';
import type { Metrics } from '../src/ops/metrics.js';
import type { JobQueue } from '../src/queue/job-queue.js';
import { RedisEditBudgets } from '../src/reply/redis-edit-budget.js';
import type { Platform, Store } from '../src/store/types.js';
import type { TranslatorLike } from '../src/translator/types.js';

/** What every platform bot takes besides its own credentials (`cli/start-command.ts` builds it once). */
export interface BotOptions {
  translator: TranslatorLike;
  intake: Omit<IntakeOptions, 'signal'>;
  logger: Logger;
  clock?: Clock;
  /** Per-reply floor between edits (default 1000 ms). */
  minIntervalMs?: number;
  /** Settings, cache, ledger, journal; without it the bot still translates (no memory). */
  store?: Store | undefined;
  /** The model queue, budgets and model name, shared between the platforms. */
  services?: JobServices | undefined;
  prices?: Prices | undefined;
  /** A user's triggers per minute before they are refused (the abuse limit; default 20, 0 = none). */
  triggersPerMinute?: number | undefined;
  /** This process's name in the job journal (default 'default'). */
  instance?: string;
  metrics?: Metrics | undefined;
  /** Gateway role: accepted jobs go to the shared queue for the workers (see `ChatJobsOptions.queue`). */
  jobQueue?: JobQueue | undefined;
}

/**
 * The part of a platform's `ChatJobs` options that is the same on every platform: the model, the intake policy
 * (downloads only from the platform's own file hosts, never passed to the model by URL), memory, limits, metrics.
 */
export function platformJobOptions(
  options: BotOptions, platform: Platform, fetch: typeof globalThis.fetch, logger: Logger,
): Omit<ChatJobsOptions<never>, 'limits' | 'surfaceFor' | 'scopeOf'> {
  return {
    platform,
    deps: {
      translator: options.translator, intake: { ...options.intake, passUrls: false, fetch }, logger,
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.minIntervalMs !== undefined ? { minIntervalMs: options.minIntervalMs } : {}),
      services: { ...options.services, store: options.store, metrics: options.metrics },
    },
    clock: options.clock,
    triggersPerMinute: options.triggersPerMinute,
    instance: options.instance,
    metrics: options.metrics,
    // on a shared Redis, a platform scope's edit budget holds across every bot process
    ...(options.store?.redis ? { editBudgets: sharedEditBudgets(options.store.redis, logger) } : {}),
    queue: options.jobQueue,
  };
}

/** `ChatJobs.editBudgets` on the store's Redis; Redis failing means this process's own window, said in the log. */
function sharedEditBudgets(redis: NonNullable<Store['redis']>, logger: Logger): NonNullable<ChatJobsOptions<never>['editBudgets']> {
  return (limits, platform) => new RedisEditBudgets({
    redis, platform, ...limits,
    onError: (err) => logger.warn({ err }, "edit budget: Redis did not answer, this process's own window is used meanwhile"),
  });
}
