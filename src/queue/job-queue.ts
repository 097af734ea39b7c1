import { DelayedError, Queue, QueueEvents, Worker, type Job } from 'bullmq';
import { Redis } from 'ioredis';
import type { ChatJobRequest } from '../jobs/types.js';
import type { Logger } from '../logger.js';
import type { Platform } from '../store/types.js';

/**
 * The distributed job queue (BullMQ on Redis) behind `LIVETRANSLATE_ROLE=gateway|worker`.
 *
 * A gateway turns an accepted trigger into one queued job per file and language: `QueuedJob` says everything a
 * worker needs (where the reply lives, what to translate, who asked). Any worker takes it, posts and edits the reply
 * and posts the voice note. BullMQ keeps a lock on every active job, renewed by its worker every `lockMs / 2`; when a
 * worker dies (SIGKILL, machine gone) the lock runs out and BullMQ's stalled-job check (every `stalledCheckMs`) puts
 * the job back in the queue for another worker, which resumes it on the same reply (`JobContext.resumed`).
 *
 * Redis keys, all under the prefix (`<prefix>` = `LIVETRANSLATE_QUEUE_PREFIX`, default `lt`):
 * - `<prefix>:translate:*` — BullMQ's own (jobs, lists, locks, dedupe keys). Finished jobs are kept a day for Retry,
 *   at most 10,000 of each kind.
 * - `<prefix>:waiting` — a hash: jobs waiting or running per server (`<platform>:<server id>`), for fairness.
 * - `<prefix>:cancel:<jobId>` — a Cancel asked for (kept an hour), read by the worker when it starts the job; the
 *   running worker is told at once on the channel `<prefix>:cancels`.
 */

export const QUEUE_NAME = 'translate';

export interface QueuedJob<P = unknown> {
  jobId: string;
  platform: Platform;
  /** Where the reply lives (the platform's place: ids, an interaction token and when it was issued). */
  place: P;
  request: ChatJobRequest;
  requesterId: string;
  enqueuedAt: number;
}

export interface QueueTimings {
  /** How long a worker's lock on a job lasts without renewal: the longest a dead worker holds a job. */
  lockMs: number;
  /** How often workers look for jobs whose lock ran out. */
  stalledCheckMs: number;
  /** Times a job may be picked up again after its worker died, before it fails as interrupted. */
  maxStalled: number;
}

export const DEFAULT_TIMINGS: QueueTimings = { lockMs: 10_000, stalledCheckMs: 5_000, maxStalled: 3 };

const KEEP = { age: 24 * 3600, count: 10_000 };

const serverKeyOf = (job: QueuedJob) => `${job.request.scope.platform}:${job.request.scope.serverId}`;

/** The gateway's side: enqueue, find a job's data (Cancel and Retry clicks), ask for a cancel, counts for /metrics. */
export class JobQueue {
  private readonly connection: Redis;
  private readonly queue: Queue<QueuedJob>;

  constructor(url: string, private readonly prefix = 'lt') {
    this.connection = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: false });
    this.connection.on('error', () => undefined); // reported by the store's own client and by failing commands
    this.queue = new Queue<QueuedJob>(QUEUE_NAME, { connection: this.connection, prefix });
  }

  /** Whether a job with this dedupe key is waiting or running anywhere. */
  async isQueued(dedupeKey: string): Promise<boolean> {
    return !!(await this.queue.getDeduplicationJobId(dedupeKey));
  }

  /**
   * Queues a job; 'duplicate' when the same file and language is already waiting or running somewhere. Per-server
   * fairness: a job's priority is the number of its server's jobs waiting or running (BullMQ serves lower numbers
   * first), so one server's burst does not hold back another server's first job.
   */
  async add(job: QueuedJob): Promise<'queued' | 'duplicate'> {
    const server = serverKeyOf(job);
    const priority = await this.connection.hincrby(`${this.prefix}:waiting`, server, 1);
    const added = await this.queue.add('translate', job, {
      jobId: job.jobId, deduplication: { id: job.request.key }, removeOnComplete: KEEP, removeOnFail: KEEP,
      priority: Math.min(Math.max(priority, 1), 2_097_152),
    });
    if (added.id === job.jobId) return 'queued';
    await this.connection.hincrby(`${this.prefix}:waiting`, server, -1);
    return 'duplicate';
  }

  /** A job's data: 'unfinished' only while it waits or runs (Cancel), 'any' while kept (Retry: a day). */
  async get<P>(jobId: string, which: 'unfinished' | 'any'): Promise<QueuedJob<P> | undefined> {
    const job = await this.queue.getJob(jobId);
    if (!job) return undefined;
    if (which === 'unfinished' && ['completed', 'failed', 'unknown'].includes(await job.getState())) return undefined;
    return job.data as QueuedJob<P>;
  }

  /** Asks whichever worker runs (or will run) the job to cancel it. */
  async cancel(jobId: string): Promise<void> {
    await this.connection.set(`${this.prefix}:cancel:${jobId}`, '1', 'EX', 3600);
    await this.connection.publish(`${this.prefix}:cancels`, jobId);
  }

  async counts(): Promise<Record<string, number>> {
    return this.queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'completed', 'failed');
  }

  async close(): Promise<void> {
    await this.queue.close();
    this.connection.disconnect();
  }
}

