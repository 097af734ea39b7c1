import type { Prices } from '../commands/usage.js';
import type { Clock } from '../src/clock.js';
import type { JobServices } from '../src/jobs/obtain-result.js';
import type { Logger } from '../src/logger.js';
import type { IntakeOptions } from '../src/media/types.js';
import type { Metrics } from '../src/ops/metrics.js';
import type { Store } from '../src/store/types.js';
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
  /** Per-user pause between flag reactions (default 10 s). */
  reactionCooldownMs?: number;
  /** This process's name in the job journal (default 'default'). */
  instance?: string;
  metrics?: Metrics | undefined;
}
