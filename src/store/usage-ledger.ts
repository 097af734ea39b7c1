import type { Counters } from './backend.js';
import type { Platform, UsageLedger, UsageTotals } from './types.js';

/** How long a per-user day total is kept after its last write: enough for "today" and the month around it. */
export const USER_DAY_TTL_MS = 35 * 24 * 60 * 60 * 1000;

/**
 * Token totals in the `usage` namespace, one counter set per bucket (UTC):
 * `server-month:<platform>:<serverId>:<YYYY-MM>`, `user-month:<platform>:<userId>:<YYYY-MM>` and
 * `user-day:<platform>:<userId>:<YYYY-MM-DD>` (kept `USER_DAY_TTL_MS`; month totals are kept).
 * `record` adds one job and its tokens to all three buckets of `entry.at`. On Redis every addition is an atomic
 * HINCRBY, so several processes can record at once; on SQLite additions are serialised per bucket in the process.
 */
export function createUsageLedger(counters: Counters): UsageLedger {
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
