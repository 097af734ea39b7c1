import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../clock.js';
import { EditBudget, EditBudgets } from './edit-budget.js';
import type { WritePriority } from './types.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Queues a named acquire and records when it was granted. */
function acquirer(budget: EditBudget) {
  const granted: Array<[string, number]> = [];
  const take = (name: string, priority: WritePriority = 'normal', signal?: AbortSignal) =>
    budget.acquire(priority, signal).then(() => {
      granted.push([name, systemClock.now()]);
    });
  return { granted, take };
}

describe('EditBudget', () => {
  it('grants up to `writes` at once, then one more each time the oldest grant leaves the window', async () => {
    const budget = new EditBudget({ writes: 3, perMs: 1_000 });
    const { granted, take } = acquirer(budget);
    for (const name of ['a', 'b', 'c', 'd', 'e']) void take(name);
    await vi.advanceTimersByTimeAsync(0);
    expect(granted).toEqual([['a', 0], ['b', 0], ['c', 0]]);
    expect(budget.waiting).toBe(2);
    await vi.advanceTimersByTimeAsync(999);
    expect(granted).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(granted).toEqual([['a', 0], ['b', 0], ['c', 0], ['d', 1_000], ['e', 1_000]]);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('is a sliding window: spaced grants free their slots one by one', async () => {
    const budget = new EditBudget({ writes: 2, perMs: 1_000 });
    const { granted, take } = acquirer(budget);
    void take('a');
    await vi.advanceTimersByTimeAsync(400);
    void take('b');
    void take('c');
    void take('d');
    await vi.runAllTimersAsync();
    expect(granted).toEqual([['a', 0], ['b', 400], ['c', 1_000], ['d', 1_400]]);
  });

  it('keeps `finalReserve` slots of every window for final writes', async () => {
    const budget = new EditBudget({ writes: 5, perMs: 5_000, finalReserve: 1 });
    const { granted, take } = acquirer(budget);
    for (const name of ['n1', 'n2', 'n3', 'n4', 'n5']) void take(name);
    await vi.advanceTimersByTimeAsync(100);
    expect(granted.map(([n]) => n)).toEqual(['n1', 'n2', 'n3', 'n4']); // the 5th slot is the finals'
    void take('f1', 'final');
    await vi.advanceTimersByTimeAsync(0);
    expect(granted.at(-1)).toEqual(['f1', 100]); // at once, ahead of n5
    await vi.runAllTimersAsync();
    expect(granted.at(-1)).toEqual(['n5', 5_000]);
  });

  it('serves low waiters (a rewrite for decoration only) after every normal and final one', async () => {
    const budget = new EditBudget({ writes: 1, perMs: 1_000 });
    const { granted, take } = acquirer(budget);
    void take('first');
    void take('l1', 'low');
    void take('n1');
    void take('l2', 'low');
    void take('f1', 'final');
    await vi.runAllTimersAsync();
    expect(granted.map(([n]) => n)).toEqual(['first', 'f1', 'n1', 'l1', 'l2']);
  });

  it('serves final waiters first, then the others first come first served', async () => {
    const budget = new EditBudget({ writes: 1, perMs: 1_000 });
    const { granted, take } = acquirer(budget);
    void take('first');
    void take('n1');
    void take('n2');
    void take('f1', 'final');
    void take('n3');
    void take('f2', 'final');
    await vi.runAllTimersAsync();
    expect(granted).toEqual([
      ['first', 0],
      ['f1', 1_000],
      ['f2', 2_000],
      ['n1', 3_000],
      ['n2', 4_000],
      ['n3', 5_000],
    ]);
  });

  it('drops an aborted waiter from the queue without counting it', async () => {
    const budget = new EditBudget({ writes: 1, perMs: 1_000 });
    const { granted, take } = acquirer(budget);
    const controller = new AbortController();
    void take('first');
    const aborted = take('aborted', 'normal', controller.signal);
    void take('next');
    await vi.advanceTimersByTimeAsync(500);
    controller.abort(new Error('gone'));
    await expect(aborted).rejects.toThrow('gone');
    expect(budget.waiting).toBe(1);
    await vi.runAllTimersAsync();
    expect(granted).toEqual([['first', 0], ['next', 1_000]]);
  });

  it('rejects at once for an already aborted signal and cancels its wake-up when the queue empties', async () => {
    const budget = new EditBudget({ writes: 1, perMs: 1_000 });
    await budget.acquire();
    await expect(budget.acquire('final', AbortSignal.abort(new Error('late')))).rejects.toThrow('late');
    const controller = new AbortController();
    const waiting = budget.acquire('normal', controller.signal);
    expect(vi.getTimerCount()).toBe(1);
    controller.abort(new Error('x'));
    await expect(waiting).rejects.toThrow('x');
    expect(vi.getTimerCount()).toBe(0);
    expect(budget.waiting).toBe(0);
  });

  it('refuses nonsense limits', () => {
    expect(() => new EditBudget({ writes: 0, perMs: 1_000 })).toThrow(RangeError);
    expect(() => new EditBudget({ writes: 5, perMs: 0 })).toThrow(RangeError);
  });
});

describe('EditBudgets', () => {
  it('creates one budget per scope key on demand and returns the same one after', async () => {
    const budgets = new EditBudgets({ writes: 1, perMs: 1_000 });
    const a = budgets.get('discord:channel:1');
    expect(budgets.get('discord:channel:1')).toBe(a);
    const b = budgets.get('discord:channel:2');
    expect(b).not.toBe(a);
    expect(budgets.size).toBe(2);
    expect([a.writes, a.perMs]).toEqual([1, 1_000]);
    // separate scopes do not share slots; one scope does
    const order: string[] = [];
    void a.acquire().then(() => order.push('a1'));
    void b.acquire().then(() => order.push('b1'));
    void budgets.get('discord:channel:1').acquire().then(() => order.push('a2'));
    await vi.advanceTimersByTimeAsync(0);
    expect(order).toEqual(['a1', 'b1']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(order).toEqual(['a1', 'b1', 'a2']);
  });
});

describe('EditBudgets: forgetting', () => {
  it('drops budgets unused for 15 minutes once there are many, and keeps recent ones', () => {
    let now = 0;
    const clock = { now: () => now, sleep: async () => undefined };
    const budgets = new EditBudgets({ writes: 5, perMs: 5_000, clock });
    for (let i = 0; i < 256; i++) void budgets.get(`webhook:${i}`).acquire();
    now = 16 * 60_000;
    const recent = budgets.get('webhook:recent');
    void recent.acquire();
    expect(budgets.size).toBe(1);
    now += 60_000;
    for (let i = 0; i < 255; i++) budgets.get(`later:${i}`);
    budgets.get('one-more');
    expect(budgets.get('webhook:recent')).toBe(recent);
  });
});
