import { createHash } from 'node:crypto';
import { TranslateError } from '../errors.js';
import type { Logger } from '../logger.js';
import type { TranslationPlan } from '../plan.js';
import type { HoldOutcome, Platform, Store } from '../store/types.js';
import type { Usage } from '../translator/types.js';

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
  // a video translated from its sound only is another result than with its pictures (audio alike: keys unchanged)
  const parts = [contentHash, plan.target.code, plan.source?.code ?? 'auto', plan.voice?.name ?? 'text', model, ...(plan.audioOnly ? ['sound-only'] : [])];
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

/** How long a budget hold lives without renewal, ms: a process that dies frees its holds this long after. */
export const HOLD_TTL_MS = 5 * 60_000;

/** The tokens a running job holds on the budgets, until it settles or releases them. */
export interface BudgetHold {
  /** The estimate held. */
  readonly tokens: number;
  /**
   * Records the job's real usage (the estimate when the service reported none) and then drops the hold. Never throws:
   * a store that fails here is logged, and the hold expires by itself.
   */
  settle(usage: Usage | undefined): Promise<void>;
  /** Drops the hold without recording anything (the job failed or was cancelled before the model answered). Never throws. */
  release(): Promise<void>;
}

/**
 * Holds a job's estimated tokens on the server's monthly budget and the user's daily allowance, atomically: a job is
 * admitted only while recorded + held by running jobs + its estimate fits every limit, so concurrent jobs can never
 * be admitted past a limit. The real usage replaces the hold when the job settles, so the recorded total can pass a
 * limit only by what the jobs admitted last used beyond their estimates (their overshoot); once it has, every later
 * job is refused. The hold is renewed every third of `HOLD_TTL_MS` while it lives.
 *
 * Throws BUDGET_EXCEEDED naming what is used, the limit and when it resets, and STORE_UNAVAILABLE when the budgets
 * cannot be read (a job is never admitted unchecked). Returns undefined when no limit is set.
 */
export async function reserveBudget(
  store: Store, limits: BudgetLimits, scope: JobScope, estimate: number, now: () => number, log?: Logger,
): Promise<BudgetHold | undefined> {
  if (limits.serverMonthlyTokens === undefined && limits.userDailyTokens === undefined) return undefined;
  const at = now();
  const outcome = await store.usage.hold({ ...scope, at, tokens: estimate, limits, ttlMs: HOLD_TTL_MS }).catch((err: unknown) => {
    throw new TranslateError('STORE_UNAVAILABLE', '(The usage budgets cannot be checked, so nothing is translated until the storage is back.)', { cause: err });
  });
  if (!outcome.ok) throw budgetExceeded(outcome, estimate, at);
  const { hold } = outcome;
  const renew = setInterval(() => {
    store.usage.extendHold(hold, now(), HOLD_TTL_MS).catch((err: unknown) => log?.warn({ err }, 'budget hold not renewed'));
  }, HOLD_TTL_MS / 3);
  renew.unref();
  let ended = false;
  const drop = async () => {
    clearInterval(renew);
    await store.usage.releaseHold(hold).catch((err: unknown) => log?.warn({ err }, 'budget hold not released; it expires by itself'));
  };
  return {
    tokens: hold.tokens,
    async settle(usage) {
      if (ended) return;
      ended = true;
      const charged = usage ?? estimatedUsage(hold.tokens);
      await store.usage.record({ ...scope, usage: charged, at: now() }).catch((err: unknown) => log?.error({ err }, 'usage not recorded'));
      await drop();
    },
    async release() {
      if (ended) return;
      ended = true;
      await drop();
    },
  };
}

function budgetExceeded(short: Extract<HoldOutcome, { ok: false }>, estimate: number, at: number): TranslateError {
  const n = (x: number) => x.toLocaleString('en-US');
  const running = short.held > 0 ? ` (${n(short.held)} of them held by translations still running)` : '';
  return short.budget === 'server-month'
    ? new TranslateError('BUDGET_EXCEEDED', `(This server has used ${n(short.used)} of its ${n(short.limit)} tokens for ${month(at)}${running}; this one needs about ${n(estimate)}. It resets ${when(nextMonth(at))}.)`)
    : new TranslateError('BUDGET_EXCEEDED', `(You have used ${n(short.used)} of your ${n(short.limit)} tokens for today${running}; this one needs about ${n(estimate)}. It resets ${when(nextDay(at))}.)`);
}

/** What a job is charged when the service reported no usage: its estimate, as input tokens. */
function estimatedUsage(tokens: number): Usage {
  return {
    inputTokens: tokens, outputTokens: 0, totalTokens: tokens, inputAudioTokens: 0, inputVideoTokens: 0,
    inputTextTokens: 0, outputAudioTokens: 0, outputTextTokens: 0,
  };
}