export interface JobContext {
  /** Aborted with 'cancel' (a user's Cancel) or 'handback' (this worker is shutting down): see `stopError` (stop-error.ts). */
  signal: AbortSignal;
}

export type JobHandler = (job: QueuedJob, context: JobContext) => Promise<void>;

export interface QueueWorker {
  /** Jobs this worker is running now. */
  readonly active: number;
  /**
   * Shutdown: takes no new job, lets running ones finish for up to `graceMs`, then hands the rest back to the queue
   * (another worker resumes them on their replies).
   */
  drain(graceMs: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * Runs queued jobs, `concurrency` at a time. A handler that ends because of a hand-back (`signal.reason` is
 * 'handback') has its job put back in the queue at once; any other end completes the job (the handler never throws
 * for a translation's own failure: that is shown in the reply).
 */
export async function startQueueWorker(
  url: string, handler: JobHandler,
  options: { concurrency: number; prefix?: string; timings?: QueueTimings; logger: Logger; onAbandoned?: (job: QueuedJob) => Promise<void>; onStalled?: () => void },
): Promise<QueueWorker> {
  const prefix = options.prefix ?? 'lt';
  const timings = options.timings ?? DEFAULT_TIMINGS;
  const log = options.logger;
  const connection = new Redis(url, { maxRetriesPerRequest: null });
  const subscriber = new Redis(url, { maxRetriesPerRequest: null });
  connection.on('error', (err) => log.warn({ err }, 'queue connection error'));
  subscriber.on('error', () => undefined);
  let active = 0;
  let handingBack = false;
  const worker = new Worker<QueuedJob>(QUEUE_NAME, async (job: Job<QueuedJob>, token?: string, signal?: AbortSignal) => {
    if (!signal) throw new Error('BullMQ gave no abort signal');
    active++;
    let handedBack = false;
    try {
      if (await connection.get(`${prefix}:cancel:${job.data.jobId}`)) worker.cancelJob(job.id!, 'cancel');
      await handler(job.data, { signal });
      handedBack = signal.aborted && (signal.reason === 'handback' || handingBack);
    } finally {
      active--;
      if (!handedBack) await connection.hincrby(`${prefix}:waiting`, serverKeyOf(job.data), -1).catch(() => undefined);
    }
    if (handedBack) {
      await job.moveToDelayed(Date.now(), token);
      throw new DelayedError();
    }
  }, {
    connection, prefix, concurrency: options.concurrency, autorun: false,
    lockDuration: timings.lockMs, stalledInterval: timings.stalledCheckMs, maxStalledCount: timings.maxStalled,
  });
  worker.on('error', (err) => log.warn({ err }, 'queue worker error'));
  worker.on('stalled', (jobId) => {
    log.warn({ jobId }, 'a worker died with this job: it goes to another worker');
    options.onStalled?.();
  });
  // BullMQ gives up on a job whose workers died more than `maxStalled` times (its stalled check fails it, and only the
  // queue's event stream says so): its reply must still end. Every worker hears it; the first to claim it ends it.
  const eventsConnection = new Redis(url, { maxRetriesPerRequest: null });
  eventsConnection.on('error', () => undefined);
  const events = new QueueEvents(QUEUE_NAME, { connection: eventsConnection, prefix });
  const jobs = new Queue<QueuedJob>(QUEUE_NAME, { connection, prefix });
  events.on('error', (err) => log.warn({ err }, 'queue events error'));
  events.on('failed', ({ jobId, failedReason }) => {
    if (!/stalled/i.test(failedReason) || !options.onAbandoned) return;
    void (async () => {
      if (!(await connection.set(`${prefix}:abandoned:${jobId}`, '1', 'EX', 3600, 'NX'))) return;
      const job = await jobs.getJob(jobId);
      if (job) await options.onAbandoned!(job.data);
    })().catch((e: unknown) => log.error({ err: e, jobId }, 'could not end an abandoned job'));
  });
  await subscriber.subscribe(`${prefix}:cancels`);
  subscriber.on('message', (_channel, jobId: string) => void worker.cancelJob(jobId, 'cancel'));
  await worker.waitUntilReady();
  void worker.run().catch((err: unknown) => log.error({ err }, 'queue worker stopped'));
  return {
    get active() {
      return active;
    },
    async drain(graceMs) {
      const closing = worker.close();
      const timer = new Promise<'late'>((r) => setTimeout(() => r('late'), graceMs).unref());
      if ((await Promise.race([closing.then(() => 'closed' as const), timer])) === 'late') {
        handingBack = true;
        worker.cancelAllJobs('handback');
        await closing;
      }
    },
    async close() {
      await worker.close(true).catch(() => undefined);
      await events.close().catch(() => undefined);
      await jobs.close().catch(() => undefined);
      // connections handed to BullMQ are ours to close
      eventsConnection.disconnect();
      subscriber.disconnect();
      connection.disconnect();
    },
  };
}
