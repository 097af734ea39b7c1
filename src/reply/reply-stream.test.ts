import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TranslateError } from '../errors.js';
import { EditBudget } from './edit-budget.js';
import { RecordingSurface, type RecordingSurfaceOptions } from '../../test/support/recording-surface.js';
import { ReplyStream } from './reply-stream.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

function setup(surfaceOptions: Partial<RecordingSurfaceOptions> = {}, eagerFirstText = false) {
  const surface = new RecordingSurface({ maxTextLength: 2_000, ...surfaceOptions });
  const budget = new EditBudget({ writes: 1_000, perMs: 1_000 }); // never the constraint here
  const logger = { warn: vi.fn() };
  const stream = new ReplyStream({ surface, budget, minIntervalMs: 1_000, logger, eagerFirstText });
  return { surface, stream, logger };
}

/** Runs fake time until `promise` settles; returns how it settled. */
async function settle<T>(promise: Promise<T>): Promise<{ value?: T; error?: unknown }> {
  const result = promise.then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  await vi.runAllTimersAsync();
  return result;
}

describe('ReplyStream', () => {
  it('with eagerFirstText, shows the first words at once and then keeps the interval', async () => {
    const { surface, stream } = setup({}, true);
    await stream.start();
    await vi.advanceTimersByTimeAsync(200);
    stream.append('Hello');
    await vi.advanceTimersByTimeAsync(100); // t=300
    stream.append(' world');
    await vi.advanceTimersByTimeAsync(1_000); // t=1300
    stream.append('.');
    const ended = stream.end({ status: 'done' });
    expect(await settle(ended)).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@200 #1 p0 "Hello"',
      'edit@1200 #1 p0 "Hello world"',
      'edit@1300 #1 p0 "Hello world." final done', // the last view waits for the budget only, not the interval
    ]);
    expect(stream.stats().firstTextWriteAt).toBe(200);
  });

  it('shows the user: empty part 0 at once, the text as it grows, then the final view with the outcome', async () => {
    const { surface, stream } = setup();
    await stream.start();
    await vi.advanceTimersByTimeAsync(200);
    stream.append('Hello');
    await vi.advanceTimersByTimeAsync(300);
    stream.append(' world');
    await vi.advanceTimersByTimeAsync(1_000); // t=1500
    stream.append('.');
    await vi.advanceTimersByTimeAsync(1_000); // t=2500
    const ended = stream.end({ status: 'done', footer: '12 s of audio' });
    expect(await settle(ended)).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1000 #1 p0 "Hello world"',
      'edit@2000 #1 p0 "Hello world."',
      'edit@2500 #1 p0 "Hello world." final done',
    ]);
    expect(surface.calls.at(-1)?.view.outcome).toEqual({ status: 'done', footer: '12 s of audio' });
    expect(stream.stats()).toEqual({
      writes: 4,
      posts: 1,
      edits: 3,
      failedWrites: 0,
      deltas: 3,
      coalescedDeltas: 1,
      firstWriteAt: 0,
      firstTextWriteAt: 1_000,
    });
  });

  it('coalesces 100 deltas in 1 s into one edit showing all of them: the final view, sent as soon as it ends', async () => {
    const { surface, stream } = setup();
    void stream.start();
    await vi.advanceTimersByTimeAsync(5);
    let all = '';
    for (let i = 0; i < 100; i++) {
      const delta = `w${i} `;
      all += delta;
      stream.append(delta);
      if (i < 99) await vi.advanceTimersByTimeAsync(10); // deltas at t = 5, 15, ... 995
    }
    expect(await settle(stream.end({ status: 'done' }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@995 #1 p0 ' + JSON.stringify(all) + ' final done',
    ]);
    expect(stream.stats()).toMatchObject({ writes: 2, deltas: 100, coalescedDeltas: 99 });
  });

  it('with a stream still running at the interval, sends the latest text and no stale states', async () => {
    const { surface, stream } = setup();
    void stream.start();
    await vi.advanceTimersByTimeAsync(5);
    for (let i = 0; i < 100; i++) {
      stream.append(`${i},`);
      await vi.advanceTimersByTimeAsync(10); // deltas at 5 ... 995; t ends at 1005
    }
    const all = Array.from({ length: 100 }, (_, i) => `${i},`).join('');
    expect(await settle(stream.end({ status: 'done' }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1000 #1 p0 ' + JSON.stringify(all),
      'edit@1005 #1 p0 ' + JSON.stringify(all) + ' final done',
    ]);
    expect(stream.stats().coalescedDeltas).toBe(99);
  });

  it('keeps exactly one write in flight with a slow surface and sends only the latest text after it', async () => {
    const { surface, stream } = setup({ latencyMs: 1_500 });
    void stream.start(); // post takes 0..1500
    for (let i = 1; i <= 14; i++) {
      await vi.advanceTimersByTimeAsync(100);
      stream.append(`${i} `);
    }
    expect(await settle(stream.end({ status: 'done' }))).toEqual({ value: undefined });
    const all = Array.from({ length: 14 }, (_, i) => `${i + 1} `).join('');
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1500 #1 p0 ' + JSON.stringify(all) + ' final done',
    ]);
    expect(surface.calls.map((c) => c.doneAt)).toEqual([1_500, 3_000]);
    expect(surface.maxInFlight).toBe(1);
  });

  it('writes nothing when nothing changed, and nothing at all after the final view', async () => {
    const { surface, stream } = setup();
    await stream.start();
    stream.append('one');
    await vi.advanceTimersByTimeAsync(5_000);
    expect(surface.calls).toHaveLength(2);
    expect(await settle(stream.end({ status: 'done' }))).toEqual({ value: undefined });
    stream.append(' two');
    const again = stream.end({ status: 'cancelled' });
    await vi.advanceTimersByTimeAsync(10_000);
    await again;
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1000 #1 p0 "one"',
      'edit@5000 #1 p0 "one" final done',
    ]);
  });

  it('retries a failing final edit with backoff until it lands', async () => {
    const { surface, stream, logger } = setup();
    await stream.start();
    stream.append('text');
    surface.failNext(2, (call) => call.view.final);
    expect(await settle(stream.end({ status: 'done' }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@0 #1 p0 "text" final done FAILED',
      'edit@1000 #1 p0 "text" final done FAILED',
      'edit@3000 #1 p0 "text" final done',
    ]);
    expect(logger.warn).toHaveBeenCalledTimes(2);
    expect(stream.stats()).toMatchObject({ writes: 4, failedWrites: 2 });
  });

  it('rejects end with the error when the final edit fails all 3 tries', async () => {
    const { surface, stream, logger } = setup();
    await stream.start();
    stream.append('text');
    surface.failNext(3);
    const { error } = await settle(stream.end({ status: 'done' }));
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('injected edit failure');
    expect(surface.calls.map((c) => [c.at, c.ok])).toEqual([[0, true], [0, false], [1_000, false], [3_000, false]]);
    expect(logger.warn.mock.calls.map((c) => c[1])).toEqual([
      'final reply write failed; retrying',
      'final reply write failed; retrying',
      'final reply write failed; giving up',
    ]);
  });

  it('logs and skips a failing non-final edit; the next change carries the latest text', async () => {
    const { surface, stream, logger } = setup();
    await stream.start();
    stream.append('a');
    surface.failNext(1);
    await vi.advanceTimersByTimeAsync(5_000); // edit at 1000 fails; no retry of the same text
    stream.append('b');
    expect(await settle(stream.end({ status: 'done' }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1000 #1 p0 "a" FAILED',
      'edit@5000 #1 p0 "ab" final done',
    ]);
    expect(logger.warn).toHaveBeenCalledWith(
      expect.objectContaining({ part: 0, final: false, attempt: 1 }),
      'reply edit failed; skipped',
    );
  });

  it('rejects start when the first post fails, and posts again with the next change', async () => {
    const { surface, stream } = setup();
    surface.failNext(1);
    const started = stream.start();
    expect(await settle(started)).toEqual({ error: new Error('injected post failure') });
    stream.append('hi');
    await vi.advanceTimersByTimeAsync(2_000);
    expect(await settle(stream.end({ status: 'done' }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual([
      'post@0 #0 p0 "" FAILED',
      'post@1000 #1 p0 "hi"',
      'edit@2000 #1 p0 "hi" final done',
    ]);
  });

  it('keeps the partial text on a failed outcome and passes the error through', async () => {
    const { surface, stream } = setup();
    await stream.start();
    stream.append('Half a ');
    stream.append('sentence');
    const error = new TranslateError('STREAM_CUT');
    expect(await settle(stream.end({ status: 'failed', error }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@0 #1 p0 "Half a sentence" final failed']);
    const outcome = surface.calls[1]?.view.outcome;
    expect(outcome?.status === 'failed' && outcome.error).toBe(error);
  });

  it('keeps the partial text on a cancelled outcome', async () => {
    const { surface, stream } = setup();
    await stream.start();
    stream.append('Stopped here');
    await vi.advanceTimersByTimeAsync(1_200);
    expect(await settle(stream.end({ status: 'cancelled' }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1000 #1 p0 "Stopped here"',
      'edit@1200 #1 p0 "Stopped here" final cancelled',
    ]);
  });

  it('ends an empty translation with a final view', async () => {
    const { surface, stream } = setup();
    await stream.start();
    expect(await settle(stream.end({ status: 'done' }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@0 #1 p0 "" final done']);
    expect(stream.stats().firstWriteAt).toBe(0);
    expect(stream.stats().firstTextWriteAt).toBeUndefined();
  });

  it('posts the final view directly when ended without start', async () => {
    const { surface, stream } = setup();
    expect(await settle(stream.end({ status: 'done', truncated: true }))).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual(['post@0 #1 p0 "" final done']);
    expect(surface.calls[0]?.view.outcome).toEqual({ status: 'done', truncated: true });
    await expect(stream.start()).resolves.toBeUndefined();
  });
});

describe('ReplyStream.refresh', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });
  it('rewrites the unchanged text once when the decoration changed, and not after the end', async () => {
    const { surface, stream } = setup();
    await stream.start();
    stream.refresh();
    stream.refresh();
    await vi.advanceTimersByTimeAsync(1_500);
    stream.append('Hi');
    const ended = stream.end({ status: 'done' });
    stream.refresh();
    expect(await settle(ended)).toEqual({ value: undefined });
    expect(surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@1000 #1 p0 ""', 'edit@1500 #1 p0 "Hi" final done']);
  });
});

describe('ReplyStream: the end of a reply', () => {
  beforeEach(() => {
    vi.useFakeTimers({ now: 0 });
  });

  it('finalSent resolves when the final edit is sent, before it lands', async () => {
    const { surface, stream } = setup({ latencyMs: 300 });
    void stream.start();
    await vi.advanceTimersByTimeAsync(300); // the first post landed
    stream.append('All of it.');
    let sent: number | undefined;
    void stream.finalSent().then(() => (sent = Date.now()));
    const ended = stream.end({ status: 'done' });
    await vi.advanceTimersByTimeAsync(0);
    expect(sent).toBe(300); // sent at once (no interval), landing 300 ms later
    expect(surface.calls.at(-1)).toMatchObject({ kind: 'edit', at: 300, view: { final: true } });
    expect(surface.calls.at(-1)!.doneAt).toBeUndefined();
    expect(await settle(ended)).toEqual({ value: undefined });
  });

  it('finalSent waits for a final view that must be posted to land (nothing to reply to before)', async () => {
    const { surface, stream } = setup({ latencyMs: 300 });
    let sent: number | undefined;
    void stream.finalSent().then(() => (sent = Date.now()));
    await settle(stream.end({ status: 'done' }));
    expect(surface.transcript()).toEqual(['post@0 #1 p0 "" final done']);
    expect(sent).toBe(300);
  });

  it('a refresh of unchanged text waits at low priority; text arriving meanwhile goes first', async () => {
    const surface = new RecordingSurface({ maxTextLength: 2_000 });
    const budget = new EditBudget({ writes: 1, perMs: 1_000 });
    const stream = new ReplyStream({ surface, budget, minIntervalMs: 0 });
    await stream.start(); // spends the budget until t=1000
    const priorities: string[] = [];
    const acquire = budget.acquire.bind(budget);
    budget.acquire = (priority, signal) => {
      priorities.push(priority ?? 'normal');
      return acquire(priority, signal);
    };
    stream.refresh();
    await vi.advanceTimersByTimeAsync(100);
    stream.append('text');
    await vi.advanceTimersByTimeAsync(1_000);
    expect(priorities.slice(0, 2)).toEqual(['low', 'normal']); // the low wait re-queued as normal
    expect(surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@1000 #1 p0 "text"']);
    await settle(stream.end({ status: 'done' }));
  });
});
