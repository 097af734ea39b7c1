import { systemClock, type Clock } from '../clock.js';
import { asTranslateError, TranslateError } from '../errors.js';
import type { LanguageCode } from '../languages.js';
import type { MediaSource } from '../media/types.js';
import type { Metrics } from '../ops/metrics.js';
import type { TranslationAsk } from '../plan.js';
import { EditBudgets, type EditBudgetLimits, type WriteBudgets } from '../reply/edit-budget.js';
import type { Platform, ServerSettings } from '../store/types.js';
import { runChatJob } from './chat-job.js';
import { endInterrupted, journaledSurface, recoverInterrupted } from './journal.js';
import { JobRegistry, newJobId, type RunningJob } from './job-registry.js';
import type { JobQueue, QueuedJob } from '../queue/job-queue.js';
import { stopError } from '../queue/stop-error.js';
import { NOTICES } from './notices.js';
import { PendingChoices } from './pending-choices.js';
import type { CancelResult, Trigger, TriggerFile, TriggerResult, TriggerWhere } from './trigger.js';
import {
  channelAllowed, defaultTargetOf, FieldError, mediaOf, refuseFiles, serverSettings, userSettings, validateAsk, withSaved,
} from './trigger-policy.js';
import { TriggerRate } from './trigger-rate.js';
import { jobKey, type ChatJobDeps, type ChatJobOutcome, type ChatJobRequest, type ChatSurface } from './types.js';

export interface ChatJobsOptions<P> {
  platform: Platform;
  /** Model, intake, logger and services (store, queue, budgets); the edit budget is chosen per reply. */
  deps: Omit<ChatJobDeps, 'budget'>;
  /** The platform's edit limit per rate-limit scope (e.g. 5 per 5 s per Discord channel). */
  limits: EditBudgetLimits;
  /** Budgets shared by every process (on Redis), built for these `limits`; default: this process's own `EditBudgets`. */
  editBudgets?: ((limits: EditBudgetLimits, platform: Platform) => WriteBudgets) | undefined;
  clock?: Clock | undefined;
  /** The reply surface for a place (where a reply lives on the platform). */
  surfaceFor(place: P, jobId: string): ChatSurface<string>;
  /** The rate-limit scope a place writes into (budgets are shared by every job in a scope). */
  scopeOf(place: P): string;
  /** Adds platform credentials to a download when the job runs (they are never stored with the request). */
  authorize?(source: MediaSource): MediaSource;
  /** A user's triggers per minute before refusing (the abuse limit; 0 = none). Default 20. */
  triggersPerMinute?: number | undefined;
  /** This process's name in the job journal (default 'default'); the journal is on when `deps.services.store` is. */
  instance?: string | undefined;
  metrics?: Metrics | undefined;
  /**
   * Gateway role (`LIVETRANSLATE_ROLE=gateway`): accepted jobs go to the shared queue instead of running here; a
   * worker runs them (`runQueued`). Cancel and Retry clicks find jobs there too.
   */
  queue?: Pick<JobQueue, 'isQueued' | 'add' | 'get' | 'cancel'> | undefined;
}

/**
 * One platform's chat jobs: the trigger pipeline every trigger goes through (`trigger`), Cancel (`cancel`), the
 * "Translate to…" menus waiting for a language (`choices`), crash recovery (`recover`) and shutdown (`drain`,
 * `stop`). One edit budget per rate-limit scope is shared by every job there. `P` is the platform's description of
 * where a reply lives. Adapters turn platform events into these calls and render what comes back.
 */
export class ChatJobs<P> {
  readonly choices: PendingChoices;
  private readonly registry: JobRegistry<ChatJobRequest>;
  private readonly budgets: WriteBudgets;
  private readonly rate: TriggerRate;
  private readonly clock: Clock;
  private readonly owner: string;
  private closed = false;

  constructor(private readonly options: ChatJobsOptions<P>) {
    this.clock = options.clock ?? systemClock;
    const now = () => this.clock.now();
    this.registry = new JobRegistry<ChatJobRequest>(undefined, now);
    this.choices = new PendingChoices(now);
    this.budgets = options.editBudgets?.(options.limits, options.platform) ?? new EditBudgets({ ...options.limits, clock: this.clock });
    this.rate = new TriggerRate(options.triggersPerMinute ?? 20, now);
    this.owner = `${options.instance ?? 'default'}:${options.platform}`;
    const track = options.metrics?.trackSize.bind(options.metrics, options.platform);
    track?.('edit_budgets', () => this.budgets.size);
    track?.('pending_choices', () => this.choices.size);
    track?.('trigger_windows', () => this.rate.size);
    track?.('retry_requests', () => this.registry.remembered);
  }

