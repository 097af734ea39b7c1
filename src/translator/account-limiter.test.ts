import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../clock.js';
import { accountLimiter, TokenBucketLimiter, type AccountLimiter, type Permit } from './account-limiter.js';

// Fake time: systemClock is Date.now and setTimeout, which vitest's fake timers drive.
beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Starts `count` acquires at once; `granted[i]` becomes the fake time at which the i-th was let go. */
function queue(limiter: AccountLimiter, tokens: number[], signal?: AbortSignal) {
  const granted: (number | undefined)[] = tokens.map(() => undefined);
  const permits: (Permit | undefined)[] = tokens.map(() => undefined);
  const done = tokens.map((t, i) =>
    limiter.acquire(t, signal).then((p) => {
      granted[i] = systemClock.now();
      permits[i] = p;
    }));
  return { granted, permits, done };
}

describe('TokenBucketLimiter: requests', () => {
  it('holds 100 requests a minute exactly: one second of burst, then one every 600 ms', async () => {
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 100, tokensPerMinute: 0 });
    const { granted } = queue(limiter, Array<number>(250).fill(0));
    await vi.advanceTimersByTimeAsync(0);
    await vi.advanceTimersByTimeAsync(60_000);
    const times = granted.filter((t): t is number => t !== undefined);
    // over any window of T seconds at most 100 × (T + 1) / 60: 101 in the first minute
    expect(times).toHaveLength(101);
    expect(times.slice(0, 3)).toEqual([0, 200, 800]);
    const gaps = times.slice(2).map((t, i) => t - times[i + 1]!);
    expect(new Set(gaps)).toEqual(new Set([600]));
    // the next simulated minute holds exactly the rate: 100 more
    await vi.advanceTimersByTimeAsync(60_000);
    expect(granted.filter((t) => t !== undefined)).toHaveLength(201);
    for (let i = 0; i + 101 < 201; i++) expect(granted[i + 101]! - granted[i]!).toBeGreaterThanOrEqual(60_000);
  });

  it('serves waiters in arrival order and leaves no timer once the queue is empty', async () => {
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 60, tokensPerMinute: 0 });
    const order: number[] = [];
    const all = [0, 1, 2, 3].map((i) => limiter.acquire(0).then(() => order.push(i)));
    await vi.advanceTimersByTimeAsync(3_000);
    await Promise.all(all);
    expect(order).toEqual([0, 1, 2, 3]);
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('TokenBucketLimiter: tokens', () => {
  // 60,000 tokens a minute: 1 token a ms, a bucket of 1,000 (one second)
  const tpm = () => new TokenBucketLimiter({ requestsPerMinute: 0, tokensPerMinute: 60_000 });

  it('waits until the estimate fits; a request larger than the bucket goes when it is full and leaves a debt', async () => {
    const { granted } = queue(tpm(), [800, 800, 5_000, 100]);
    await vi.advanceTimersByTimeAsync(10_000);
    // 800 at 0 (200 left); 800 more by 600; full (1,000) at 1,600, then 1,000 − 5,000 = −4,000; 100 by 5,700
    expect(granted).toEqual([0, 600, 1_600, 5_700]);
  });

  it('does not let a small request overtake a large one at the head', async () => {
    const { granted } = queue(tpm(), [1_000, 900, 10]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(granted).toEqual([0, 900, 910]);
  });

  it('settle gives an over-estimate back at once, and an under-estimate delays the next request', async () => {
    const limiter = tpm();
    const first = queue(limiter, [1_000]);
    await vi.advanceTimersByTimeAsync(0);
    const second = queue(limiter, [1_000]);
    await vi.advanceTimersByTimeAsync(100);
    expect(second.granted).toEqual([undefined]);
    first.permits[0]!.settle(200); // 800 back: 100 refilled + 800 = 900, so 100 ms more
    first.permits[0]!.settle(0); // only the first settle counts
    await vi.advanceTimersByTimeAsync(99);
    expect(second.granted).toEqual([undefined]);
    await vi.advanceTimersByTimeAsync(1);
    expect(second.granted).toEqual([200]);

    second.permits[0]!.settle(3_000); // 2,000 more than estimated: owed
    const third = queue(limiter, [500]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(third.granted).toEqual([200 + 2_500]);
  });

  it('settling never fills the bucket past its size', async () => {
    const limiter = tpm();
    const first = queue(limiter, [1_000]);
    await vi.advanceTimersByTimeAsync(2_000); // full again
    first.permits[0]!.settle(0);
    const next = queue(limiter, [1_000, 1_000]);
    await vi.advanceTimersByTimeAsync(5_000);
    expect(next.granted).toEqual([2_000, 3_000]);
  });

  it('counts requests and tokens together: a request waits for whichever is short', async () => {
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 60, tokensPerMinute: 60_000 });
    const { granted } = queue(limiter, [10, 10, 2_000]);
    await vi.advanceTimersByTimeAsync(10_000);
    // requests: one a second; tokens: the third waits for a full bucket (990 left at 0, full again at 10 ms)
    expect(granted).toEqual([0, 1_000, 2_000]);
  });
});

describe('TokenBucketLimiter: abort', () => {
  it('an aborted waiter leaves the queue with the signal reason, takes nothing, and the next one moves up', async () => {
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 60, tokensPerMinute: 0 });
    const a = queue(limiter, [0]);
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    const b = limiter.acquire(0, controller.signal);
    const c = queue(limiter, [0]);
    await vi.advanceTimersByTimeAsync(100);
    controller.abort(reason);
    await expect(b).rejects.toBe(reason);
    await vi.advanceTimersByTimeAsync(2_000);
    expect(a.granted).toEqual([0]);
    expect(c.granted).toEqual([1_000]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('an already aborted signal rejects at once without taking a request', async () => {
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 60, tokensPerMinute: 0 });
    const reason = new Error('gone');
    await expect(limiter.acquire(0, AbortSignal.abort(reason))).rejects.toBe(reason);
    const { granted } = queue(limiter, [0]);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([0]);
  });

  it('aborting the last waiter stops the timer', async () => {
    const limiter = new TokenBucketLimiter({ requestsPerMinute: 60, tokensPerMinute: 0 });
    await limiter.acquire(0);
    const controller = new AbortController();
    const waiting = limiter.acquire(0, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(vi.getTimerCount()).toBe(0);
  });
});

describe('accountLimiter', () => {
  it('is off when both limits are 0, and a 0 limit turns its own bucket off', async () => {
    expect(accountLimiter({ requestsPerMinute: 0, tokensPerMinute: 0 })).toBeUndefined();
    const requestsOnly = accountLimiter({ requestsPerMinute: 60, tokensPerMinute: 0 })!;
    const { granted } = queue(requestsOnly, [1_000_000, 1_000_000]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(granted).toEqual([0, 1_000]);
  });
});
