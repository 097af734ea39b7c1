import { describe, expect, it } from 'vitest';
import { isTranslateError } from '../errors.js';
import { FairQueue } from './fair-queue.js';

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('FairQueue', () => {
  it('caps concurrency and serves servers round-robin, FIFO within a server', async () => {
    const q = new FairQueue(2);
    const order: string[] = [];
    const releases: (() => void)[] = [];
    const take = (group: string, name: string) => q.acquire(group, undefined).then((release) => { order.push(name); releases.push(release); });
    // a busy server queues 4 jobs, then a quiet server 1
    void take('busy', 'b1'); void take('busy', 'b2'); void take('busy', 'b3'); void take('busy', 'b4'); void take('quiet', 'q1');
    await tick();
    expect(order).toEqual(['b1', 'b2']);
    expect(q.depth).toBe(3);
    releases.shift()!();
    await tick();
    expect(order).toEqual(['b1', 'b2', 'b3']);
    releases.shift()!();
    await tick();
    expect(order.at(-1)).toBe('q1'); // the quiet server is not starved behind b4
    releases.shift()!(); releases.shift()!(); await tick();
    expect(order).toEqual(['b1', 'b2', 'b3', 'q1', 'b4']);
  });

  it('tells waiters their place in line as it changes, and lets an aborted waiter leave', async () => {
    const q = new FairQueue(1);
    const release = await q.acquire('a');
    const positions: number[][] = [[], [], []];
    const controller = new AbortController();
    const w1 = q.acquire('a', undefined, (p) => positions[0]!.push(p));
    const w2 = q.acquire('b', controller.signal, (p) => positions[1]!.push(p));
    const w3 = q.acquire('c', undefined, (p) => positions[2]!.push(p));
    controller.abort();
    await expect(w2).rejects.toSatisfy((e: unknown) => isTranslateError(e, 'CANCELLED'));
    expect(positions).toEqual([[1], [2], [3, 2]]);
    release();
    (await w1)();
    (await w3)();
    expect(q.active).toBe(0);
    expect(q.depth).toBe(0);
  });
});

describe('FairQueue: per-member cap', () => {
  it('runs at most perMember calls of one user at once; the rest wait and show their place, others go ahead', async () => {
    const q = new FairQueue(8, 2);
    const started: string[] = [];
    const releases = new Map<string, () => void>();
    const positions = new Map<string, number[]>();
    const take = (member: string, name: string) => q.acquire('guild', undefined, (p) => positions.set(name, [...(positions.get(name) ?? []), p]), member)
      .then((release) => { started.push(name); releases.set(name, release); });
    for (const n of [1, 2, 3, 4, 5, 6]) void take('alice', `a${n}`);
    void take('bob', 'b1');
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1']);
    expect(q.depth).toBe(4);
    expect(positions.get('a3')?.at(-1)).toBe(1);
    expect(positions.get('a6')?.at(-1)).toBe(4);
    releases.get('a1')!();
    await tick();
    expect(started).toEqual(['a1', 'a2', 'b1', 'a3']);
    for (const n of ['a2', 'a3', 'b1']) releases.get(n)!();
    await tick();
    expect(started.slice(4)).toEqual(['a4', 'a5']);
    expect(q.active).toBe(2);
  });
});