  /** Jobs running now. */
  get running(): number {
    return this.registry.size;
  }

  /**
   * The trigger pipeline (see `Trigger` for the order of checks). Resolves once jobs have started (or not); never
   * rejects. `t.acknowledge` is called just before the first job starts, never for a refusal.
   */
  async trigger(t: Trigger<P>): Promise<TriggerResult> {
    let result: TriggerResult;
    try {
      result = await this.decide(t);
    } catch (err) {
      result = err instanceof FieldError
        ? { status: 'refused', reason: err.error, field: err.field }
        : { status: 'refused', reason: asTranslateError(err) };
    }
    if (result.status === 'refused' && result.reason.code === 'TOO_MANY_TRIGGERS' && !this.rate.shouldTell(`${t.platform}:${t.userId}`)) {
      // a reaction has no interaction to answer: its notice is a channel reply, so a flood is told once per window
      if (t.kind === 'reaction') result = { ...result, quiet: true };
    }
    if (result.status === 'refused') {
      this.options.metrics?.jobFinished({ platform: this.options.platform, trigger: t.kind, outcome: 'refused' });
      this.options.deps.logger.info({ trigger: t.kind, code: result.reason.code, user: t.userId, ...(result.reason.code === 'INTERNAL' ? { err: result.reason.cause } : {}) }, 'trigger refused');
    }
    return result;
  }

  /**
   * The checks of `trigger` that need no language and count nothing: before showing a "Translate to…" menu or a
   * form. `files` undefined: the form asks for them, so they are checked when it is submitted.
   */
  async precheck(t: TriggerWhere & { files?: TriggerFile[] | undefined }): Promise<TriggerResult | undefined> {
    try {
      if (this.closed) throw new TranslateError('RESTARTING');
      const server = await serverSettings(this.store, t.platform, t.serverId);
      if (!channelAllowed(server, t.channelId)) throw new TranslateError('CHANNEL_NOT_ALLOWED');
      if (t.files) refuseFiles(mediaOf(t.files), this.options.deps.intake.maxBytes);
      return undefined;
    } catch (err) {
      return { status: 'refused', reason: err instanceof FieldError ? err.error : asTranslateError(err) };
    }
  }

  /** The language "Translate" would choose for this user here (also a form's initial choice). */
  async defaultTarget(where: TriggerWhere, locale: string | undefined): Promise<string> {
    const server = await serverSettings(this.store, where.platform, where.serverId).catch(() => undefined);
    return defaultTargetOf(await userSettings(this.store, where.platform, where.userId), server, locale);
  }

  /** A Cancel click: the job must belong to the server and channel it was clicked in; then the requester or a moderator. */
  async cancel(click: TriggerWhere & { jobId: string; isModerator: () => boolean | Promise<boolean> }): Promise<CancelResult> {
    if (this.options.queue && !this.registry.get(click.jobId)) return this.cancelQueued(click);
    const job = this.registry.get(click.jobId);
    if (!job || !sameWhere(job.request, click)) return { status: 'refused', notice: NOTICES.cancelFinished };
    const result = await this.registry.cancelBy(click.jobId, click.userId, click.isModerator);
    if (result === 'cancelled') return { status: 'cancelled' };
    return { status: 'refused', notice: result === 'finished' ? NOTICES.cancelFinished : NOTICES.cancelNotAllowed };
  }

  /** A Cancel click for a job of the shared queue: checked against the job's data, then sent to its worker. */
  private async cancelQueued(click: TriggerWhere & { jobId: string; isModerator: () => boolean | Promise<boolean> }): Promise<CancelResult> {
    const queued = await this.options.queue!.get<P>(click.jobId, 'unfinished');
    if (!queued || !sameWhere(queued.request, click)) return { status: 'refused', notice: NOTICES.cancelFinished };
    if (queued.requesterId !== click.userId && !(await click.isModerator())) return { status: 'refused', notice: NOTICES.cancelNotAllowed };
    await this.options.queue!.cancel(click.jobId);
    return { status: 'cancelled' };
  }

