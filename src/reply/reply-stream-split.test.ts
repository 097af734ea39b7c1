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

const MAX = 50;
const WORDS = ['the', 'quick', 'brown', 'fox', 'jumps', 'over', 'a', 'lazy', 'dog', 'while', 'translating', 'speech'];

/** `count` words separated by spaces, with a newline every 9th word, ending without a separator. */
function words(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const separator = i === count - 1 ? '' : i % 9 === 8 ? '\n' : ' ';
    return (WORDS[i % WORDS.length] ?? '') + separator;
  });
}

function setup(maxTextLength = MAX) {
  const surface = new RecordingSurface({ maxTextLength });
  const budget = new EditBudget({ writes: 1_000, perMs: 1_000 });
  const stream = new ReplyStream({ surface, budget, minIntervalMs: 1_000 });
  return { surface, stream };
}

/** Checks everything a split reply must satisfy and returns the final texts. */
function checkParts(surface: RecordingSurface, full: string, expectedParts: number): string[] {
  const texts = surface.finalTexts();
  expect(texts).toHaveLength(expectedParts);
  expect(texts.join('')).toBe(full);
  expect(surface.calls.every((c) => c.ok)).toBe(true); // an edit of a finalized message would have failed
  expect(surface.calls.filter((c) => c.kind === 'post').map((c) => c.view.part)).toEqual(
    Array.from({ length: expectedParts }, (_, i) => i),
  );
  const finals = [...surface.shown.values()];
  finals.forEach((view, i) => {
    const last = i === finals.length - 1;
    expect(view.text.length).toBeLessThanOrEqual(MAX);
    expect(view.part).toBe(i);
    expect(view.continued).toBe(!last);
    expect(view.outcome?.status).toBe(last ? 'done' : undefined);
    if (!last) expect(view.text).toMatch(/[ \n]$/); // split at a word boundary
    if (!last) expect(view.text.length).toBeGreaterThanOrEqual(MAX * 0.75);
  });
  // each message's final view is its last write: nothing is written to it afterwards
  for (const [id, view] of surface.shown) {
    const writes = surface.calls.filter((c) => c.message === id);
    expect(writes.at(-1)?.view).toEqual(view);
    expect(writes.filter((c) => c.view.final)).toHaveLength(1);
  }
  return texts;
}

async function streamWords(stream: ReplyStream<number>, parts: string[], everyMs: number): Promise<void> {
  void stream.start();
  for (const part of parts) {
    await vi.advanceTimersByTimeAsync(everyMs);
    stream.append(part);
  }
  const ended = stream.end({ status: 'done' });
  await vi.runAllTimersAsync();
  await ended;
}

describe('ReplyStream splitting past maxTextLength', () => {
  it('shows the exact sequence when the text outgrows one message', async () => {
    const { surface, stream } = setup(20);
    void stream.start();
    await vi.advanceTimersByTimeAsync(100);
    stream.append('aaaa bbbb ');
    await vi.advanceTimersByTimeAsync(100);
    stream.append('cccc dddd ');
    await vi.advanceTimersByTimeAsync(100);
    stream.append('eeee');
    await vi.advanceTimersByTimeAsync(2_200); // t=2500
    const ended = stream.end({ status: 'done' });
    await vi.runAllTimersAsync();
    await ended;
    expect(surface.transcript()).toEqual([
      'post@0 #1 p0 ""',
      'edit@1000 #1 p0 "aaaa bbbb cccc dddd " final continued',
      'post@2000 #2 p1 "eeee"',
      'edit@2500 #2 p1 "eeee" final done',
    ]);
  });

  it.each([
    { count: 8, parts: 1 },
    { count: 14, parts: 2 },
    { count: 40, parts: 5 },
  ])('streams $count words into $parts message(s) without losing or repeating text', async ({ count, parts }) => {
    const { surface, stream } = setup();
    const deltas = words(count);
    await streamWords(stream, deltas, 150);
    checkParts(surface, deltas.join(''), parts);
  });

  it('splits one huge delta into 5 messages, one write per second (the last one at once: it ends the reply)', async () => {
    // the delta arrives before the first post leaves, so even that post carries the latest state
    const { surface, stream } = setup();
    const full = words(40).join('');
    void stream.start();
    stream.append(full);
    const ended = stream.end({ status: 'done' });
    await vi.runAllTimersAsync();
    await ended;
    const texts = checkParts(surface, full, 5);
    expect(surface.transcript().map((line) => line.replace(/ ".*"/, ''))).toEqual([
      'post@0 #1 p0 final continued',
      'post@1000 #2 p1 final continued',
      'post@2000 #3 p2 final continued',
      'post@3000 #4 p3 final continued',
      'post@3000 #5 p4 final done',
    ]);
    expect(texts[0]).toBe('the quick brown fox jumps over a lazy dog\n');
  });

  it('hard-cuts text without any break and keeps surrogate pairs whole', async () => {
    const { surface, stream } = setup();
    const full = '😀'.repeat(60); // 120 UTF-16 units, no break anywhere
    void stream.start();
    stream.append(full);
    const ended = stream.end({ status: 'done' });
    await vi.runAllTimersAsync();
    await ended;
    const texts = surface.finalTexts();
    expect(texts.map((t) => t.length)).toEqual([50, 50, 20]);
    expect(texts.join('')).toBe(full);
  });
});

describe('ReplyStream: at most maxParts messages', () => {
  it('stops the last allowed message where it is full and marks it overflowed; the text goes on only in the result', async () => {
    const surface = new RecordingSurface({ maxTextLength: MAX });
    const stream = new ReplyStream({ surface, budget: new EditBudget({ writes: 1_000, perMs: 1_000 }), minIntervalMs: 1_000, maxParts: 3 });
    const parts = words(200);
    await streamWords(stream, parts, 100);
    const finals = [...surface.shown.values()];
    expect(finals).toHaveLength(3);
    expect(finals.map((v) => v.part)).toEqual([0, 1, 2]);
    expect(finals.map((v) => v.continued)).toEqual([true, true, false]);
    expect(finals[2]).toMatchObject({ final: true, overflow: true, outcome: { status: 'done' } });
    expect(finals.every((v) => v.text.length <= MAX)).toBe(true);
    // what is shown is the start of the text, with nothing skipped
    expect(parts.join('').startsWith(finals.map((v) => v.text).join(''))).toBe(true);
    expect(stream.overflowed).toBe(true);
  });
});
