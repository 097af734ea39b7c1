import { existsSync } from 'node:fs';
import { z } from 'zod';
import { TranslateError } from './errors.js';

/**
 * The one place that reads the environment. Every variable is listed in `.env.example` and the README.
 * `loadConfig` validates and returns a frozen object; nothing else reads `process.env` (but for `PATH`, to find ffmpeg).
 */
export interface Config {
  dashscope: { apiKey: string | undefined; baseUrl: string; model: string };
  discord: { token: string; apiUrl: string; guildId: string | undefined; shards: DiscordShards } | undefined;
  slack: { botToken: string; signingSecret: string; appToken: string | undefined; apiUrl: string } | undefined;
  port: number;
  /** Longest recording accepted (long ones are translated in segments), seconds. */
  maxRecordingSecs: number;
  /** How each segment of a long video is re-encoded before it is sent: at most `height` pixels high, `fps` frames a second. */
  videoEncoding: { height: number; fps: number };
  /** /healthz and /metrics: on Slack's HTTP server (HTTP mode) unless `port` is set, else their own on `host`. */
  ops: { host: string | undefined; port: number | undefined };
  storeUrl: string;
  logLevel: string;
  /** Largest attachment the bot downloads, in bytes (enforced while reading). */
  maxFileBytes: number;
  /** ffmpeg for formats that need transcoding beyond Ogg Opus; undefined = look for the bundled one, then PATH. */
  ffmpegPath: string | undefined;
  /** Token budgets (undefined = off). */
  budgets: { serverMonthlyTokens: number | undefined; userDailyTokens: number | undefined };
  /** Concurrent model calls of this process (fairly shared between servers). */
  maxConcurrent: number;
  /** Threads encoding voice notes off the main event loop (0 = on it); undefined = min(2, cores). */
  opusWorkers: number | undefined;
  /** Per-user pause between flag reactions, ms. */
  /** The abuse limit: a user's triggers per minute before refusing (0 = none). */
  userTriggersPerMinute: number;
  /** Model calls one user may have running at once; the rest of their burst waits in the fair queue. */
  userConcurrent: number;
  /** Name of this process in the job journal (several processes on one Redis need distinct names). */
  instance: string;
  /** USD per million tokens, for the cost estimate of /usage (undefined = not shown). */
  prices: { inputPerMillion: number | undefined; outputPerMillion: number | undefined };
  cacheMaxAgeMs: number;
  /** How long SIGTERM waits for running jobs before marking them interrupted, ms. */
  shutdownGraceMs: number;
  /** Longest silence of a started model stream before it counts as timed out, ms. */
  modelIdleTimeoutMs: number;
  /** Most characters of text one model call may produce before it is stopped (OUTPUT_TOO_LONG). */
  maxOutputChars: number;
  /** Wall-clock limit of one model call, ms, however steadily it is still sending (MODEL_DEADLINE). */
  modelDeadlineMs: number;
  /**
   * The model account's rate limits, kept by one limiter shared by every model request of the process (0 = off).
   * The service allows 100 requests and 100,000 tokens (input + output) a minute per account.
   */
  modelLimits: { requestsPerMinute: number; tokensPerMinute: number };
  /**
   * `all`: one process receives and translates (the default). With a Redis store, `gateway` receives platform events
   * and queues jobs, `worker` runs them (REST-only, no gateway connection); any number of each share the Redis.
   */
  role: 'all' | 'gateway' | 'worker';
  /** Worker role: how long a dead worker's job stays locked before another worker takes it over, ms. */
  queueLockMs: number;
}

/**
 * The Discord gateway shards this process connects: 'auto' = every shard of the count Discord recommends (one below
 * about 1000 servers), or `ids` of a fixed `total` shared by several processes (LIVETRANSLATE_SHARDS=0,1/4).
 */
export type DiscordShards = 'auto' | { ids: number[]; total: number };