  /**
   * Worker role: runs one job of the shared queue on the reply its gateway chose. A job a dead worker left (its
   * journal entry exists) is continued on the same reply (see `journaledSurface`). `signal` aborts with the queue's
   * reason ('cancel' or 'handback', see `stopError`).
   */
  async runQueued(job: QueuedJob, signal: AbortSignal): Promise<ChatJobOutcome> {
    const queued = this.ours(job);
    const started = this.registry.start(queued.request, queued.requesterId, queued.request.key, (job) => this.run(job, queued.place, true), queued.jobId);
    if (!started) return { status: 'failed', code: 'INTERNAL', retryable: false };
    const stop = () => started.job.controller.abort(stopError(signal.reason));
    if (signal.aborted) stop();
    signal.addEventListener('abort', stop, { once: true });
    return started.done.finally(() => signal.removeEventListener('abort', stop));
  }

  /**
   * Worker role: a queued job that every worker taking it died on (the queue gave up on it): its reply ends as
   * interrupted, with its text and Retry, so it never stays "translating…".
   */
  async endAbandoned(job: QueuedJob): Promise<void> {
    const queued = this.ours(job);
    const entry = await this.store?.journal.get<P>(queued.jobId);
    const log = this.options.deps.logger;
    log.warn({ jobId: queued.jobId }, 'every worker that took this job stopped: its reply ends as interrupted');
    await endInterrupted(this.store!.journal, entry ?? { ...queued, owner: `queue:${queued.platform}`, messages: [], startedAt: queued.enqueuedAt },
      (e) => this.options.surfaceFor(e.place, e.jobId), () => undefined, log, () => this.clock.now());
  }

  /**
   * A job of the shared queue as this platform's: its place was written by this platform's gateway (the one
   * narrowing of a queued place; a job of another platform is a wiring error, never run with the wrong surface).
   */
  private ours(job: QueuedJob): QueuedJob<P> {
    if (job.platform !== this.options.platform) throw new Error(`a ${job.platform} job was handed to the ${this.options.platform} jobs`);
    return job as QueuedJob<P>;
  }

