import { systemClock, type Clock } from '../clock.js';
import { splitPoint } from './split-text.js';
import type {
  ReplyLogger,
  ReplyOutcome,
  ReplyStreamOptions,
  ReplyStreamStats,
  ReplySurface,
  ReplyView,
  WriteBudget,
  WritePriority,
} from './types.js';

/** Tries for a final view (a message's last write) before giving up; waits 1 s, then 2 s between tries. */
export const FINAL_WRITE_TRIES = 3;
const RETRY_BASE_MS = 1_000;

const silentLogger: ReplyLogger = { warn: () => undefined };

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
  settled: boolean;
}

function deferred(): Deferred {
  const d = { settled: false } as Deferred;
  d.promise = new Promise<void>((resolve, reject) => {
    d.resolve = () => {
      d.settled = true;
      resolve();
    };
    d.reject = (err) => {
      d.settled = true;
      reject(err);
    };
  });
  d.promise.catch(() => undefined); // rejections reach whoever awaits start()/end(); never "unhandled"
  return d;
}

/**
 * Streams text into one reply made of one or more messages (see `ReplyView` for the contract).
 *
 * One write loop per stream: it waits out the per-stream interval and the shared budget, then sends the LATEST
 * state, so text arriving during a wait or a slow write is coalesced and stale states are never queued.
 */
export class ReplyStream<M = unknown> {
  private readonly surface: ReplySurface<M>;
  private readonly budget: WriteBudget;
  private readonly clock: Clock;
  private readonly minIntervalMs: number;
  private readonly eagerFirstText: boolean;
  private readonly logger: ReplyLogger;
  private readonly maxParts: number;

  private text = '';
  /** Length of the text held by finalized earlier parts. */
  private committed = 0;
  private part = 0;
  /** The current part's message, once posted. */
  private current: { handle: M } | undefined;
  /** What the current part last showed (or last tried to show); undefined before its first write. */
  private shown: string | undefined;
  private outcome: ReplyOutcome | undefined;
  private finished = false;
  private running = false;
  private lastWriteAt = -Infinity;
  private notBefore = -Infinity;
  private unshownDeltas = 0;
  /** `refresh` asked for a rewrite of unchanged text. */
  private stale = false;
  private waiting: { controller: AbortController; priority: WritePriority } | undefined;
  /** The interval wait in progress, woken by `end`. */
  private sleeping: AbortController | undefined;
  private finalFailure: { error: unknown } | undefined;
  private readonly firstPost = deferred();
  private readonly ended = deferred();
  /** See `finalSent`. */
  private readonly finalOut = deferred();
  private readonly counters: ReplyStreamStats = {
    writes: 0,
    posts: 0,
    edits: 0,
    failedWrites: 0,
    deltas: 0,
    coalescedDeltas: 0,
  };

  constructor(options: ReplyStreamOptions<M>) {
    if (!(options.surface.maxTextLength >= 1)) throw new RangeError('ReplySurface.maxTextLength must be at least 1');
    this.surface = options.surface;
    this.budget = options.budget;
    this.clock = options.clock ?? systemClock;
    this.minIntervalMs = options.minIntervalMs ?? 1_000;
    this.eagerFirstText = options.eagerFirstText ?? false;
    this.maxParts = Math.max(1, options.maxParts ?? Infinity);
    this.logger = options.logger ?? silentLogger;
  }

  /**
   * Posts part 0 now (empty text unless text was already appended). Resolves when it landed; rejects with the
   * surface's error if that post failed, in which case the next write tries to post again.
   */
  start(): Promise<void> {
    this.kick();
    return this.firstPost.promise;
  }

  /** Adds text; never blocks. Ignored once `end` was called. */
  append(delta: string): void {
    if (delta === '' || this.outcome) return;
    this.text += delta;
    this.counters.deltas++;
    this.unshownDeltas++;
    this.upgradeWait();
    this.kick();
  }