/** LIVETRANSLATE_SHARDS: 'auto' (or empty), or ids/total (`0/2`, `0,1/4`); else what is wrong with it. */
export function parseShards(raw: string): { shards: DiscordShards } | { error: string } {
  const text = raw.trim();
  if (text === '' || text.toLowerCase() === 'auto') return { shards: 'auto' };
  const m = /^(\d{1,6}(?:\s*,\s*\d{1,6})*)\s*\/\s*(\d{1,6})$/.exec(text);
  if (!m) return { error: `must be "auto" or this process's shard ids/the total, e.g. 0/2 or 0,1/4 (got "${text}")` };
  const total = Number(m[2]);
  const ids = m[1]!.split(',').map((s) => Number(s.trim()));
  if (total < 1) return { error: `the total number of shards must be at least 1 (got "${text}")` };
  const outside = ids.find((id) => id >= total);
  if (outside !== undefined) return { error: `shard ${outside} is not below the total ${total}: ids count from 0 (got "${text}")` };
  const twice = ids.find((id, i) => ids.indexOf(id) !== i);
  if (twice !== undefined) return { error: `shard ${twice} is listed twice (got "${text}")` };
  return { shards: { ids: [...ids].sort((a, b) => a - b), total } };
}

export const DEFAULT_BASE_URL = 'https://dashscope-intl.aliyuncs.com/compatible-mode/v1';

