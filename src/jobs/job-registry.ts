import { randomUUID } from 'node:crypto';
import { TranslateError } from '../errors.js';

/**
 * A new job id: 12 hex characters (what Cancel and Retry buttons carry), never all digits: BullMQ refuses a custom
 * job id that is an integer ("Custom Id cannot be integers"), which 12 random hex characters are once in ~280 draws.
 */
export function newJobId(): string {
  for (;;) {
    const id = randomUUID().replaceAll('-', '').slice(0, 12);
    if (/\D/.test(id)) return id;
  }
}

/** A job the process is running: who asked, how to stop it, and what to run again on Retry. */
export interface RunningJob<R> {
  id: string;
  requesterId: string;
  dedupeKey: string | undefined;
  controller: AbortController;
  request: R;
  /** Settles when the job has left the registry (whatever its outcome). */
  settled: Promise<void>;
}

/**
 * The jobs this process runs: ids for Cancel/Retry buttons, dedupe of identical requests (two reactions with the
 * same flag on the same message run one translation), and cancellation. Finished jobs keep their request for Retry
 * for `retryWindowMs` (in memory; the journal of crash recovery is a separate concern).
 */
export class JobRegistry<R> {
  private readonly running = new Map<string, RunningJob<R>>();
  private readonly byKey = new Map<string, string>();
  private readonly finished = new Map<string, { request: R; requesterId: string; at: number }>();

  constructor(private readonly retryWindowMs = 15 * 60_000, private readonly now: () => number = Date.now) {}

  /**
   * Starts `run` unless a job with the same `dedupeKey` is running (then returns undefined). The job leaves the
   * registry when `run` settles. `id` is given for a job of the shared queue (its id was chosen by the gateway).
   */
  start<T>(
    request: R, requesterId: string, dedupeKey: string | undefined,
    run: (job: RunningJob<R>) => Promise<T>, id: string = newJobId(),
  ): { job: RunningJob<R>; done: Promise<T> } | undefined {
    if (dedupeKey && this.byKey.has(dedupeKey)) return undefined;
    if (this.running.has(id)) return undefined;
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const job: RunningJob<R> = { id, requesterId, dedupeKey, controller: new AbortController(), request, settled };
    this.running.set(job.id, job);
    if (dedupeKey) this.byKey.set(dedupeKey, job.id);
    const done = run(job).finally(() => {
      this.running.delete(job.id);
      if (dedupeKey) this.byKey.delete(dedupeKey);
      this.prune();
      this.finished.set(job.id, { request, requesterId, at: this.now() });
      settle();
    });
    return { job, done };
  }

  /** Makes a job known for Retry without running it (replies recovered after a restart). */
  remember(id: string, request: R, requesterId: string): void {
    this.prune();
    this.finished.set(id, { request, requesterId, at: this.now() });
  }

  /** Whether a job with this dedupe key is running. */
  isRunning(dedupeKey: string): boolean {
    return this.byKey.has(dedupeKey);
  }

  get(id: string): RunningJob<R> | undefined {
    return this.running.get(id);
  }

  /**
   * A user's Cancel: allowed for the requester, or for a moderator (`isModerator` is asked only for someone else).
   * 'finished' when the job is not running any more.
   */
  async cancelBy(id: string, userId: string, isModerator: () => boolean | Promise<boolean>): Promise<'cancelled' | 'finished' | 'not-allowed'> {
    const job = this.running.get(id);
    if (!job) return 'finished';
    if (job.requesterId !== userId && !(await isModerator())) return 'not-allowed';
    this.cancel(id);
    return 'cancelled';
  }

  /** Aborts a running job; false when it is not running (already finished, or unknown). */
  cancel(id: string): boolean {
    const job = this.running.get(id);
    if (!job) return false;
    job.controller.abort(new TranslateError('CANCELLED'));
    return true;
  }

  /**
   * The request of a job, for Retry, while it is remembered. A job whose failure is already on screen may still be
   * wrapping up (its Retry button can be clicked before it leaves the running set), so running jobs count too.
   */
  retryRequest(id: string): { request: R; requesterId: string } | undefined {
    this.prune();
    const found = this.finished.get(id) ?? this.running.get(id);
    return found && { request: found.request, requesterId: found.requesterId };
  }

  get size(): number {
    return this.running.size;
  }

  /** Finished jobs remembered for Retry (pruned after `retryWindowMs`). */
  get remembered(): number {
    return this.finished.size;
  }

  /** Aborts everything (shutdown); the jobs end with `reason` (default CANCELLED). */
  cancelAll(reason: TranslateError = new TranslateError('CANCELLED')): void {
    for (const job of this.running.values()) job.controller.abort(reason);
  }

  private prune(): void {
    const cutoff = this.now() - this.retryWindowMs;
    for (const [id, f] of this.finished) if (f.at < cutoff) this.finished.delete(id);
  }
}
