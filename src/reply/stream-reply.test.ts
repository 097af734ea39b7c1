import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { systemClock } from '../clock.js';
import { TranslateError } from '../errors.js';
import { EditBudget } from './edit-budget.js';
import { RecordingSurface } from '../../test/support/recording-surface.js';
import { streamReply } from './stream-reply.js';
import type { ReplyOutcome } from './types.js';

beforeEach(() => {
  vi.useFakeTimers({ now: 0 });
});
afterEach(() => {
  vi.useRealTimers();
});

/** Yields each delta after `everyMs` of clock time, then throws `error` if given; records how far it got. */
function producer(deltas: string[], everyMs: number, error?: unknown) {
  const state = { yielded: 0, closed: false };
  async function* generate(): AsyncGenerator<string> {
    try {
      for (const delta of deltas) {
        await systemClock.sleep(everyMs);
        state.yielded++;
        yield delta;
      }
      if (error !== undefined) throw error;
    } finally {
      state.closed = true;
    }
  }
  return { state, iterable: generate() };
}

function setup() {
  const surface = new RecordingSurface({ maxTextLength: 2_000 });
  const budget = new EditBudget({ writes: 100, perMs: 1_000 });
  return { surface, options: { surface, budget, minIntervalMs: 1_000 } };
}

async function run(promise: Promise<ReplyOutcome>): Promise<ReplyOutcome> {
  const result = promise.then((o) => o);
  await vi.runAllTimersAsync();
  return result;
}

describe('streamReply', () => {
  it('streams every delta and ends done, with what describeDone adds', async () => {
    const { surface, options } = setup();
    const { iterable } = producer(['Bon', 'jour', ' à ', 'tous'], 400);
    const describeDone = () => ({ truncated: true, footer: 'f' });
    const outcome = await run(streamReply(iterable, { ...options, describeDone }));
    expect(outcome).toEqual({ status: 'done', truncated: true, footer: 'f' });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1000 #1 p0 "Bonjour"',
      'edit@2000 #1 p0 "Bonjour à tous" final done',
    ]);
    expect(surface.calls.at(-1)?.view.outcome).toEqual(outcome);
  });

  it('ends failed with the TranslateError the deltas threw, keeping the partial text', async () => {
    const { surface, options } = setup();
    const error = new TranslateError('OUTPUT_MODERATED');
    const { iterable } = producer(['one ', 'two'], 300, error);
    const outcome = await run(streamReply(iterable, options));
    expect(outcome).toEqual({ status: 'failed', error });
    expect(outcome.status === 'failed' && outcome.error).toBe(error);
    expect(surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@1000 #1 p0 "one two" final failed']);
  });

  it('wraps any other error as INTERNAL with the original as cause', async () => {
    const { surface, options } = setup();
    const boom = new Error('boom');
    const { iterable } = producer(['x'], 100, boom);
    const outcome = await run(streamReply(iterable, options));
    if (outcome.status !== 'failed') throw new Error(`expected failed, got ${outcome.status}`);
    expect(outcome.error.code).toBe('INTERNAL');
    expect(outcome.error.cause).toBe(boom);
    expect(surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@1000 #1 p0 "x" final failed']);
  });

  it('ends cancelled when the signal aborts, keeps the text so far and stops reading', async () => {
    const { surface, options } = setup();
    const controller = new AbortController();
    const { state, iterable } = producer(['a', 'b', 'c', 'd', 'e'], 500);
    const done = streamReply(iterable, { ...options, signal: controller.signal });
    await vi.advanceTimersByTimeAsync(1_200); // 'a' at 500; the edit at 1000 goes before 'b' (also at 1000)
    controller.abort();
    const outcome = await run(done);
    expect(outcome).toEqual({ status: 'cancelled' });
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1000 #1 p0 "a"',
      'edit@2000 #1 p0 "ab" final cancelled',
    ]);
    expect(state.closed).toBe(true); // the iterator was returned
    expect(state.yielded).toBe(3); // 'c' was already being produced, and was not shown
  });

  it('ends cancelled at once for an aborted signal, and for a CANCELLED error', async () => {
    const first = setup();
    const { state, iterable } = producer(['never'], 100);
    const signal = AbortSignal.abort();
    expect(await run(streamReply(iterable, { ...first.options, signal }))).toEqual({ status: 'cancelled' });
    expect(state.yielded).toBe(0);
    // ended before the first post left: that post is already the final view
    expect(first.surface.transcript()).toEqual(['post@0 #1 p0 "" final cancelled']);

    const second = setup();
    const cancelled = producer(['z'], 100, new TranslateError('CANCELLED'));
    expect(await run(streamReply(cancelled.iterable, second.options))).toEqual({ status: 'cancelled' });
    expect(second.surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@1000 #1 p0 "z" final cancelled']);
  });

  it('ends an empty translation with a final view', async () => {
    const { surface, options } = setup();
    const { iterable } = producer([], 0);
    expect(await run(streamReply(iterable, options))).toEqual({ status: 'done' });
    expect(surface.transcript()).toEqual(['post@0 #1 p0 ""', 'edit@1000 #1 p0 "" final done']);
  });

  it('rejects when the final view cannot be written', async () => {
    const { surface, options } = setup();
    surface.failNext(3, (call) => call.view.final);
    const { iterable } = producer(['x'], 100);
    const done = streamReply(iterable, options).then(
      () => 'resolved',
      (err: unknown) => (err as Error).message,
    );
    await vi.runAllTimersAsync();
    expect(await done).toBe('injected edit failure');
    expect(surface.calls.map((c) => [c.at, c.ok])).toEqual([[0, true], [1_000, false], [2_000, false], [4_000, false]]);
  });
});
