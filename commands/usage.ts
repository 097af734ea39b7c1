import type { Platform, Store, UsageTotals } from '../src/store/types.js';
import type { SlashCommand, TextLine } from './types.js';

/** `/usage` (Discord) and `/translate usage` (Slack): tokens this month for the server and the user, with cost. */
export const usageCommand: SlashCommand = {
  name: 'usage',
  description: 'Translation usage this month: the server\'s and yours, with the estimated cost',
  options: [],
};

export interface Prices {
  inputPerMillion: number | undefined;
  outputPerMillion: number | undefined;
}

const n = (x: number) => x.toLocaleString('en-US');

function line(label: string, t: UsageTotals, prices: Prices): string {
  const cost = prices.inputPerMillion !== undefined && prices.outputPerMillion !== undefined
    ? ` · ≈ $${((t.inputTokens * prices.inputPerMillion + t.outputTokens * prices.outputPerMillion) / 1e6).toFixed(2)}`
    : '';
  return `${label}: ${n(t.jobs)} translation${t.jobs === 1 ? "" : "s"} · ${n(t.inputTokens)} tokens in · ${n(t.outputTokens)} out${cost}`;
}

/** The usage report (UTC month and day) as structured lines. */
export async function usageReport(
  store: Store, platform: Platform, serverId: string | undefined, userId: string, prices: Prices,
  limits: { serverMonthlyTokens?: number | undefined; userDailyTokens?: number | undefined }, now = Date.now(),
): Promise<TextLine[]> {
  const month = new Date(now).toISOString().slice(0, 7);
  const lines: TextLine[] = [{ style: 'heading', text: `Usage in ${month} (UTC)` }];
  const item = (text: string) => lines.push({ style: 'item', text });
  if (serverId) {
    const server = await store.usage.serverMonth(platform, serverId, now);
    item(line('this server', server, prices) + (limits.serverMonthlyTokens ? ` (budget ${n(limits.serverMonthlyTokens)} tokens)` : ''));
  }
  item(line('you, this month', await store.usage.userMonth(platform, userId, now), prices));
  const today = await store.usage.userDay(platform, userId, now);
  item(line('you, today', today, prices) + (limits.userDailyTokens ? ` (allowance ${n(limits.userDailyTokens)} tokens)` : ''));
  if (prices.inputPerMillion === undefined) lines.push({ style: 'note', text: 'Set LIVETRANSLATE_PRICE_INPUT_PER_MTOK and LIVETRANSLATE_PRICE_OUTPUT_PER_MTOK to see costs.' });
  return lines;
}