  /**
   * Asks for the current part to be written again with the same text (its decoration changed, e.g. the place in
   * the queue shown in the header). Coalesced and budgeted like any write, at the lowest priority ('low') while the
   * text itself is unchanged; ignored once the reply is ending.
   */
  refresh(): void {
    if (this.outcome || this.finished) return;
    this.stale = true;
    this.upgradeWait();
    this.kick();
  }

  /**
   * Writes the final view of every remaining part. Resolves when all final views landed; rejects with the first
   * final write that failed all its tries. A second call returns the same promise and its outcome is ignored.
   * The last message's final view waits for the shared budget only, not for `minIntervalMs`.
   */
  end(outcome: ReplyOutcome): Promise<void> {
    if (!this.outcome) {
      this.outcome = outcome;
      this.sleeping?.abort();
      this.upgradeWait();
      this.kick();
    }
    return this.ended.promise;
  }

  /**
   * Resolves once the reply's last final view is on its way: its write was issued as an edit of a message already
   * on screen (every earlier write has landed, since a reply has one write in flight at a time), or, when that
   * view had to be a new post, once the post landed or gave up. Also resolves if the stream stops. Never rejects.
   *
   * What follows a reply (its voice note, its text file) may be posted from then on, in parallel with the final
   * edit: the messages it replies to exist, the complete text is already sent, and nothing is queued behind it.
   */
  finalSent(): Promise<void> {
    return this.finalOut.promise;
  }

  stats(): ReplyStreamStats {
    return { ...this.counters };
  }

  private rest(): string {
    return this.text.slice(this.committed);
  }

  private wantsFinal(): boolean {
    return this.outcome !== undefined || this.text.length - this.committed > this.surface.maxTextLength;
  }

  private hasWork(): boolean {
    if (this.finished) return false;
    return this.wantsFinal() || this.shown === undefined || this.rest() !== this.shown || this.stale;
  }

  /** The budget priority of the next write: final views first, new text next, a mere rewrite ('refresh') last. */
  private priority(): WritePriority {
    if (this.wantsFinal()) return 'final';
    return this.shown === undefined || this.rest() !== this.shown ? 'normal' : 'low';
  }

  /** A wait queued at a lower priority than the write now needs (text arrived, the reply ended) re-queues. */
  private upgradeWait(): void {
    const rank = { low: 0, normal: 1, final: 2 } as const;
    if (this.waiting && rank[this.waiting.priority] < rank[this.priority()]) this.waiting.controller.abort();
  }

  private kick(): void {
    if (this.running || !this.hasWork()) return;
    this.running = true;
    this.run().then(
      () => {
        this.running = false;
        this.kick();
      },
      (err: unknown) => {
        this.running = false;
        this.finished = true;
        this.logger.warn({ err }, 'reply stream stopped');
        this.firstPost.reject(err);
        this.ended.reject(err);
        this.finalOut.resolve();
      },
    );
  }

  private async run(): Promise<void> {
    while (this.hasWork()) {
      await this.waitTurn(false);
      await this.write(this.nextView());
    }
  }

  private async waitTurn(final: boolean): Promise<void> {
    for (;;) {
      const eager = this.eagerFirstText && this.shown === '' && this.part === 0 && this.rest() !== '';
      // the reply's last view (it ended and the rest fits this message) is held by the shared budget only
      const last = this.outcome !== undefined && this.rest().length <= this.surface.maxTextLength;
      const interval = eager || last ? 0 : this.minIntervalMs;
      const wait = Math.max(this.lastWriteAt + interval, this.notBefore) - this.clock.now();
      if (wait > 0) {
        // an end arriving during the interval wakes the wait (the interval no longer holds the last view)
        const controller = new AbortController();
        this.sleeping = controller;
        await this.clock.sleep(wait, controller.signal).catch(() => undefined);
        this.sleeping = undefined;
        if (this.outcome !== undefined && !last) continue;
      }
      const priority: WritePriority = final ? 'final' : this.priority();
      const controller = new AbortController();
      this.waiting = { controller, priority };
      try {
        await this.budget.acquire(priority, controller.signal);
        return;
      } catch (err) {
        if (!controller.signal.aborted) throw err;
      } finally {
        this.waiting = undefined;
      }
    }
  }

