import { randomUUID } from 'node:crypto';
import type { Counters, HoldBucket, Holds } from './backend.js';
import type { HoldOutcome, Platform, UsageLedger, UsageTotals } from './types.js';

/** How long a per-user day total is kept after its last write: enough for "today" and the month around it. */
export const USER_DAY_TTL_MS = 35 * 24 * 60 * 60 * 1000;

/**
 * Token totals in the `usage` namespace, one counter set per bucket (UTC):
 * `server-month:<platform>:<serverId>:<YYYY-MM>`, `user-month:<platform>:<userId>:<YYYY-MM>` and
 * `user-day:<platform>:<userId>:<YYYY-MM-DD>` (kept `USER_DAY_TTL_MS`; month totals are kept).
 * `record` adds one job and its tokens to all three buckets of `entry.at`. On Redis every addition is an atomic
 * HINCRBY, so several processes can record at once; on SQLite additions are serialised per bucket in the process.
 * Holds of running jobs sit beside the server-month and user-day buckets they are checked against (`Holds`).
 */
export function createUsageLedger(counters: Counters, holds: Holds): UsageLedger {
  const read = async (key: string): Promise<UsageTotals> => {
    const fields = await counters.read(key);
    return {
      inputTokens: fields?.inputTokens ?? 0,
      outputTokens: fields?.outputTokens ?? 0,
      totalTokens: fields?.totalTokens ?? 0,
      jobs: fields?.jobs ?? 0,
    };
  };

  return {
    async record({ platform, serverId, userId, usage, at }) {
      const deltas: Record<keyof UsageTotals, number> = {
        inputTokens: tokens(usage.inputTokens),
        outputTokens: tokens(usage.outputTokens),
        totalTokens: tokens(usage.totalTokens),
        jobs: 1,
      };
      await Promise.all([
        counters.add(serverMonthKey(platform, serverId, at), deltas),
        counters.add(userMonthKey(platform, userId, at), deltas),
        counters.add(userDayKey(platform, userId, at), deltas, USER_DAY_TTL_MS),
      ]);
    },
    async hold({ platform, serverId, userId, at, tokens, limits, ttlMs }): Promise<HoldOutcome> {
      const buckets: (HoldBucket & { budget: 'server-month' | 'user-day' })[] = [];
      if (limits.serverMonthlyTokens !== undefined) {
        buckets.push({ budget: 'server-month', key: serverMonthKey(platform, serverId, at), limit: limits.serverMonthlyTokens });
      }
      if (limits.userDailyTokens !== undefined) {
        buckets.push({ budget: 'user-day', key: userDayKey(platform, userId, at), limit: limits.userDailyTokens });
      }
      const hold = { id: randomUUID(), tokens: Math.max(0, Math.round(tokens)), keys: buckets.map((b) => b.key) };
      if (buckets.length === 0) return { ok: true, hold };
      const taken = await holds.take(hold.id, hold.tokens, buckets, at, at + ttlMs);
      if (taken.ok) return { ok: true, hold };
      const short = buckets[taken.index]!;
      return { ok: false, budget: short.budget, limit: short.limit, used: taken.recorded + taken.held, held: taken.held };
    },
    async extendHold(hold, at, ttlMs) {
      if (hold.keys.length) await holds.extend(hold.id, hold.keys, at, at + ttlMs);
    },
    async releaseHold(hold) {
      if (hold.keys.length) await holds.drop(hold.id, hold.keys);
    },
    serverMonth: (platform, serverId, at) => read(serverMonthKey(platform, serverId, at)),
    userMonth: (platform, userId, at) => read(userMonthKey(platform, userId, at)),
    userDay: (platform, userId, at) => read(userDayKey(platform, userId, at)),
  };
}

const month = (at: number) => new Date(at).toISOString().slice(0, 7);
const day = (at: number) => new Date(at).toISOString().slice(0, 10);
const serverMonthKey = (platform: Platform, serverId: string, at: number) => `server-month:${platform}:${serverId}:${month(at)}`;
const userMonthKey = (platform: Platform, userId: string, at: number) => `user-month:${platform}:${userId}:${month(at)}`;
const userDayKey = (platform: Platform, userId: string, at: number) => `user-day:${platform}:${userId}:${day(at)}`;

/** Token counts are whole and never negative (HINCRBY takes integers only). */
function tokens(n: number): number {
  return Number.isFinite(n) && n > 0 ? Math.round(n) : 0;
}
