import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../clock.js';
import { TranslateError } from '../errors.js';
import type { SharedRedis } from '../store/types.js';
import type { AccountLimiter, AccountLimits, Permit } from './account-limiter.js';

/**
 * The Redis key of the account's buckets: `<prefix>:limits::account` (see `SharedRedis.key`), a hash with
 * - `r`, `k`: the request and token levels (may be negative: debt), `t`: when they were last refilled (Redis TIME, ms);
 * - `h`, `hk`, `hu`: the reservation of the waiter next in line across processes (its id, its tokens, until when).
 * It expires once both buckets would be full again and no reservation is live (an absent key reads as full buckets),
 * so an idle deployment keeps nothing.
 */
export const ACCOUNT_LIMITER_KEY = 'account';

/**
 * One script for every step, so each is atomic for every process sharing the Redis. The buckets refill by the time
 * elapsed since `t`, measured with Redis's TIME (one clock for every process).
 *
 * KEYS[1]: the hash. ARGV: mode (`take`, `settle`, `refund`, `leave`), requests cap, requests per ms, tokens cap,
 * tokens per ms (a cap of 0 = that bucket off), amount (take: the estimate; settle: tokens given back, negative when
 * owed; refund: the estimate), waiter id, longest poll interval (ms), grace (ms).
 *
 * Answers {answer, Redis time in ms}. `take`'s answer is 0 when it took one request and `amount` tokens, else the ms
 * to wait before asking again (the other modes answer 0). The first
 * waiter refused while no reservation is live becomes the reservation holder: until it is served (or stops asking for
 * `longest poll + grace`), others may only take what leaves its request and tokens in the buckets, so a large request
 * is not starved by a stream of small ones from other processes.
 */
const SCRIPT = `
if redis.replicate_commands then redis.replicate_commands() end
local key, mode = KEYS[1], ARGV[1]
local rCap, rRate, tCap, tRate = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local amount, id, maxPoll, grace = tonumber(ARGV[6]), ARGV[7], tonumber(ARGV[8]), tonumber(ARGV[9])
local time = redis.call('TIME')
local now = tonumber(time[1]) * 1000 + tonumber(time[2]) / 1000
local s = redis.call('HMGET', key, 'r', 'k', 't', 'h', 'hk', 'hu')
local r, k, last = tonumber(s[1]) or rCap, tonumber(s[2]) or tCap, tonumber(s[3]) or now
local holder, held, heldUntil = s[4], tonumber(s[5]) or 0, tonumber(s[6]) or 0
if holder == '' or heldUntil <= now then holder = false end
local elapsed = math.max(0, now - last)
if rCap > 0 then r = math.min(rCap, r + elapsed * rRate) end
if tCap > 0 then k = math.min(tCap, k + elapsed * tRate) end

-- ms until amount (at most a full bucket) fits beside what is reserved; blocked = it never fits beside it
local function waitFor(level, cap, rate, reserved, want)
  if cap <= 0 then return 0, false end
  local target = reserved + math.min(want, cap)
  if target > cap + 1e-9 then return math.max(1, math.ceil((reserved - level) / rate)), true end
  local need = target - level
  if need <= 1e-9 then return 0, false end
  return math.ceil(need / rate), false
end

local answer = 0
if mode == 'take' then
  local other = holder and holder ~= id
  local rRes, tRes = 0, 0
  if other then rRes, tRes = 1, math.min(held, tCap) end
  local wr, br = waitFor(r, rCap, rRate, rRes, 1)
  local wt, bt = waitFor(k, tCap, tRate, tRes, amount)
  answer = math.max(wr, wt)
  if (br or bt) and other then
    -- behind the holder: look again when it should have been served
    answer = math.max(answer, 10, math.ceil(heldUntil - grace - now))
  end
  if answer == 0 then
    if rCap > 0 then r = r - 1 end
    if tCap > 0 then k = k - amount end
    if holder == id then holder = false end
  else
    if not holder then holder, held = id, amount end
    if holder == id then heldUntil = now + math.min(answer, maxPoll) + grace end
  end
elseif mode == 'settle' then
  if tCap > 0 then k = math.min(tCap, k + amount) end
elseif mode == 'refund' then
  if rCap > 0 then r = math.min(rCap, r + 1) end
  if tCap > 0 then k = math.min(tCap, k + amount) end
  if holder == id then holder = false end
elseif mode == 'leave' then
  if holder == id then holder = false end
end

local ttl = 1000
if rCap > 0 then ttl = math.max(ttl, (rCap - r) / rRate + 1000) end
if tCap > 0 then ttl = math.max(ttl, (tCap - k) / tRate + 1000) end
if holder then ttl = math.max(ttl, heldUntil - now + 1000) else holder, held, heldUntil = '', 0, 0 end
redis.call('HSET', key, 'r', string.format('%.17g', r), 'k', string.format('%.17g', k), 't', string.format('%.17g', now),
  'h', holder, 'hk', string.format('%.17g', held), 'hu', string.format('%.17g', heldUntil))
redis.call('PEXPIRE', key, math.ceil(ttl))
return {answer, math.floor(now)}
`;

