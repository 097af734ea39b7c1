import { describe, expect, it } from 'vitest';
import { isTranslateError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import type { Usage } from '../translator/types.js';
import { checkBudget, Cooldown } from './limits.js';

const usage = (total: number): Usage => ({
  inputTokens: total / 2, outputTokens: total / 2, totalTokens: total, inputAudioTokens: 0, inputVideoTokens: 0,
  inputTextTokens: 0, outputAudioTokens: 0, outputTextTokens: 0,
});

describe('checkBudget', () => {
  it('refuses past the server\'s monthly budget, naming the limit and the next month, and resets with the month', async () => {
    const store = await openStore('sqlite://:memory:');
    try {
      const at = Date.UTC(2026, 10, 30, 23, 0);
      await store.usage.record({ platform: 'discord', serverId: 'g1', userId: 'u1', usage: usage(900), at });
      const scope = { platform: 'discord' as const, serverId: 'g1', userId: 'u2' };
      await checkBudget(store, { serverMonthlyTokens: 1000 }, scope, 100, at);
      const err = await checkBudget(store, { serverMonthlyTokens: 1000 }, scope, 101, at).catch((e: unknown) => e);
      expect(isTranslateError(err, 'BUDGET_EXCEEDED')).toBe(true);
      expect((err as Error).message).toContain('This server has used 900 of its 1,000 tokens for 2026-11; this one needs about 101. It resets 2026-12-01 00:00 UTC.');
      await checkBudget(store, { serverMonthlyTokens: 1000 }, scope, 101, Date.UTC(2026, 11, 1, 0, 1));
      await checkBudget(store, {}, scope, 10_000_000, at); // no limits: anything goes
    } finally {
      await store.close();
    }
  });
});

describe('Cooldown', () => {
  it('refuses a second use within the pause, per key, and allows it after', () => {
    let now = 0;
    const c = new Cooldown(10_000, () => now);
    c.take('u1');
    c.take('u2');
    now = 9_000;
    expect(() => c.take('u1')).toThrow(/wait a moment.*\(1 s\)/);
    now = 10_000;
    expect(() => c.take('u1')).not.toThrow();
  });
});
