import type { createClient } from '@keyv/redis';
import { SCHEMA_VERSION, type Holds } from './backend.js';

type RedisClient = ReturnType<typeof createClient>;

/**
 * KEYS: counter key, holds key, for each bucket in turn. ARGV: id, tokens, now, expiresAt, schema version, then one
 * limit per bucket. A holds key is a hash `id → "<tokens>|<expiresAt>"`; the counter's `totalTokens` counts only when
 * its `v` is the schema version (as `Counters.read` does). Returns {1} or {0, bucket index, recorded, held}.
 */
const TAKE = `
local id, tokens, now, expires, version = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), ARGV[5]
local n = #KEYS / 2
for i = 1, n do
  local counter, holds = KEYS[2 * i - 1], KEYS[2 * i]
  local recorded = 0
  if redis.call('HGET', counter, 'v') == version then
    recorded = tonumber(redis.call('HGET', counter, 'totalTokens') or '0') or 0
  end
  local held = 0
  local all = redis.call('HGETALL', holds)
  for j = 1, #all, 2 do
    local t, e = string.match(all[j + 1], '^(%d+)|(%d+)$')
    if t == nil or tonumber(e) <= now then
      redis.call('HDEL', holds, all[j])
    elseif all[j] ~= id then
      held = held + tonumber(t)
    end
  end
  if recorded + held + tokens > tonumber(ARGV[5 + i]) then return {0, i - 1, recorded, held} end
end
for i = 1, n do
  local holds = KEYS[2 * i]
  redis.call('HSET', holds, id, ARGV[2] .. '|' .. ARGV[4])
  local left = redis.call('PTTL', holds)
  if left < 0 or left < expires - now then redis.call('PEXPIRE', holds, expires - now) end
end
return {1}
`;

/** KEYS: holds keys. ARGV: id, now, expiresAt. Rewrites the expiry of hold `id` where it still exists. */
const EXTEND = `
local id, now, expires = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[3])
for _, holds in ipairs(KEYS) do
  local current = redis.call('HGET', holds, id)
  local t = current and string.match(current, '^(%d+)|')
  if t then
    redis.call('HSET', holds, id, t .. '|' .. ARGV[3])
    local left = redis.call('PTTL', holds)
    if left < 0 or left < expires - now then redis.call('PEXPIRE', holds, expires - now) end
  end
end
return 1
`;

/**
 * Holds on Redis: `take` and `extend` are Lua scripts, so the check against the recorded totals and the live holds
 * and the writing of the hold happen as one step for every process sharing the Redis. A holds hash expires with its
 * latest hold, so holds of a process that died disappear by themselves.
 */
export function redisHolds(client: RedisClient, counterKey: (key: string) => string, holdsKey: (key: string) => string): Holds {
  return {
    async take(id, tokens, buckets, now, expiresAt) {
      const keys = buckets.flatMap((b) => [counterKey(b.key), holdsKey(b.key)]);
      const args = [id, String(Math.round(tokens)), String(now), String(expiresAt), String(SCHEMA_VERSION), ...buckets.map((b) => String(b.limit))];
      const answer = (await client.eval(TAKE, { keys, arguments: args })) as number[];
      if (answer[0] === 1) return { ok: true };
      return { ok: false, index: Number(answer[1]), recorded: Number(answer[2]), held: Number(answer[3]) };
    },
    async extend(id, keys, now, expiresAt) {
      await client.eval(EXTEND, { keys: keys.map(holdsKey), arguments: [id, String(now), String(expiresAt)] });
    },
    async drop(id, keys) {
      const multi = client.multi();
      for (const key of keys) multi.hDel(holdsKey(key), id);
      await multi.exec();
    },
  };
}
