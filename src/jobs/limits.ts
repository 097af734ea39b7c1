import { createHash } from 'node:crypto';
import { TranslateError } from '../errors.js';
import type { TranslationPlan } from '../plan.js';
import type { Platform, Store } from '../store/types.js';

/** Token budgets; undefined = off (the default). */
export interface BudgetLimits {
  /** Per server/workspace per UTC month. */
  serverMonthlyTokens?: number | undefined;
  /** Per user per UTC day. */
  userDailyTokens?: number | undefined;
}

/** Who a job is for, for budgets, the ledger, fairness and cooldowns. */
export interface JobScope {
  platform: Platform;
  serverId: string;
  userId: string;
}

/** The cache key of a translation: the same bytes into the same target, source, voice and mode with one model. */
export function resultKey(contentHash: string, plan: TranslationPlan, model: string): string {
  const parts = [contentHash, plan.target.code, plan.source?.code ?? 'auto', plan.voice?.name ?? 'text', model];
  return createHash('sha256').update(parts.join('|')).digest('hex');
}

const month = (at: number) => new Date(at).toISOString().slice(0, 7);
const nextMonth = (at: number) => {
  const d = new Date(at);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 1));
};
const nextDay = (at: number) => {
  const d = new Date(at);
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate() + 1));
};
const when = (d: Date) => d.toISOString().replace('T', ' ').slice(0, 16) + ' UTC';

/**
 * Refuses a job whose estimated tokens would take the server over its monthly budget or the user over their daily
 * allowance, naming the limit and when it resets.
 */
export async function checkBudget(store: Store, limits: BudgetLimits, scope: JobScope, estimate: number, now: number): Promise<void> {
  if (limits.serverMonthlyTokens !== undefined) {
    const used = (await store.usage.serverMonth(scope.platform, scope.serverId, now)).totalTokens;
    if (used + estimate > limits.serverMonthlyTokens) {
      throw new TranslateError('BUDGET_EXCEEDED', `(This server has used ${used.toLocaleString('en-US')} of its ${limits.serverMonthlyTokens.toLocaleString('en-US')} tokens for ${month(now)}; this one needs about ${estimate.toLocaleString('en-US')}. It resets ${when(nextMonth(now))}.)`);
    }
  }
  if (limits.userDailyTokens !== undefined) {
    const used = (await store.usage.userDay(scope.platform, scope.userId, now)).totalTokens;
    if (used + estimate > limits.userDailyTokens) {
      throw new TranslateError('BUDGET_EXCEEDED', `(You have used ${used.toLocaleString('en-US')} of your ${limits.userDailyTokens.toLocaleString('en-US')} tokens for today; this one needs about ${estimate.toLocaleString('en-US')}. It resets ${when(nextDay(now))}.)`);
    }
  }
}

/** A per-user pause between triggers that are easy to repeat (reactions), so nobody can queue dozens at once. */
export class Cooldown {
  private readonly last = new Map<string, number>();
  constructor(private readonly ms: number, private readonly now: () => number = Date.now) {}

  /** Throws COOLDOWN when `key` was used less than `ms` ago; otherwise records this use. */
  take(key: string): void {
    const t = this.now();
    const prev = this.last.get(key);
    if (prev !== undefined && t - prev < this.ms) {
      throw new TranslateError('COOLDOWN', `(${Math.ceil((this.ms - (t - prev)) / 1000)} s)`);
    }
    this.last.set(key, t);
    if (this.last.size > 10_000) for (const [k, v] of this.last) if (t - v > this.ms) this.last.delete(k);
  }
}