export interface RedisAccountLimiterOptions extends AccountLimits {
  /** The store's Redis (`Store.redis`). */
  redis: Pick<SharedRedis, 'key' | 'evalScript'>;
  /** The longest a waiter sleeps before asking again, so tokens given back by another process are noticed. Default 1000. */
  maxPollMs?: number;
  /** How long a reservation outlives its holder's next expected poll. Default 1000 ms. */
  graceMs?: number;
  /** A settle that could not be written (the buckets keep the estimate); for the log. */
  onError?: (err: unknown) => void;
  /** The hash's name in the `limits` namespace (tests give each their own). Default `account`. */
  keyName?: string;
}

interface Waiter {
  id: string;
  tokens: number;
  resolve(permit: Permit): void;
  reject(reason: unknown): void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
  /** Asked Redis at least once (it may hold the reservation). */
  asked: boolean;
}

/**
 * `AccountLimiter` shared by every process on one Redis: the same two token buckets as `TokenBucketLimiter` (same
 * capacities, rates, debt and settle rules), kept in one Redis hash and changed only by one Lua script.
 *
 * Fairness: inside a process, waiters are served strictly in arrival order (only the head asks Redis). Across
 * processes there is no global queue: each process's head asks again after the wait Redis answered (at most
 * `maxPollMs`). The first head refused holds a reservation: others may only take what leaves its share in the
 * buckets until it is served, so a large request cannot be starved by small ones from other processes; heads refused
 * behind it compete again once it is served (roughly, but not strictly, first come first served).
 *
 * Redis down: fails closed. `acquire` rejects with STORE_UNAVAILABLE (the user sees that the bot's storage is not
 * reachable; Retry is offered) rather than sending unchecked requests that N processes together would push past the
 * account's limits. A settle that fails is reported to `onError` and keeps the estimate.
 */
export class RedisAccountLimiter implements AccountLimiter {
  private readonly args: string[];
  private readonly key: string;
  private readonly clock: Clock;
  private readonly maxPollMs: number;
  private readonly tokensOn: boolean;
  private readonly queue: Waiter[] = [];
  private readonly idPrefix = randomUUID();
  private next = 0;
  private running = false;
  private wake: AbortController | undefined;

  constructor(private readonly options: RedisAccountLimiterOptions) {
    const burst = options.burstSeconds ?? 1;
    const windowMs = options.windowMs ?? 60_000;
    const cap = (perMinute: number) => (perMinute > 0 ? Math.max(1, (perMinute * burst * 1000) / windowMs) : 0);
    const rate = (perMinute: number) => (perMinute > 0 ? perMinute / windowMs : 0);
    this.maxPollMs = options.maxPollMs ?? 1_000;
    this.args = [
      String(cap(options.requestsPerMinute)), String(rate(options.requestsPerMinute)),
      String(cap(options.tokensPerMinute)), String(rate(options.tokensPerMinute)),
    ];
    this.tokensOn = options.tokensPerMinute > 0;
    this.key = options.redis.key(options.keyName ?? ACCOUNT_LIMITER_KEY);
    this.clock = options.clock ?? systemClock;
  }

