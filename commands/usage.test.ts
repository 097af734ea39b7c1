import { describe, expect, it } from 'vitest';
import { openStore } from '../src/store/open-store.js';
import { usageReport } from './usage.js';

describe('usageReport', () => {
  it('shows tokens per server and user, with the cost when prices are set', async () => {
    const store = await openStore('sqlite://:memory:');
    try {
      const at = Date.UTC(2026, 10, 21, 12);
      const usage = { inputTokens: 600_000, outputTokens: 400_000, totalTokens: 1_000_000, inputAudioTokens: 0, inputVideoTokens: 0, inputTextTokens: 0, outputAudioTokens: 0, outputTextTokens: 0 };
      await store.usage.record({ platform: 'slack', serverId: 'T1', userId: 'U1', usage, at });
      const priced = await usageReport(store, 'slack', 'T1', 'U1', { inputPerMillion: 2, outputPerMillion: 10 }, { serverMonthlyTokens: 5_000_000 }, at);
      expect(priced[0]).toEqual({ style: 'heading', text: 'Usage in 2026-11 (UTC)' });
      // 0.6 M × $2 + 0.4 M × $10 = $5.20
      expect(priced).toContainEqual({ style: 'item', text: 'this server: 1 translation · 600,000 tokens in · 400,000 out · ≈ $5.20 (budget 5,000,000 tokens)' });
      expect(priced.some((l) => l.style === 'item' && l.text.startsWith('you, today: 1 translation'))).toBe(true);
      const unpriced = await usageReport(store, 'slack', 'T1', 'U1', { inputPerMillion: undefined, outputPerMillion: undefined }, {}, at);
      expect(unpriced.map((l) => l.text).join('\n')).not.toContain('$');
      expect(unpriced.at(-1)).toMatchObject({ style: 'note', text: expect.stringContaining('Set LIVETRANSLATE_PRICE_INPUT_PER_MTOK') });
    } finally {
      await store.close();
    }
  });
});
