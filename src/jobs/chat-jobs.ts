import type { Clock } from '../clock.js';
import type { MediaSource } from '../media/types.js';
import type { TranslationAsk } from '../plan.js';
import type { JobScope } from './limits.js';
import { journaledSurface } from './journal.js';
import type { JobTrigger, Metrics } from '../ops/metrics.js';
import type { JobJournal, Platform } from '../store/types.js';
import { EditBudgets, type EditBudgetLimits } from '../reply/edit-budget.js';
import { TranslateError } from '../errors.js';
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
  /** Platform file id for the cache (e.g. `discord:<attachment id>`). */
  fileKey?: string | undefined;
  /** Who it is for: budgets, ledger, fairness. */
  scope?: JobScope | undefined;
  /** What started it, for metrics. */
  trigger?: JobTrigger | undefined;
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
  /** Adds platform credentials to a download when the job runs (they are never stored with the request). */
  authorize?(source: MediaSource): MediaSource;
  /** Journal of running jobs, for crash recovery. */
  journal?: { journal: JobJournal; owner: string; platform: Platform } | undefined;
  metrics?: Metrics | undefined;
}

/**
 * Starts chat jobs for one platform: one edit budget per rate-limit scope shared by every job there, and one
 * registry for Cancel, Retry and dedupe. `P` is the platform's description of where a reply lives.
 */
export class ChatJobs<P> {
  readonly registry = new JobRegistry<ChatJobRequest>();
  private readonly budgets: EditBudgets;
  private closed = false;

  constructor(private readonly options: ChatJobsOptions<P>) {
    this.budgets = new EditBudgets({ ...options.limits, ...(options.clock ? { clock: options.clock } : {}) });
  }

  /** Runs the job unless the same one is running; resolves with its outcome (undefined when deduplicated). */
  run(request: ChatJobRequest, requesterId: string, place: P): Promise<ChatJobOutcome> | undefined {
    if (this.closed) throw new TranslateError('INTERRUPTED');
    const budget = this.budgets.get(this.options.scopeOf(place));
    const { journal, metrics } = this.options;
    const log = this.options.deps.logger;
    const started = this.registry.start(request, requesterId, request.key, async (job) => {
      let surface = this.options.surfaceFor(place, job.id);
      if (journal) {
        const entry = { jobId: job.id, platform: journal.platform, owner: journal.owner, place, request, requesterId, messages: [], startedAt: Date.now() };
        await journal.journal.put(entry).catch((err: unknown) => log.warn({ err }, 'journal write failed'));
        surface = journaledSurface(surface, journal.journal, job.id, log);
      }
      this.gauge();
      const source = this.options.authorize ? this.options.authorize(request.source) : request.source;
      const outcome = await runChatJob(
        { id: job.id, source, fileName: request.fileName, ask: request.ask, fileKey: request.fileKey, scope: request.scope },
        surface, { ...this.options.deps, budget }, job.controller.signal,
      );
      // an interrupted job stays in the journal: the next start re-offers it with Retry
      if (journal && !(outcome.status === 'failed' && outcome.code === 'INTERRUPTED')) {
        await journal.journal.remove(job.id).catch((err: unknown) => log.warn({ err }, 'journal write failed'));
      }
      metrics?.jobFinished({
        platform: journal?.platform ?? request.scope?.platform ?? 'cli', trigger: request.trigger ?? 'slash',
        outcome: outcome.status === 'done' && outcome.from !== 'model' ? 'cached' : outcome.status,
      });
      return outcome;
    });
    started?.done.finally(() => this.gauge()).catch(() => undefined);
    return started?.done;
  }

  /**
   * Shutdown: takes no new jobs, lets running ones finish for up to `graceMs`, then interrupts the rest (their
   * replies end as "interrupted" with Retry, and they stay in the journal for the next start), waiting a little
   * for those final edits.
   */
  async drain(graceMs: number): Promise<void> {
    this.closed = true;
    const until = Date.now() + graceMs;
    while (this.registry.size > 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
    if (this.registry.size === 0) return;
    this.registry.cancelAll(new TranslateError('INTERRUPTED'));
    const settle = Date.now() + 10_000;
    while (this.registry.size > 0 && Date.now() < settle) await new Promise((r) => setTimeout(r, 50));
  }

  private gauge(): void {
    const queue = this.options.deps.services?.queue;
    this.options.metrics?.setQueue(queue?.depth ?? 0, queue?.active ?? this.registry.size);
  }
}