  acquire(estimatedTokens: number, signal?: AbortSignal): Promise<Permit> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const tokens = Math.max(0, Math.round(estimatedTokens));
    return new Promise<Permit>((resolve, reject) => {
      const waiter: Waiter = {
        id: `${this.idPrefix}:${this.next++}`, tokens, resolve, reject, signal, asked: false,
        onAbort: () => {
          const at = this.queue.indexOf(waiter);
          if (at < 0) return;
          this.queue.splice(at, 1);
          reject(signal?.reason);
          // it may hold the reservation: give it up so others need not wait for it to lapse
          if (waiter.asked) this.run('leave', 0, waiter.id).catch((err: unknown) => this.options.onError?.(err));
          if (at === 0) this.wakeUp();
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      this.queue.push(waiter);
      void this.pump();
    });
  }

  /** Asks Redis for the head of the queue until the queue is empty; one loop at a time. */
  private async pump(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (let head = this.queue[0]; head; head = this.queue[0]) {
        let wait: number;
        try {
          head.asked = true;
          wait = answerOf(await this.run('take', head.tokens, head.id));
        } catch (err) {
          if (this.queue[0] !== head) continue; // aborted meanwhile: already rejected
          this.queue.shift();
          head.signal?.removeEventListener('abort', head.onAbort);
          head.reject(new TranslateError(
            'STORE_UNAVAILABLE',
            `(The model's shared rate limit is kept in Redis, which did not answer: ${err instanceof Error ? err.message : String(err)}.)`,
            { cause: err },
          ));
          continue;
        }
        if (this.queue[0] !== head) {
          // aborted while Redis answered: what it took goes back
          if (wait === 0) await this.run('refund', head.tokens, head.id).catch((err: unknown) => this.options.onError?.(err));
          continue;
        }
        if (wait === 0) {
          this.queue.shift();
          head.signal?.removeEventListener('abort', head.onAbort);
          head.resolve(this.permit(head.tokens));
          continue;
        }
        const wake = new AbortController();
        this.wake = wake;
        await this.clock.sleep(Math.min(wait, this.maxPollMs), wake.signal).catch(() => undefined);
        if (this.wake === wake) this.wake = undefined;
      }
    } finally {
      this.running = false;
    }
  }

  private wakeUp(): void {
    this.wake?.abort();
    this.wake = undefined;
  }

  private run(mode: 'take' | 'settle' | 'refund' | 'leave', amount: number, id: string): Promise<unknown> {
    return this.options.redis.evalScript(SCRIPT, [this.key], [
      mode, ...this.args, String(amount), id, String(this.maxPollMs), String(this.options.graceMs ?? 1_000),
    ]);
  }

  private permit(estimated: number): Permit {
    let settled = false;
    return {
      settle: (actualTokens) => {
        if (settled || !this.tokensOn) return;
        settled = true;
        const back = estimated - Math.max(0, Math.round(actualTokens));
        if (back === 0) return;
        this.run('settle', back, '').then(
          () => back > 0 && this.wakeUp(), // tokens given back may let the head go sooner
          (err: unknown) => this.options.onError?.(err),
        );
      },
    };
  }
}

/** The script's answer: the first of {answer, Redis time}. */
function answerOf(reply: unknown): number {
  return Number(Array.isArray(reply) ? reply[0] : reply);
}

/** The shared limiter: undefined when both limits are 0 (off), like `accountLimiter`. */
export function redisAccountLimiter(options: RedisAccountLimiterOptions): AccountLimiter | undefined {
  return options.requestsPerMinute > 0 || options.tokensPerMinute > 0 ? new RedisAccountLimiter(options) : undefined;
}
