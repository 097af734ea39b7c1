import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import type { SharedRedis } from '../store/types.js';
import { BUDGET_FORGET_MS, EditBudget, type EditBudgetLimits, type WriteBudgets } from './edit-budget.js';
import type { WriteBudget, WritePriority } from './types.js';

/**
 * The Redis keys of one scope's budget, in the store's `limits` namespace (`SharedRedis.key`):
 * - `edits:<platform>:<scope>`: a sorted set of the writes granted in the last window (member: a unique grant id,
 *   score: Redis TIME in ms). Trimmed on every call; expires `perMs` after the last grant.
 * - `edits:<platform>:<scope>:finals`: a sorted set of final writes refused for now (member: the waiter's id, score:
 *   until when it counts, its next expected ask plus a grace). Normal writes leave one slot per live entry to them.
 *   Expires with its latest entry.
 */
export function editBudgetKey(platform: string, scopeKey: string): string {
  return `edits:${platform}:${scopeKey}`;
}

/**
 * KEYS: grants, finals. ARGV: writes, perMs, member, priority, grace (ms), finalReserve (slots only finals take). Answers {0, Redis time in ms} when the
 * write was granted (and counted), else {the ms until a slot may be free, Redis time}. The window is the same as `EditBudget`'s: a grant at t occupies it
 * until t + perMs.
 */
const ACQUIRE = `
if redis.replicate_commands then redis.replicate_commands() end
local grants, finals = KEYS[1], KEYS[2]
local writes, perMs, member, priority, grace = tonumber(ARGV[1]), tonumber(ARGV[2]), ARGV[3], ARGV[4], tonumber(ARGV[5])
local reserve = tonumber(ARGV[6] or '0')
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
redis.call('ZREMRANGEBYSCORE', grants, '-inf', now - perMs)
redis.call('ZREMRANGEBYSCORE', finals, '-inf', now)
local count = redis.call('ZCARD', grants)
local room = writes
if priority ~= 'final' then room = writes - reserve - redis.call('ZCARD', finals) end
if count < room then
  redis.call('ZADD', grants, now, member)
  redis.call('PEXPIRE', grants, math.ceil(perMs))
  if priority == 'final' then redis.call('ZREM', finals, member) end
  return {0, math.floor(now)}
end
local wait
if count >= writes or (priority ~= 'final' and count >= writes - reserve) then
  -- the window is full (or, for a normal write, down to the finals' reserve): until enough of its oldest grants
  -- leave it for this write (and the finals before a normal)
  local index = math.max(0, math.min(count - room, count - 1))
  local at = redis.call('ZRANGE', grants, index, index, 'WITHSCORES')
  wait = tonumber(at[2]) + perMs - now
else
  -- only a normal write: a slot is free but kept for waiting finals; look again when the first should have asked
  local first = redis.call('ZRANGE', finals, 0, 0, 'WITHSCORES')
  wait = math.max(10, tonumber(first[2]) - grace - now)
end
wait = math.max(1, math.ceil(wait))
if priority == 'final' then
  redis.call('ZADD', finals, now + wait + grace, member)
  local left = redis.call('PTTL', finals)
  if left < wait + grace then redis.call('PEXPIRE', finals, math.ceil(wait + grace)) end
end
return {wait, math.floor(now)}
`;

/** KEYS: grants, finals. ARGV: member. Gives back a grant (or a final's claim) of a waiter that was aborted. */
const RELEASE = `
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('ZREM', KEYS[2], ARGV[1])
return 1
`;

/** The script's answer: the first of {answer, Redis time}. */
const answerOf = (reply: unknown): number => Number(Array.isArray(reply) ? reply[0] : reply);

export interface RedisEditBudgetOptions extends EditBudgetLimits {
  redis: Pick<SharedRedis, 'key' | 'evalScript'>;
  /** `edits:<platform>:<scope>` (see `editBudgetKey`). */
  keyName: string;
  clock?: Clock | undefined;
  /** How long a refused final write counts after its next expected ask. Default 1000 ms. */
  graceMs?: number | undefined;
  /** Redis failed, so a write was granted by this process's own window instead; for the log. */
  onError?: ((err: unknown) => void) | undefined;
}

interface Waiter {
  id: string;
  priority: WritePriority;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  asked: boolean;
}

/**
 * `WriteBudget` for one platform scope shared by every process on one Redis: the same sliding window as `EditBudget`
 * (at most `writes` grants in any `perMs`), kept in a Redis sorted set and changed only by a Lua script.
 *
 * Order: inside a process, final writes are served before normal ones, normal before low ones, then first come first
 * served (only the head asks Redis; Redis counts a low write like a normal one). Across processes there is no queue: each head asks again when Redis said a slot frees. A final write
 * that was refused is noted in Redis, and normal writes of every process leave a slot for each such final while it
 * waits, so finals go first across processes too (as long as their process keeps asking).
 *
 * Redis down: falls back to this process's own window (an `EditBudget` with the same limits) and reports the error
 * to `onError`: a reply's edits, its final text above all, keep landing, and the platform's own 429 handling covers
 * what several processes together may exceed meanwhile.
 */
export class RedisEditBudget implements WriteBudget {
  private readonly finals: Waiter[] = [];
  private readonly normals: Waiter[] = [];
  /** Low-priority writes (decoration only): after every final and normal one of this process. */
  private readonly lows: Waiter[] = [];
  private readonly keys: string[];
  private readonly clock: Clock;
  private readonly local: EditBudget;
  private readonly idPrefix = randomUUID();
  private next = 0;
  private running = false;
  private wake: AbortController | undefined;
  private lastUsed: number;

