import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { vi } from 'vitest';
import { systemClock } from './clock.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 1_000 });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('systemClock', () => {
  it('reads Date.now, which fake timers control', () => {
    expect(systemClock.now()).toBe(1_000);
    vi.advanceTimersByTime(250);
    expect(systemClock.now()).toBe(1_250);
  });

  it('sleeps exactly the given time on the fake clock', async () => {
    let wokeAt: number | undefined;
    void systemClock.sleep(500).then(() => (wokeAt = systemClock.now()));
    await vi.advanceTimersByTimeAsync(499);
    expect(wokeAt).toBeUndefined();
    await vi.advanceTimersByTimeAsync(1);
    expect(wokeAt).toBe(1_500);
  });

  it('rejects with the abort reason and leaves no timer behind', async () => {
    const controller = new AbortController();
    const sleeping = systemClock.sleep(10_000, controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error('stop'));
    await expect(sleeping).rejects.toThrow('stop');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const reason = new Error('already');
    await expect(systemClock.sleep(10, AbortSignal.abort(reason))).rejects.toBe(reason);
    expect(vi.getTimerCount()).toBe(0);
  });
});
