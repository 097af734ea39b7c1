import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { EditBudget } from './edit-budget.js';
import { RecordingSurface } from '../../test/support/recording-surface.js';
import { ReplyStream } from './reply-stream.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function streams(count: number, budget: EditBudget, minIntervalMs: number) {
  return Array.from({ length: count }, () => {
    const surface = new RecordingSurface({ maxTextLength: 2_000 });
    return { surface, stream: new ReplyStream({ surface, budget, minIntervalMs }) };
  });
}

describe('ReplyStreams sharing one EditBudget', () => {
  it('never exceed its writes per window, and every reply still ends complete', async () => {
    const budget = new EditBudget({ writes: 5, perMs: 5_000 });
    const jobs = streams(3, budget, 1_000);
    const texts = jobs.map(() => '');
    for (const { stream } of jobs) void stream.start();
    for (let tick = 1; tick <= 120; tick++) {
      await vi.advanceTimersByTimeAsync(100); // 12 s of deltas, each job at its own pace
      jobs.forEach(({ stream }, j) => {
        if (tick % (j + 1) !== 0) return;
        const delta = `${j}:${tick} `;
        texts[j] += delta;
        stream.append(delta);
      });
    }
    const ended = Promise.all(jobs.map(({ stream }) => stream.end({ status: 'done' })));
    await vi.runAllTimersAsync();
    await ended;

    const times = jobs.flatMap(({ surface }) => surface.calls.map((c) => c.at)).sort((a, b) => a - b);
    for (let i = 0; i + 5 < times.length; i++) {
      const label = `writes ${i}..${i + 5} at ${times.slice(i, i + 6).join(',')}`;
      expect(times[i + 5]! - times[i]!, label).toBeGreaterThanOrEqual(5_000);
    }
    // 5 writes per window, used in full: the budget, not the streams' 1 s interval, was the limit
    const expected = [0, 0, 0, 1, 1, 5, 5, 5, 6, 6, 10, 10, 10, 11, 11, 15, 15, 15].map((s) => s * 1_000);
    expect(times).toEqual(expected);
    // ended at 12 s; the finals land in the first slots the window frees
    expect(jobs.map(({ surface }) => surface.calls.at(-1)?.at)).toEqual([15_000, 15_000, 15_000]);
    jobs.forEach(({ surface }, j) => {
      expect(surface.finalTexts()).toEqual([texts[j]]);
      expect(surface.calls.every((c) => c.ok)).toBe(true);
    });
  });

  it('serves a final edit before normal edits that queued earlier', async () => {
    const budget = new EditBudget({ writes: 1, perMs: 1_000 });
    const [a, b, c] = streams(3, budget, 0);
    if (!a || !b || !c) throw new Error('setup');
    void a.stream.start(); // t=0
    void b.stream.start(); // t=1000
    void c.stream.start(); // t=2000
    await vi.advanceTimersByTimeAsync(2_500);
    a.stream.append('a');
    b.stream.append('b');
    await vi.advanceTimersByTimeAsync(0);
    const cEnded = c.stream.end({ status: 'done' });
    await vi.advanceTimersByTimeAsync(10_000);
    await cEnded;
    expect(c.surface.transcript()).toEqual(['post@2000 #1 p0 ""', 'edit@3000 #1 p0 "" final done']);
    expect(a.surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@4000 #1 p0 "a"']);
    expect(b.surface.transcript()).toEqual(['post@1000 #1 p0 ""', 'edit@5000 #1 p0 "b"']);
  });

  it('moves a waiting stream ahead when it ends (its queued normal edit becomes the final one)', async () => {
    const budget = new EditBudget({ writes: 1, perMs: 1_000 });
    const [a, b] = streams(2, budget, 0);
    if (!a || !b) throw new Error('setup');
    void a.stream.start(); // t=0
    void b.stream.start(); // t=1000
    await vi.advanceTimersByTimeAsync(1_500);
    b.stream.append('b'); // B queues first
    await vi.advanceTimersByTimeAsync(0);
    a.stream.append('a'); // then A
    await vi.advanceTimersByTimeAsync(0);
    const aEnded = a.stream.end({ status: 'done' }); // A's wait is re-queued as final
    await vi.advanceTimersByTimeAsync(10_000);
    await aEnded;
    expect(a.surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@2000 #1 p0 "a" final done']);
    expect(b.surface.transcript()).toEqual(['post@1000 #1 p0 ""', 'edit@3000 #1 p0 "b"']);
    expect(budget.waiting).toBe(0);
  });
});
