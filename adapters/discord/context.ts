import type { Prices } from '../../commands/usage.js';
import type { ChatJobs } from '../../src/jobs/chat-jobs.js';
import type { BudgetLimits } from '../../src/jobs/limits.js';
import type { Logger } from '../../src/logger.js';
import type { Store } from '../../src/store/types.js';
import type { ReplyPlace } from './reply-surface.js';

/** What the Discord handlers share: the platform's jobs, memory and limits. */
export interface DiscordContext {
  jobs: ChatJobs<ReplyPlace>;
  logger: Logger;
  store: Store | undefined;
  prices: Prices;
  budgets: BudgetLimits;
  /** How long a refusal posted in a channel for one user stays before it deletes itself. */
  noticeTtlMs: number;
  /** Whether the gateway granted Message Content (others' attachments are visible). */
  canReadOthers: () => boolean;
}