  /** The text outgrew `maxParts` messages: the last one stops where it was full (see `ReplyView.overflow`). */
  get overflowed(): boolean {
    return this.part === this.maxParts - 1 && this.rest().length > this.surface.maxTextLength;
  }

  private nextView(): ReplyView {
    const rest = this.rest();
    const part = this.part;
    if (rest.length > this.surface.maxTextLength && part === this.maxParts - 1) {
      const text = rest.slice(0, splitPoint(rest, this.surface.maxTextLength));
      if (this.outcome) return { part, text, final: true, continued: false, overflow: true, outcome: this.outcome };
      return { part, text, final: false, continued: false, overflow: true };
    }
    if (rest.length > this.surface.maxTextLength) {
      const cut = splitPoint(rest, this.surface.maxTextLength);
      return { part, text: rest.slice(0, cut), final: true, continued: true };
    }
    if (this.outcome) return { part, text: rest, final: true, continued: false, outcome: this.outcome };
    return { part, text: rest, final: false, continued: false };
  }

  /** One write, with retries if it is a final view. Never throws. */
  private async write(view: ReplyView): Promise<void> {
    this.stale = false;
    if (this.unshownDeltas > 1) this.counters.coalescedDeltas += this.unshownDeltas - 1;
    this.unshownDeltas = 0;
    const tries = view.final ? FINAL_WRITE_TRIES : 1;
    let error: unknown;
    for (let attempt = 1; attempt <= tries; attempt++) {
      if (attempt > 1) {
        this.notBefore = this.clock.now() + RETRY_BASE_MS * 2 ** (attempt - 2);
        await this.waitTurn(true);
      }
      this.lastWriteAt = this.clock.now();
      try {
        await this.send(view);
        this.landed(view);
        return;
      } catch (err) {
        error = err;
        this.counters.failedWrites++;
        const msg = !view.final
          ? 'reply edit failed; skipped'
          : attempt < tries
            ? 'final reply write failed; retrying'
            : 'final reply write failed; giving up';
        this.logger.warn({ err, part: view.part, final: view.final, attempt }, msg);
      }
    }
    this.gaveUp(view, error);
  }

  private async send(view: ReplyView): Promise<void> {
    this.counters.writes++;
    if (this.current) {
      this.counters.edits++;
      const edit = this.surface.edit(this.current.handle, view);
      if (view.final && !view.continued) this.finalOut.resolve();
      await edit;
    } else {
      this.counters.posts++;
      this.current = { handle: await this.surface.post(view) };
    }
  }

  private landed(view: ReplyView): void {
    const now = this.clock.now();
    this.counters.firstWriteAt ??= now;
    if (view.text !== '') this.counters.firstTextWriteAt ??= now;
    if (view.part === 0 && !this.firstPost.settled) this.firstPost.resolve();
    this.settled(view);
  }

  private gaveUp(view: ReplyView, error: unknown): void {
    if (view.part === 0 && !this.firstPost.settled) this.firstPost.reject(error);
    if (view.final) this.finalFailure ??= { error };
    this.settled(view);
  }

  /** Moves on after a write: a finalized part is never written again, whether its write landed or not. */
  private settled(view: ReplyView): void {
    if (!view.final) {
      this.shown = view.text; // a failed non-final edit is skipped: the next change carries the latest text
    } else if (view.continued) {
      this.committed += view.text.length;
      this.part++;
      this.current = undefined;
      this.shown = undefined;
    } else {
      this.finished = true;
      this.finalOut.resolve();
      if (this.finalFailure) this.ended.reject(this.finalFailure.error);
      else this.ended.resolve();
    }
  }
}