  constructor(private readonly options: RedisEditBudgetOptions) {
    this.local = new EditBudget(options); // validates the limits, and is the fallback
    const grants = options.redis.key(options.keyName);
    this.keys = [grants, `${grants}:finals`];
    this.clock = options.clock ?? systemClock;
    this.lastUsed = this.clock.now();
  }

  get waiting(): number {
    return this.finals.length + this.normals.length + this.lows.length;
  }

  private queueOf(priority: WritePriority): Waiter[] {
    return priority === 'final' ? this.finals : priority === 'low' ? this.lows : this.normals;
  }

  /** Nobody waits and nothing was asked for `ms` (see `EditBudget.idleFor`). */
  idleFor(ms: number): boolean {
    return this.waiting === 0 && this.local.idleFor(ms) && this.clock.now() - this.lastUsed > Math.max(ms, this.options.perMs);
  }

  acquire(priority: WritePriority = 'normal', signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    this.lastUsed = this.clock.now();
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        id: `${this.idPrefix}:${this.next++}`, priority, resolve, reject, signal, asked: false,
        onAbort: () => {
          const queue = this.queueOf(priority);
          const at = queue.indexOf(waiter);
          if (at < 0) return;
          const wasHead = this.head() === waiter;
          queue.splice(at, 1);
          reject(signal?.reason);
          if (waiter.asked) this.release(waiter.id);
          if (wasHead) this.wakeUp();
        },
      };
      this.queueOf(priority).push(waiter);
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      // a final arriving behind a sleeping normal (or low) head asks at once, and a normal behind a low one
      if (this.head() === waiter) this.wakeUp();
      void this.pump();
    });
  }

  private head(): Waiter | undefined {
    return this.finals[0] ?? this.normals[0] ?? this.lows[0];
  }

  private take(waiter: Waiter): void {
    const queue = this.queueOf(waiter.priority);
    const at = queue.indexOf(waiter);
    if (at >= 0) queue.splice(at, 1);
    waiter.signal?.removeEventListener('abort', waiter.onAbort);
  }

  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let head = this.head(); head; head = this.head()) {
        let wait: number;
        try {
          head.asked = true;
          wait = answerOf(await this.options.redis.evalScript(ACQUIRE, this.keys, [
            String(this.local.writes), String(this.local.perMs), head.id, head.priority, String(this.options.graceMs ?? 1_000),
            String(this.local.finalReserve),
          ]));
        } catch (err) {
          this.options.onError?.(err);
          const waiter = head;
          if (!this.isQueued(waiter)) continue;
          this.take(waiter);
          this.local.acquire(waiter.priority, waiter.signal).then(waiter.resolve, waiter.reject);
          continue;
        }
        if (!this.isQueued(head)) {
          if (wait === 0) this.release(head.id); // aborted while Redis granted it: give the slot back
          continue;
        }
        if (wait === 0) {
          this.take(head);
          head.resolve();
          continue;
        }
        if (this.head() !== head) continue; // a final arrived meanwhile: it asks first
        const wake = new AbortController();
        this.wake = wake;
        await this.clock.sleep(wait, wake.signal).catch(() => undefined);
        if (this.wake === wake) this.wake = undefined;
      }
    } finally {
      this.running = false;
    }
  }

  private isQueued(waiter: Waiter): boolean {
    return this.queueOf(waiter.priority).includes(waiter);
  }

  private wakeUp(): void {
    this.wake?.abort();
    this.wake = undefined;
  }

  private release(id: string): void {
    this.options.redis.evalScript(RELEASE, this.keys, [id]).catch((err: unknown) => this.options.onError?.(err));
  }
}

export interface RedisEditBudgetsOptions extends EditBudgetLimits {
  redis: Pick<SharedRedis, 'key' | 'evalScript'>;
  /** Part of every key: scopes of different platforms never share a budget. */
  platform: string;
  clock?: Clock | undefined;
  /** Redis failed and a process-local window was used instead; called at most once a minute. */
  onError?: ((err: unknown) => void) | undefined;
}

/** `EditBudgets` over Redis: one `RedisEditBudget` per scope key, forgotten like `EditBudgets` forgets its own. */
export class RedisEditBudgets implements WriteBudgets {
  private readonly budgets = new Map<string, RedisEditBudget>();
  private lastReport = -Infinity;

  constructor(private readonly options: RedisEditBudgetsOptions) {}

  get(scopeKey: string): RedisEditBudget {
    let budget = this.budgets.get(scopeKey);
    if (!budget) {
      if (this.budgets.size >= 256) for (const [k, b] of this.budgets) if (b.idleFor(BUDGET_FORGET_MS)) this.budgets.delete(k);
      budget = new RedisEditBudget({
        ...this.options,
        keyName: editBudgetKey(this.options.platform, scopeKey),
        onError: (err) => this.report(err),
      });
      this.budgets.set(scopeKey, budget);
    }
    return budget;
  }

  get size(): number {
    return this.budgets.size;
  }

  private report(err: unknown): void {
    const now = (this.options.clock ?? systemClock).now();
    if (now - this.lastReport < 60_000) return;
    this.lastReport = now;
    this.options.onError?.(err);
  }
}
