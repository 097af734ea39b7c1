import { systemClock, type Clock } from '../clock.js';
import type { WriteBudget, WritePriority } from './types.js';

export interface EditBudgetLimits {
  /** Writes allowed in any window of `perMs`. */
  writes: number;
  perMs: number;
  /**
   * Slots of every window only final writes may take (default 0): normal and low writes stop at
   * `writes - finalReserve`, so a reply that just ended finds a slot for its last view instead of waiting for the
   * window its own growing edits filled (the voice note waits for that view). Less than `writes`.
   */
  finalReserve?: number;
}

/** Limits observed per platform scope (see PLATFORM-FACTS.md); adapters pick one per scope. */
export const EDIT_LIMITS = {
  /**
   * Message edits/posts per Discord channel or interaction webhook: about 5 per 5 s (observed, undocumented); one
   * kept for final views (a streaming reply edits at most 4 times in 5 s and its last view never waits for a slot).
   */
  discordChannel: { writes: 5, perMs: 5_000, finalReserve: 1 },
  /** Slack `chat.update` is Tier 3, about 50 per minute per workspace; a few kept for final views. */
  slackWorkspace: { writes: 50, perMs: 60_000, finalReserve: 5 },
} as const satisfies Record<string, EditBudgetLimits>;

interface Waiter {
  priority: WritePriority;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

/**
 * Sliding-window budget: a grant at time t occupies the window until t + perMs, so any interval of `perMs` holds at
 * most `writes` grants. That is never looser than a server's fixed or sliding window of the same size.
 * Counted at grant time, i.e. when the write is issued.
 */
export class EditBudget implements WriteBudget {
  readonly writes: number;
  readonly perMs: number;
  readonly finalReserve: number;
  private readonly clock: Clock;
  /** Grant times still inside the window, oldest first. */
  private readonly grants: number[] = [];
  private readonly finals: Waiter[] = [];
  private readonly normals: Waiter[] = [];
  private readonly lows: Waiter[] = [];
  private wake: AbortController | undefined;

  constructor(options: EditBudgetLimits & { clock?: Clock }) {
    if (!(options.writes >= 1) || !(options.perMs > 0)) {
      throw new RangeError(`EditBudget needs writes >= 1 and perMs > 0, got ${options.writes}/${options.perMs}`);
    }
    this.writes = Math.floor(options.writes);
    this.perMs = options.perMs;
    this.finalReserve = Math.max(0, Math.min(this.writes - 1, Math.floor(options.finalReserve ?? 0)));
    this.clock = options.clock ?? systemClock;
    this.lastUsed = this.clock.now();
  }

  /** Nobody waits and nothing was granted for `ms`: whoever used it is long gone, so it can be forgotten. */
  idleFor(ms: number): boolean {
    return this.waiting === 0 && this.clock.now() - this.lastUsed > Math.max(ms, this.perMs);
  }

  private lastUsed: number;

  /** Callers currently queued. */
  get waiting(): number {
    return this.finals.length + this.normals.length + this.lows.length;
  }

  private queueOf(priority: WritePriority): Waiter[] {
    return priority === 'final' ? this.finals : priority === 'low' ? this.lows : this.normals;
  }

  acquire(priority: WritePriority = 'normal', signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.lastUsed = this.clock.now();
    if (this.waiting === 0 && this.freeSlots() > (priority === 'final' ? 0 : this.finalReserve)) {
      this.grants.push(this.clock.now());
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        priority,
        resolve,
        reject,
        signal,
        onAbort: () => this.leave(waiter),
      };
      this.queueOf(priority).push(waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.dispatch();
    });
  }

  private freeSlots(): number {
    const horizon = this.clock.now() - this.perMs;
    while (this.grants.length > 0 && (this.grants[0] ?? 0) <= horizon) this.grants.shift();
    return this.writes - this.grants.length;
  }

  private leave(waiter: Waiter): void {
    const queue = this.queueOf(waiter.priority);
    const index = queue.indexOf(waiter);
    if (index < 0) return;
    queue.splice(index, 1);
    waiter.reject(waiter.signal?.reason);
    if (this.waiting === 0) this.cancelWake();
  }

  /** Grants as many queued waiters as the window allows, then sleeps until the oldest grant leaves the window. */
  private dispatch(): void {
    while (this.waiting > 0 && this.freeSlots() > (this.finals.length > 0 ? 0 : this.finalReserve)) {
      const waiter = this.finals.shift() ?? this.normals.shift() ?? this.lows.shift();
      if (!waiter) break;
      waiter.signal?.removeEventListener('abort', waiter.onAbort);
      this.grants.push(this.clock.now());
      waiter.resolve();
    }
    if (this.waiting === 0) {
      this.cancelWake();
      return;
    }
    if (this.wake) return; // already sleeping until the earliest possible free slot
    const oldest = this.grants[0] ?? this.clock.now();
    const wake = new AbortController();
    this.wake = wake;
    this.clock.sleep(Math.max(1, oldest + this.perMs - this.clock.now()), wake.signal).then(
      () => {
        if (this.wake === wake) this.wake = undefined;
        this.dispatch();
      },
      () => undefined, // cancelled: nobody is waiting any more
    );
  }

  private cancelWake(): void {
    this.wake?.abort();
    this.wake = undefined;
  }
}

/**
 * One `EditBudget` per rate-limit scope key (e.g. `discord:channel:123`, `slack:T0001:chat.update`), created on
 * first use with the registry's limits. Budgets are kept for the registry's lifetime (a few numbers per scope), so
 * two replies in one scope can never end up with two budgets.
 */
/** An edit budget unused this long is dropped from `EditBudgets` (an interaction token's scope dies after 15 min). */
export const BUDGET_FORGET_MS = 15 * 60_000;

/**
 * A registry of write budgets, one per rate-limit scope key: `EditBudgets` in one process's memory, or
 * `RedisEditBudgets` (redis-edit-budget.ts) shared by every process on one Redis.
 */
export interface WriteBudgets {
  get(scopeKey: string): WriteBudget;
  /** Scopes currently remembered (for /metrics). */
  readonly size: number;
}

export class EditBudgets implements WriteBudgets {
  private readonly budgets = new Map<string, EditBudget>();

  constructor(private readonly options: EditBudgetLimits & { clock?: Clock }) {}

  get(scopeKey: string): EditBudget {
    let budget = this.budgets.get(scopeKey);
    if (!budget) {
      // one scope per interaction token on Discord (dead after 15 minutes): forget budgets unused for that long
      if (this.budgets.size >= 256) for (const [k, b] of this.budgets) if (b.idleFor(BUDGET_FORGET_MS)) this.budgets.delete(k);
      budget = new EditBudget(this.options);
      this.budgets.set(scopeKey, budget);
    }
    return budget;
  }

  get size(): number {
    return this.budgets.size;
  }
}
