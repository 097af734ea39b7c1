import { describe, expect, it } from 'vitest';
import type { Usage } from '../translator/types.js';
import { BACKENDS } from './test-backends.js';
import type { HoldRequest, Store } from './types.js';

const at = Date.UTC(2025, 0, 30, 8);
const scope = { platform: 'slack' as const, serverId: 'T1', userId: 'U1' };
const ask = (tokens: number, limits: HoldRequest['limits'], when = at, ttlMs = 60_000): HoldRequest => ({ ...scope, at: when, tokens, limits, ttlMs });
const usage = (total: number): Usage => ({
  inputTokens: total, outputTokens: 0, totalTokens: total, inputAudioTokens: total, inputVideoTokens: 0,
  inputTextTokens: 0, outputAudioTokens: 0, outputTextTokens: 0,
});
const granted = async (stores: Store[], n: number, tokens: number, limits: HoldRequest['limits']) => {
  const outcomes = await Promise.all(Array.from({ length: n }, (_, i) => stores[i % stores.length]!.usage.hold(ask(tokens, limits))));
  return outcomes.filter((o) => o.ok).length;
};

describe.each(BACKENDS)('budget holds on $name', (backend) => {
  it('grants exactly as many concurrent holds as fit beside what is recorded, on every limit at once', async () => {
    const store = await backend.open();
    await store.usage.record({ ...scope, usage: usage(8), at });
    // 50 − 8 recorded leaves room for six holds of 7
    expect(await granted([store], 20, 7, { serverMonthlyTokens: 50 })).toBe(6);
    // the user's day is the tighter limit now: 8 + 42 held already fills the server, none fit
    expect(await granted([store], 5, 1, { serverMonthlyTokens: 50, userDailyTokens: 1_000 })).toBe(0);
  });

  it('a refused hold holds nothing anywhere; a released or expired one frees its tokens', async () => {
    const store = await backend.open();
    const limits = { serverMonthlyTokens: 100, userDailyTokens: 10 };
    const refused = await store.usage.hold(ask(20, limits));
    expect(refused).toEqual({ ok: false, budget: 'user-day', limit: 10, used: 0, held: 0 });
    // the server month was checked first and had room, but nothing was held there
    expect((await store.usage.hold(ask(100, { serverMonthlyTokens: 100 }))).ok).toBe(true);

    const fresh = await backend.open();
    const first = await fresh.usage.hold(ask(6, { userDailyTokens: 10 }));
    expect(first.ok).toBe(true);
    expect(await fresh.usage.hold(ask(6, { userDailyTokens: 10 }))).toMatchObject({ ok: false, used: 6, held: 6 });
    if (first.ok) await fresh.usage.releaseHold(first.hold);
    const second = await fresh.usage.hold(ask(6, { userDailyTokens: 10 }, at, 1_000));
    expect(second.ok).toBe(true);
    // past its expiry (the process that took it died) the tokens are free again; an extended hold stays
    expect((await fresh.usage.hold(ask(6, { userDailyTokens: 10 }, at + 1_001))).ok).toBe(true);
    const third = await fresh.usage.hold(ask(4, { userDailyTokens: 10 }, at + 1_001, 1_000));
    expect(third.ok).toBe(true);
    if (third.ok) await fresh.usage.extendHold(third.hold, at + 1_500, 10_000);
    expect(await fresh.usage.hold(ask(1, { userDailyTokens: 10 }, at + 5_000))).toMatchObject({ ok: false, used: 10 });
  });
});

describe('budget holds on redis, several processes', () => {
  it('processes holding on one budget at once never pass it together (one Lua script per hold)', async () => {
    const redis = BACKENDS.find((b) => b.name === 'redis')!;
    const first = await redis.open();
    const processes = [first, await first.reopen(), await first.reopen()];
    expect(await granted(processes, 30, 9, { serverMonthlyTokens: 100 })).toBe(11);
  });
});