  /** On start: replies this process left "translating…" (killed, or stopped) end as interrupted, with Retry. */
  async recover(): Promise<number> {
    if (!this.store) return 0;
    return recoverInterrupted<P>(
      this.store.journal, this.owner, (entry) => this.options.surfaceFor(entry.place, entry.jobId),
      (entry) => this.registry.remember(entry.jobId, entry.request, entry.requesterId), this.options.deps.logger,
      () => this.clock.now(),
    );
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

  /** Ends every running job at once as interrupted (tests, a failed start). */
  stop(): void {
    this.closed = true;
    this.registry.cancelAll(new TranslateError('INTERRUPTED'));
  }

  private get store() {
    return this.options.deps.services?.store;
  }

  private async decide(t: Trigger<P>): Promise<TriggerResult> {
    if (this.closed) throw new TranslateError('RESTARTING');
    // 0. not a request at all (a flag on a message whose files are hidden is one, answered once the channel is known)
    const media = mediaOf(t.files);
    const passive = t.kind === 'reaction' || t.kind === 'auto';
    const hidden = t.kind === 'reaction' && !!t.filesHidden && !t.byBot;
    if (passive && (t.byBot || media.length === 0) && !hidden) return { status: 'ignored' };
    // 1. the channel allow-list (an auto-translate channel outside it stays quiet: nobody asked)
    const server = await this.serverFor(t);
    if (server === QUIET) return { status: 'ignored' };
    const autoLanguages = server?.autoTranslate?.[t.channelId] ?? [];
    if (t.kind === 'auto' && (autoLanguages.length === 0 || !channelAllowed(server, t.channelId))) return { status: 'ignored' };
    if (!channelAllowed(server, t.channelId)) throw new TranslateError('CHANNEL_NOT_ALLOWED');
    if (hidden) throw new TranslateError('FILES_HIDDEN');
    // 2. the abuse limit (a burst below it is queued by the fair queue, not refused)
    if (t.kind !== 'auto') this.rate.take(`${t.platform}:${t.userId}`);
    // 3.–4. files and target: a Retry repeats its request as it was, once the failed job has wrapped up
    if (t.target.kind === 'retry') {
      const retried = this.options.queue ? await this.retryOfQueued(t.target.jobId, t) : this.retryOf(t.target.jobId, t);
      await this.registry.get(t.target.jobId)?.settled;
      return this.start(t, [{ ...retried, trigger: 'retry' }], retried.private);
    }
    refuseFiles(media, this.options.deps.intake.maxBytes);
    const asks = await this.asksFor(t, server, autoLanguages);
    for (const ask of asks) validateAsk(ask);
    // 5. one job per file and language, in order
    const isPrivate = !!t.private;
    const requests = asks.flatMap((ask) => media.map((file) => this.request(t, file, ask, isPrivate)));
    return this.start(t, requests, isPrivate);
  }

  /**
   * The server's settings for step 1. A store that cannot be read refuses (fails closed), except for an
   * auto-translate channel: nobody asked there, so every voice note would get a "storage not reachable" notice;
   * it is logged and the note left alone (`QUIET`).
   */
  private async serverFor(t: Trigger<P>): Promise<ServerSettings | undefined | typeof QUIET> {
    try {
      return await serverSettings(this.store, t.platform, t.serverId);
    } catch (err) {
      if (t.kind !== 'auto') throw err;
      this.options.deps.logger.warn({ err, channel: t.channelId }, 'auto-translate skipped: the server settings could not be read');
      return QUIET;
    }
  }

  private async asksFor(t: Trigger<P>, server: ServerSettings | undefined, autoLanguages: LanguageCode[]): Promise<TranslationAsk[]> {
    if (t.target.kind === 'auto') return autoLanguages.map((to) => ({ to }));
    const user = await userSettings(this.store, t.platform, t.userId);
    switch (t.target.kind) {
      case 'ask': return [withSaved(t.target.ask, user)];
      case 'flag': return [withSaved({ to: t.target.language }, user)];
      default: return [withSaved({ to: defaultTargetOf(user, server, t.locale) }, user)];
    }
  }

  private request(t: Trigger<P>, file: TriggerFile, ask: TranslationAsk, isPrivate: boolean): ChatJobRequest {
    return {
      source: { kind: 'url', url: file.url }, fileName: file.label, ask, key: jobKey(file.id, ask, t.unique),
      fileKey: `${t.platform}:${file.id}`,
      scope: { platform: t.platform, serverId: t.serverId ?? `dm:${t.userId}`, userId: t.userId },
      where: { serverId: t.serverId, channelId: t.channelId }, private: isPrivate, trigger: t.kind,
    };
  }

  /** The request behind a Retry button, if it is still known, was asked here and (if private) by the clicker. */
  private retryOf(jobId: string, where: TriggerWhere): ChatJobRequest {
    return retryable(this.registry.retryRequest(jobId), where);
  }

  /** A Retry in the gateway role: the request is the failed job's data in the shared queue (kept a day). */
  private async retryOfQueued(jobId: string, where: TriggerWhere): Promise<ChatJobRequest> {
    return retryable(this.registry.retryRequest(jobId) ?? (await this.options.queue?.get<P>(jobId, 'any')), where);
  }

  /**
   * Gateway role, step 5: dedupe against the whole queue, acknowledge, then queue one job per request. `done`
   * resolves once they are queued (a worker shows the outcome in the reply).
   */
  private async enqueue(t: Trigger<P>, requests: ChatJobRequest[], isPrivate: boolean): Promise<TriggerResult> {
    const queue = this.options.queue!;
    const fresh: ChatJobRequest[] = [];
    for (const r of requests) if (!(await queue.isQueued(r.key))) fresh.push(r);
    if (fresh.length === 0) return { status: 'deduplicated' };
    await t.acknowledge?.(isPrivate);
    let queued = 0;
    for (const request of fresh) {
      const job = { jobId: newJobId(), platform: this.options.platform, place: t.placeFor(queued, isPrivate), request, requesterId: t.userId, enqueuedAt: Date.now() };
      if ((await queue.add(job)) === 'queued') queued++;
    }
    return { status: 'started', jobs: queued, duplicates: requests.length - queued, done: Promise.resolve([]) };
  }

  /** Step 5: dedupe, acknowledge, then run the jobs one after another in order. */
  private async start(t: Trigger<P>, requests: ChatJobRequest[], isPrivate: boolean): Promise<TriggerResult> {
    if (this.options.queue) return this.enqueue(t, requests, isPrivate);
    const fresh = requests.filter((r) => !this.registry.isRunning(r.key));
    if (fresh.length === 0) return { status: 'deduplicated' };
    await t.acknowledge?.(isPrivate);
    const outcomes: Promise<ChatJobOutcome>[] = [];
    let previous: Promise<unknown> = Promise.resolve();
    for (const request of fresh) {
      const n = outcomes.length;
      const after = previous;
      const started = this.registry.start(request, t.userId, request.key, async (job) => {
        await after.catch(() => undefined);
        return this.run(job, t.placeFor(n, isPrivate));
      });
      if (!started) continue; // the same job started while this one was acknowledged
      started.done.catch(() => undefined);
      outcomes.push(started.done);
      previous = started.done;
    }
    const done = Promise.all(outcomes.map((o) => o.catch((err: unknown) => ({ status: 'failed' as const, code: asTranslateError(err).code, retryable: false }))));
    return { status: 'started', jobs: outcomes.length, duplicates: requests.length - outcomes.length, done };
  }

  private async run(job: RunningJob<ChatJobRequest>, place: P, queued = false): Promise<ChatJobOutcome> {
    const { request } = job;
    const log = this.options.deps.logger;
    const store = this.store;
    let surface = this.options.surfaceFor(place, job.id);
    if (store) {
      // a queued job may have been started by a worker that died: its entry says what is on screen already
      const previous = queued ? await store.journal.get<P>(job.id).catch(() => undefined) : undefined;
      if (previous) log.info({ jobId: job.id, messages: previous.messages.length }, 'taking over a job whose worker stopped');
      const owner = queued ? `queue:${this.options.platform}` : this.owner; // no process's `recover` takes a queued job
      const entry = { jobId: job.id, platform: this.options.platform, owner, place, request, requesterId: job.requesterId, messages: [], startedAt: Date.now() };
      if (!previous) await store.journal.put(entry).catch((err: unknown) => log.warn({ err }, 'journal write failed'));
      surface = journaledSurface(surface, store.journal, job.id, log, previous);
    }
    this.gauge();
    const source = this.options.authorize ? this.options.authorize(request.source) : request.source;
    const expiry = this.watchExpiry(surface.writableUntil, job.controller);
    const outcome = await runChatJob(
      { id: job.id, source, fileName: request.fileName, ask: request.ask, fileKey: request.fileKey, scope: request.scope },
      surface, { ...this.options.deps, budget: this.budgets.get(this.options.scopeOf(place)) }, job.controller.signal,
    ).finally(() => clearInterval(expiry));
    // an interrupted job stays in the journal: the next start re-offers it with Retry
    // (and one handed back to the queue stays for the worker that takes it over)
    if (store && !(outcome.status === 'failed' && (outcome.code === 'INTERRUPTED' || outcome.code === 'HANDED_BACK'))) {
      await store.journal.remove(job.id).catch((err: unknown) => log.warn({ err }, 'journal write failed'));
    } else store?.journal.release(job.id);
    this.options.metrics?.jobFinished({
      platform: this.options.platform, trigger: request.trigger,
      outcome: outcome.status === 'done' && outcome.from !== 'model' ? 'cached' : outcome.status,
    });
    queueMicrotask(() => this.gauge());
    return outcome;
  }

  /** Ends a job whose reply is about to become unwritable (checked each second against the clock). */
  private watchExpiry(until: number | undefined, controller: AbortController): NodeJS.Timeout | undefined {
    if (until === undefined) return undefined;
    const timer = setInterval(() => {
      if (this.clock.now() >= until) controller.abort(new TranslateError('REPLY_EXPIRING'));
    }, 1_000);
    timer.unref();
    return timer;
  }

  private gauge(): void {
    const queue = this.options.deps.services?.queue;
    this.options.metrics?.setQueue(queue?.depth ?? 0, queue?.active ?? this.registry.size);
  }
}

/** Step 1's answer for an auto-translate channel whose server settings could not be read: stay quiet. */
const QUIET = Symbol('quiet');

/**
 * The request a Retry click repeats, for the clicker: it must be known and asked where the button was clicked; a
 * private reply (only its requester saw it) is retried by its requester only.
 */
function retryable(found: { request: ChatJobRequest; requesterId: string } | undefined, where: TriggerWhere): ChatJobRequest {
  if (!found || !sameWhere(found.request, where)) throw new TranslateError('RETRY_GONE');
  if (found.request.private && found.requesterId !== where.userId) {
    throw new TranslateError('RETRY_GONE', '(Only the person who asked for a private translation can retry it.)');
  }
  return { ...found.request, scope: { ...found.request.scope, userId: where.userId } };
}

/** Whether a job was asked in the place a click comes from (a button of another server or channel is refused). */
function sameWhere(request: ChatJobRequest, where: TriggerWhere): boolean {
  return request.scope.platform === where.platform && request.where.serverId === where.serverId && request.where.channelId === where.channelId;
}
