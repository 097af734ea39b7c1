import type { Clock } from '../clock.js';
import type { MediaSource } from '../media/types.js';
import type { TranslationAsk } from '../plan.js';
import { EditBudgets, type EditBudgetLimits } from '../reply/edit-budget.js';
import { runChatJob } from './chat-job.js';
import { JobRegistry } from './job-registry.js';
import type { ChatJobDeps, ChatJobOutcome, ChatSurface } from './types.js';

/** What a chat job translates; kept for Retry. */
export interface ChatJobRequest {
  source: MediaSource;
  fileName: string;
  ask: TranslationAsk;
  /** Dedupe key (see `jobKey`). */
  key: string;
}

/** Dedupe key: the same file into the same language, voice and mode runs once at a time; `unique` opts out. */
export function jobKey(fileId: string, ask: TranslationAsk, unique = ''): string {
  return [fileId, ask.to, ask.voice ?? '', ask.textOnly ? 'text' : '', unique].join(':');
}

export interface ChatJobsOptions<P> {
  deps: Omit<ChatJobDeps, 'budget'>;
  /** The platform's edit limit per rate-limit scope (e.g. 5 per 5 s per Discord channel). */
  limits: EditBudgetLimits;
  clock?: Clock;
  /** The reply surface for a place (where a reply lives on the platform). */
  surfaceFor(place: P, jobId: string): ChatSurface<unknown>;
  /** The rate-limit scope a place writes into (budgets are shared by every job in a scope). */
  scopeOf(place: P): string;
}

/**
 * Starts chat jobs for one platform: one edit budget per rate-limit scope shared by every job there, and one
 * registry for Cancel, Retry and dedupe. `P` is the platform's description of where a reply lives.
 */
export class ChatJobs<P> {
  readonly registry = new JobRegistry<ChatJobRequest>();
  private readonly budgets: EditBudgets;

  constructor(private readonly options: ChatJobsOptions<P>) {
    this.budgets = new EditBudgets({ ...options.limits, ...(options.clock ? { clock: options.clock } : {}) });
  }

  /** Runs the job unless the same one is running; resolves with its outcome (undefined when deduplicated). */
  run(request: ChatJobRequest, requesterId: string, place: P): Promise<ChatJobOutcome> | undefined {
    const budget = this.budgets.get(this.options.scopeOf(place));
    const started = this.registry.start(request, requesterId, request.key, (job) =>
      runChatJob(
        { id: job.id, source: request.source, fileName: request.fileName, ask: request.ask },
        this.options.surfaceFor(place, job.id),
        { ...this.options.deps, budget },
        job.controller.signal,
      ));
    return started?.done;
  }
}
