import { systemClock, type Clock } from '../clock.js';

/**
 * The model account's rate limits, kept by one process for every model request it sends.
 *
 * Alibaba Cloud Model Studio limits each account (all its API keys, workspaces and RAM users together) per model:
 * qwen3-livetranslate-flash allows 100 requests and 100,000 tokens (input + output) a minute. The service may also
 * enforce them per second (RPM/60 requests, TPM/60 tokens), so a burst is refused even under the minute's total.
 *
 * Contract:
 * - `acquire(estimatedTokens, signal)` resolves with a `Permit` when one more request expected to cost about
 *   `estimatedTokens` may be sent within both limits. Waiters are served strictly in arrival order: a large request is
 *   never overtaken by small ones. When `signal` aborts first, the waiter leaves the queue, nothing is taken, and the
 *   promise rejects with `signal.reason`.
 * - `permit.settle(actualTokens)` replaces the estimate by the real count once the usage is known: an over-estimate is
 *   given back, an under-estimate is owed (the bucket may go below zero, which delays the requests after it). Only the
 *   first call counts; a permit never settled keeps its estimate. The request itself is never given back.
 * - Each bucket refills continuously at `perMinute / 60_000` per ms and holds at most `burstSeconds` (default 1) of its
 *   rate, so over any window of T seconds at most `perMinute × (T + burstSeconds) / 60` is granted. A request larger
 *   than a bucket goes when the bucket is full and leaves it in debt: the average still holds.
 * - A limit of 0 turns that bucket off; with both off `acquire` resolves at once.
 * - `windowMs` (default 60,000) is the length of the "minute": tests shorten it to see the pacing in little real time.
 *
 * The interface is the seam for a limiter shared between processes: `RedisAccountLimiter` (redis-account-limiter.ts)
 * keeps the same buckets in Redis when the store is there (issue 12); arrival order then holds within each process,
 * not strictly across them (see its comment). The translator only knows `AccountLimiter`.
 */
export interface AccountLimiter {
  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit>;
}

export interface Permit {
  settle(actualTokens: number): void;
}

export interface AccountLimits {
  /** Requests a minute; 0 = no limit. */
  requestsPerMinute: number;
  /** Input + output tokens a minute; 0 = no limit. */
  tokensPerMinute: number;
  burstSeconds?: number;
  windowMs?: number;
  clock?: Clock;
}

/** A continuously refilled bucket; `level` may be negative (debt left by a request larger than it, or by settling). */
class Bucket {
  level: number;
  constructor(readonly capacity: number, readonly perMs: number) {
    this.level = capacity;
  }

  refill(elapsedMs: number): void {
    this.level = Math.min(this.capacity, this.level + elapsedMs * this.perMs);
  }

  /** ms until `amount` (at most a full bucket) is available; 0 = now. */
  waitFor(amount: number): number {
    const need = Math.min(amount, this.capacity) - this.level;
    return need <= 1e-9 ? 0 : Math.ceil(need / this.perMs);
  }
}

interface Waiter {
  tokens: number;
  resolve(permit: Permit): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

export class TokenBucketLimiter implements AccountLimiter {
  private readonly requests: Bucket | undefined;
  private readonly tokens: Bucket | undefined;
  private readonly clock: Clock;
  private readonly queue: Waiter[] = [];
  private last: number;
  private timer: AbortController | undefined;

  constructor(limits: AccountLimits) {
    const burst = limits.burstSeconds ?? 1;
    const windowMs = limits.windowMs ?? 60_000;
    // at least one request (or one token) fits, however short the burst
    const bucket = (perMinute: number) =>
      perMinute > 0 ? new Bucket(Math.max(1, (perMinute * burst * 1000) / windowMs), perMinute / windowMs) : undefined;
    this.requests = bucket(limits.requestsPerMinute);
    this.tokens = bucket(limits.tokensPerMinute);
    this.clock = limits.clock ?? systemClock;
    this.last = this.clock.now();
  }

  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const tokens = Math.max(0, estimatedTokens);
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        tokens, resolve, reject, signal,
        onAbort: () => {
          const at = this.queue.indexOf(waiter);
          if (at >= 0) this.queue.splice(at, 1);
          reject(signal?.reason);
          if (at === 0) this.pump(); // the next one may fit now
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      if (this.queue.length === 1) this.pump();
    });
  }

  /** Grants the waiters at the head of the queue that fit now, then sleeps until the next one will. */
  private pump(): void {
    this.refill();
    for (let head = this.queue[0]; head; head = this.queue[0]) {
      const wait = Math.max(this.requests?.waitFor(1) ?? 0, this.tokens?.waitFor(head.tokens) ?? 0);
      if (wait > 0) {
        this.sleep(wait);
        return;
      }
      this.queue.shift();
      head.signal?.removeEventListener('abort', head.onAbort);
      if (this.requests) this.requests.level -= 1;
      if (this.tokens) this.tokens.level -= head.tokens;
      head.resolve(this.permit(head.tokens));
    }
    this.timer?.abort();
    this.timer = undefined;
  }

  private refill(): void {
    const now = this.clock.now();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.requests?.refill(elapsed);
    this.tokens?.refill(elapsed);
  }

  private sleep(ms: number): void {
    this.timer?.abort();
    const timer = new AbortController();
    this.timer = timer;
    this.clock.sleep(ms, timer.signal).then(() => {
      if (this.timer !== timer) return;
      this.timer = undefined;
      this.pump();
    }, () => undefined);
  }

  private permit(estimated: number): Permit {
    let settled = false;
    return {
      settle: (actualTokens) => {
        if (settled || !this.tokens) return;
        settled = true;
        this.refill();
        this.tokens.level = Math.min(this.tokens.capacity, this.tokens.level + estimated - Math.max(0, actualTokens));
        if (this.queue.length > 0) this.pump(); // tokens given back may let the head go sooner
      },
    };
  }
}

/** The limiter a process uses: undefined when both limits are 0 (off). */
export function accountLimiter(limits: AccountLimits): AccountLimiter | undefined {
  return limits.requestsPerMinute > 0 || limits.tokensPerMinute > 0 ? new TokenBucketLimiter(limits) : undefined;
}
