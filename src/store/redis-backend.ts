import { createHash } from 'node:crypto';
import KeyvRedis, { createClient } from '@keyv/redis';
import { Keyv } from 'keyv';
import { CONCERNS, SCHEMA_VERSION, type Backend, type Concern, type Counters, type IdSets } from './backend.js';
import { redisHolds } from './redis-holds.js';
import type { SharedRedis } from './types.js';

/** How long `ping` waits for PONG, ms. */
const PING_TIMEOUT_MS = 2_000;
/** How long one connection attempt may take, ms. */
const CONNECT_TIMEOUT_MS = 3_000;
/** Connection attempts at start before giving up (a Redis still booting gets a moment). */
const START_ATTEMPTS = 3;

type RedisClient = ReturnType<typeof createClient>;

/** A KeyvRedis that never reconnects a client the store has closed (its `getClient` would). */
class ClosableKeyvRedis extends KeyvRedis<unknown> {
  constructor(
    client: RedisClient,
    namespace: string,
    private readonly isClosed: () => boolean,
  ) {
    super(client, { namespace, throwOnErrors: true, throwOnConnectError: true });
  }

  override async getClient(): ReturnType<KeyvRedis<unknown>['getClient']> {
    if (this.isClosed()) throw new Error('the store is closed');
    return super.getClient();
  }
}

/**
 * The shared back end for several bot processes: one node-redis connection (`redis://` or `rediss://` for TLS)
 * carries every namespace (`<prefix>:<concern>::<key>`). Commands fail at once while the connection is down (no
 * offline queue), and the client reconnects in the background with a capped backoff, reporting each failure to
 * `onError`. Counters are hashes updated with HINCRBY and id sets are Redis sets, so concurrent processes never lose
 * an update.
 *
 * Throws (with node-redis's message) when Redis does not answer within a few attempts at start.
 */
export async function openRedisBackend(url: string, prefix: string, onError: (err: unknown) => void): Promise<Backend> {
  let connected = false;
  const client: RedisClient = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: CONNECT_TIMEOUT_MS,
      reconnectStrategy: (retries: number, cause: Error) => {
        if (connected) return Math.min(100 * 2 ** retries, 2_000);
        return retries < START_ATTEMPTS - 1 ? 100 * (retries + 1) : cause;
      },
    },
  });
  // Failures at start reject `connect` below; later ones are background reconnects, only worth a log line.
  client.on('error', (err: unknown) => {
    if (connected) onError(err);
  });
  await client.connect();
  connected = true;

  let closed = false;
  const namespaces = Object.fromEntries(CONCERNS.map((c) => [c, `${prefix}:${c}`])) as Record<Concern, string>;
  const keyv = Object.fromEntries(
    CONCERNS.map((concern) => {
      const adapter = new ClosableKeyvRedis(client, namespaces[concern], () => closed);
      return [concern, new Keyv(adapter, { namespace: namespaces[concern], useKeyPrefix: false, throwOnErrors: true })];
    }),
  ) as Record<Concern, Keyv>;
  const fullKey = (concern: Concern, key: string) => `${namespaces[concern]}::${key}`;

  return {
    kind: 'redis',
    keyv,
    counters: redisCounters(client, (key) => fullKey('usage', key)),
    idSets: redisIdSets(client, (key) => fullKey('journal', key)),
    holds: redisHolds(client, (key) => fullKey('usage', key), (key) => fullKey('usage', `holds:${key}`)),
    redis: sharedRedis(client, `${prefix}:limits`, () => closed),
    async ping() {
      if (closed) throw new Error('the store is closed');
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`Redis did not answer PING within ${PING_TIMEOUT_MS} ms`)), PING_TIMEOUT_MS);
      });
      try {
        await Promise.race([client.ping(), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      if (closed) return;
      closed = true;
      if (!client.isOpen) return;
      await client.close().catch(() => client.destroy());
    },
  };
}

/** Each counter key is a hash: one field per counter plus `v`, the schema version. */
function redisCounters(client: RedisClient, keyOf: (key: string) => string): Counters {
  return {
    async add(key, deltas, ttlMs) {
      const k = keyOf(key);
      const multi = client.multi().hSetNX(k, 'v', String(SCHEMA_VERSION));
      for (const [field, delta] of Object.entries(deltas)) multi.hIncrBy(k, field, delta);
      if (ttlMs !== undefined) multi.pExpire(k, ttlMs);
      await multi.exec();
    },
    async read(key) {
      const hash = await client.hGetAll(keyOf(key));
      if (hash.v !== String(SCHEMA_VERSION)) return undefined;
      const totals: Record<string, number> = {};
      for (const [field, value] of Object.entries(hash)) if (field !== 'v') totals[field] = Number(value);
      return totals;
    },
  };
}

function redisIdSets(client: RedisClient, keyOf: (key: string) => string): IdSets {
  return {
    async add(key, id) {
      await client.sAdd(keyOf(key), id);
    },
    async remove(key, ...ids) {
      if (ids.length) await client.sRem(keyOf(key), ids);
    },
    members: (key) => client.sMembers(keyOf(key)),
  };
}

/**
 * The `limits` namespace (`<prefix>:limits::<name>`) for limits shared between processes. Its keys, each documented
 * where its name is built:
 * - `account`: the model account's token buckets (src/translator/redis-account-limiter.ts), a hash that expires once
 *   both buckets would be full again;
 * - `edits:<platform>:<scope>` (+ `:finals`): a platform scope's recent writes (src/reply/redis-edit-budget.ts), a
 *   sorted set that expires one window after the last write;
 * - `slack-event:<event_id>`: a Slack event id already taken by a process (adapters/slack/event-dedupe.ts), 1 hour.
 */
function sharedRedis(client: RedisClient, namespace: string, isClosed: () => boolean): SharedRedis {
  const shas = new Map<string, string>();
  const open = () => {
    if (isClosed()) throw new Error('the store is closed');
  };
  return {
    key: (name) => `${namespace}::${name}`,
    async evalScript(script, keys, args) {
      open();
      let sha = shas.get(script);
      if (!sha) {
        sha = createHash('sha1').update(script).digest('hex');
        shas.set(script, sha);
      }
      const options = { keys: [...keys], arguments: [...args] };
      try {
        return await client.evalSha(sha, options);
      } catch (err) {
        if (!(err instanceof Error) || !err.message.startsWith('NOSCRIPT')) throw err;
        return client.eval(script, options);
      }
    },
    async setOnce(key, ttlMs) {
      open();
      const answer = await client.set(key, '1', { condition: 'NX', expiration: { type: 'PX', value: Math.max(1, Math.round(ttlMs)) } });
      return answer === 'OK';
    },
  };
}