const optional = z.string().trim().min(1).optional().catch(undefined);
/** A variable left empty in .env counts as unset. */
const blank = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema);
const Env = z.object({
  DASHSCOPE_API_KEY: optional,
  DASHSCOPE_BASE_URL: blank(z.url().default(DEFAULT_BASE_URL)),
  LIVETRANSLATE_MODEL: blank(z.string().min(1).default('qwen3-livetranslate-flash')),
  DISCORD_TOKEN: optional,
  DISCORD_API_URL: blank(z.url().default('https://discord.com/api')),
  DISCORD_GUILD_ID: optional,
  LIVETRANSLATE_SHARDS: blank(z.string().default('auto').transform((raw, ctx): DiscordShards => {
    const parsed = parseShards(raw);
    if ('shards' in parsed) return parsed.shards;
    ctx.addIssue({ code: 'custom', message: parsed.error });
    return z.NEVER;
  })),
  SLACK_BOT_TOKEN: optional,
  SLACK_SIGNING_SECRET: optional,
  SLACK_APP_TOKEN: optional,
  SLACK_API_URL: blank(z.url().default('https://slack.com/api/')),
  PORT: blank(z.coerce.number().int().min(0).max(65535).default(3000)),
  LIVETRANSLATE_OPS_HOST: blank(z.string().trim().min(1).optional()),
  LIVETRANSLATE_OPS_PORT: blank(z.coerce.number().int().min(0).max(65535).optional()),
  STORE_URL: blank(z.string().regex(/^(sqlite|redis|rediss):\/\//, 'must start with sqlite:// or redis://')
    .default('sqlite://./data/livetranslate.sqlite')),
  LOG_LEVEL: blank(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info')),
  LIVETRANSLATE_MAX_FILE_MB: blank(z.coerce.number().positive().max(1024).default(200)),
  LIVETRANSLATE_MAX_MINUTES: blank(z.coerce.number().positive().max(600).default(120)),
  LIVETRANSLATE_VIDEO_HEIGHT: blank(z.coerce.number().int().min(64).max(2160).default(360)),
  LIVETRANSLATE_VIDEO_FPS: blank(z.coerce.number().min(0.1).max(30).default(1)),
  FFMPEG_PATH: optional,
  LIVETRANSLATE_SERVER_MONTHLY_TOKENS: blank(z.coerce.number().int().positive().optional()),
  LIVETRANSLATE_USER_DAILY_TOKENS: blank(z.coerce.number().int().positive().optional()),
  LIVETRANSLATE_MAX_CONCURRENT: blank(z.coerce.number().int().min(1).max(1000).default(8)),
  LIVETRANSLATE_OPUS_WORKERS: blank(z.coerce.number().int().min(0).max(64).optional()),
  LIVETRANSLATE_USER_TRIGGERS_PER_MIN: blank(z.coerce.number().int().min(0).max(10_000).default(20)),
  LIVETRANSLATE_USER_CONCURRENT: blank(z.coerce.number().int().min(1).max(100).default(2)),
  LIVETRANSLATE_ROLE: blank(z.enum(['all', 'gateway', 'worker']).default('all')),
  LIVETRANSLATE_QUEUE_LOCK_SECS: blank(z.coerce.number().int().min(2).max(600).default(10)),
  LIVETRANSLATE_INSTANCE: blank(z.string().trim().min(1).default('default')),
  LIVETRANSLATE_PRICE_INPUT_PER_MTOK: blank(z.coerce.number().min(0).optional()),
  LIVETRANSLATE_PRICE_OUTPUT_PER_MTOK: blank(z.coerce.number().min(0).optional()),
  LIVETRANSLATE_CACHE_DAYS: blank(z.coerce.number().min(0).max(365).default(7)),
  LIVETRANSLATE_SHUTDOWN_GRACE_S: blank(z.coerce.number().min(0).max(600).default(30)),
  LIVETRANSLATE_MODEL_IDLE_TIMEOUT_S: blank(z.coerce.number().min(0.1).max(3600).default(90)),
  LIVETRANSLATE_MAX_OUTPUT_CHARS: blank(z.coerce.number().int().min(100).max(1_000_000).default(20_000)),
  LIVETRANSLATE_MODEL_DEADLINE_S: blank(z.coerce.number().min(1).max(86_400).default(600)),
  LIVETRANSLATE_MODEL_RPM: blank(z.coerce.number().int().min(0).max(1_000_000).default(100)),
  LIVETRANSLATE_MODEL_TPM: blank(z.coerce.number().int().min(0).max(1_000_000_000).default(100_000)),
});

/** Reads `.env` (if present, without overriding variables already set) into the environment. */
export function loadDotEnv(path = '.env'): void {
  if (existsSync(path)) process.loadEnvFile(path);
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new TranslateError('CONFIG_MISSING', `Check the environment: ${problems}.`);
  }
  const e = parsed.data;
  // half a Slack configuration is a mistake to name, not a reason to start without Slack
  if (e.SLACK_BOT_TOKEN && !e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    throw new TranslateError('CONFIG_MISSING', 'SLACK_BOT_TOKEN is set but SLACK_SIGNING_SECRET is not: set it for HTTP mode (Basic Information → Signing Secret), or SLACK_APP_TOKEN for Socket Mode.');
  }
  if (!e.SLACK_BOT_TOKEN && (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN)) {
    throw new TranslateError('CONFIG_MISSING', 'SLACK_SIGNING_SECRET or SLACK_APP_TOKEN is set but SLACK_BOT_TOKEN is not: set the Bot User OAuth Token (xoxb-…).');
  }
  // the ops endpoints get an address of their own only on a port of their own (else they may share Slack's server,
  // which listens where Bolt does): a host without a port would be ignored without a word
  if (e.LIVETRANSLATE_OPS_HOST !== undefined && e.LIVETRANSLATE_OPS_PORT === undefined) {
    throw new TranslateError('CONFIG_MISSING', 'LIVETRANSLATE_OPS_HOST is set but LIVETRANSLATE_OPS_PORT is not: the ops endpoints listen on a host of their own only on a port of their own, so set LIVETRANSLATE_OPS_PORT too (or unset LIVETRANSLATE_OPS_HOST).');
  }
  if (e.LIVETRANSLATE_ROLE !== 'all' && !/^rediss?:\/\//.test(e.STORE_URL)) {
    throw new TranslateError('CONFIG_MISSING', `LIVETRANSLATE_ROLE=${e.LIVETRANSLATE_ROLE} needs the shared queue: set STORE_URL to a redis:// URL (or LIVETRANSLATE_ROLE=all for one process).`);
  }
  const slackReady = e.SLACK_BOT_TOKEN && (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN);
  return Object.freeze({
    dashscope: { apiKey: e.DASHSCOPE_API_KEY, baseUrl: e.DASHSCOPE_BASE_URL, model: e.LIVETRANSLATE_MODEL },
    discord: e.DISCORD_TOKEN
      ? { token: e.DISCORD_TOKEN, apiUrl: e.DISCORD_API_URL, guildId: e.DISCORD_GUILD_ID, shards: e.LIVETRANSLATE_SHARDS }
      : undefined,
    slack: slackReady
      ? {
          botToken: e.SLACK_BOT_TOKEN!,
          signingSecret: e.SLACK_SIGNING_SECRET ?? '',
          appToken: e.SLACK_APP_TOKEN,
          apiUrl: e.SLACK_API_URL,
        }
      : undefined,
    port: e.PORT,
    ops: { host: e.LIVETRANSLATE_OPS_HOST, port: e.LIVETRANSLATE_OPS_PORT },
    storeUrl: e.STORE_URL,
    logLevel: e.LOG_LEVEL,
    maxFileBytes: Math.round(e.LIVETRANSLATE_MAX_FILE_MB * 1024 * 1024),
    maxRecordingSecs: e.LIVETRANSLATE_MAX_MINUTES * 60,
    videoEncoding: { height: e.LIVETRANSLATE_VIDEO_HEIGHT, fps: e.LIVETRANSLATE_VIDEO_FPS },
    ffmpegPath: e.FFMPEG_PATH,
    budgets: { serverMonthlyTokens: e.LIVETRANSLATE_SERVER_MONTHLY_TOKENS, userDailyTokens: e.LIVETRANSLATE_USER_DAILY_TOKENS },
    maxConcurrent: e.LIVETRANSLATE_MAX_CONCURRENT,
    opusWorkers: e.LIVETRANSLATE_OPUS_WORKERS,
    userTriggersPerMinute: e.LIVETRANSLATE_USER_TRIGGERS_PER_MIN,
    userConcurrent: e.LIVETRANSLATE_USER_CONCURRENT,
    instance: e.LIVETRANSLATE_INSTANCE,
    role: e.LIVETRANSLATE_ROLE,
    queueLockMs: e.LIVETRANSLATE_QUEUE_LOCK_SECS * 1000,
    prices: { inputPerMillion: e.LIVETRANSLATE_PRICE_INPUT_PER_MTOK, outputPerMillion: e.LIVETRANSLATE_PRICE_OUTPUT_PER_MTOK },
    cacheMaxAgeMs: e.LIVETRANSLATE_CACHE_DAYS * 86_400_000,
    shutdownGraceMs: e.LIVETRANSLATE_SHUTDOWN_GRACE_S * 1000,
    modelIdleTimeoutMs: e.LIVETRANSLATE_MODEL_IDLE_TIMEOUT_S * 1000,
    maxOutputChars: e.LIVETRANSLATE_MAX_OUTPUT_CHARS,
    modelDeadlineMs: e.LIVETRANSLATE_MODEL_DEADLINE_S * 1000,
    modelLimits: { requestsPerMinute: e.LIVETRANSLATE_MODEL_RPM, tokensPerMinute: e.LIVETRANSLATE_MODEL_TPM },
  });
}

/** Throws CONFIG_MISSING naming the variable when translating is impossible without an API key. */
export function requireApiKey(config: Config): string {
  if (!config.dashscope.apiKey) {
    throw new TranslateError('CONFIG_MISSING', 'Set DASHSCOPE_API_KEY (your Model Studio API key).');
  }
  return config.dashscope.apiKey;
}
