import { describe, expect, it } from 'vitest';
import { isTranslateError } from '../errors.js';
import { openStore } from '../store/open-store.js';
import type { Usage } from '../translator/types.js';
import { reserveBudget } from './limits.js';

const usage = (total: number): Usage => ({
  inputTokens: total / 2, outputTokens: total / 2, totalTokens: total, inputAudioTokens: 0, inputVideoTokens: 0,
  inputTextTokens: 0, outputAudioTokens: 0, outputTextTokens: 0,
});

describe('reserveBudget', () => {
  it('refuses past the server\'s monthly budget, naming what is used and held, the limit and the next month, and resets with the month', async () => {
    const store = await openStore('sqlite://:memory:');
    try {
      const at = Date.UTC(2026, 10, 30, 23, 0);
      await store.usage.record({ platform: 'discord', serverId: 'g1', userId: 'u1', usage: usage(900), at });
      const scope = { platform: 'discord' as const, serverId: 'g1', userId: 'u2' };
      const limits = { serverMonthlyTokens: 1000 };
      const first = await reserveBudget(store, limits, scope, 100, () => at);
      const held = await reserveBudget(store, limits, scope, 1, () => at).catch((e: unknown) => e);
      expect(isTranslateError(held, 'BUDGET_EXCEEDED')).toBe(true);
      expect((held as Error).message).toContain('This server has used 1,000 of its 1,000 tokens for 2026-11 (100 of them held by translations still running); this one needs about 1. It resets 2026-12-01 00:00 UTC.');
      await first!.release();
      const err = await reserveBudget(store, limits, scope, 101, () => at).catch((e: unknown) => e);
      expect(isTranslateError(err, 'BUDGET_EXCEEDED')).toBe(true);
      expect((err as Error).message).toContain('This server has used 900 of its 1,000 tokens for 2026-11; this one needs about 101. It resets 2026-12-01 00:00 UTC.');
      await (await reserveBudget(store, limits, scope, 101, () => Date.UTC(2026, 11, 1, 0, 1)))!.release();
      expect(await reserveBudget(store, {}, scope, 10_000_000, () => at)).toBeUndefined(); // no limits: anything goes
    } finally {
      await store.close();
    }
  });
});
