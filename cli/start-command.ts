import { loadConfig, loadDotEnv, requireApiKey, type Config } from '../src/config.js';
import { TranslateError } from '../src/errors.js';
import { FairQueue } from '../src/jobs/fair-queue.js';
import type { JobServices } from '../src/jobs/obtain-result.js';
import { createLogger, registerSecrets, type Logger } from '../src/logger.js';
import { findFfmpeg } from '../src/media/ffmpeg.js';
import { createMetrics, type Metrics } from '../src/ops/metrics.js';
import type { HealthCheck } from '../src/ops/health.js';
import { opsRoutes, startOpsServer } from '../src/ops/ops-server.js';
import { openStore, StoreOpenError } from '../src/store/open-store.js';
import type { Store } from '../src/store/types.js';
import { accountLimiter } from '../src/translator/account-limiter.js';
import { redisAccountLimiter } from '../src/translator/redis-account-limiter.js';
import { Translator } from '../src/translator/translator.js';
import { setVoiceEncoderWorkers } from '../src/audio/voice-encoder.js';

/** Everything the platforms share: one model client, one intake policy, one store, queue and metrics. */
export interface Shared {
  translator: Translator;
  intake: { maxBytes: number; ffmpegPath: string | undefined; maxSeconds: number; videoEncoding: { height: number; fps: number } };
  store: Store | undefined;
  services: JobServices;
  metrics: Metrics;
  prices: Config['prices'];
  triggersPerMinute: number;
  instance: string;
}

export function sharedDeps(config: Config, logger: Logger, store?: Store, metrics: Metrics = createMetrics({ processMetrics: false })): Shared {
  const ffmpegPath = findFfmpeg(config.ffmpegPath);
  if (!ffmpegPath) logger.warn('ffmpeg not found: WebM/M4A clips and other formats needing conversion will be refused (Ogg Opus voice notes work)');
  return {
    translator: new Translator({
      apiKey: requireApiKey(config), baseUrl: config.dashscope.baseUrl, model: config.dashscope.model, logger,
      idleTimeoutMs: config.modelIdleTimeoutMs,
      maxOutputChars: config.maxOutputChars, deadlineMs: config.modelDeadlineMs,
      // one bucket for the account's limits, shared by both platforms (this translator is theirs alike), and kept in
      // Redis when the store is, so every process on it together stays within the limits
      limiter: store?.redis
        ? redisAccountLimiter({ ...config.modelLimits, redis: store.redis, onError: (err) => logger.warn({ err }, 'model rate limit: a settle was not written to Redis') })
        : accountLimiter(config.modelLimits),
      onLimiterWait: (ms) => metrics.limiterWaited(ms),
    }),
    intake: { maxBytes: config.maxFileBytes, ffmpegPath, maxSeconds: config.maxRecordingSecs, videoEncoding: config.videoEncoding },
    store,
    services: { queue: new FairQueue(config.maxConcurrent, config.userConcurrent), budgets: config.budgets, model: config.dashscope.model, metrics },
    metrics,
    prices: config.prices,
    triggersPerMinute: config.userTriggersPerMinute,
    instance: config.instance,
  };
}

/** A port that cannot be listened on, named by the variable that sets it. */
function portError(err: unknown, variable: string, port: number): TranslateError {
  const busy = (err as NodeJS.ErrnoException).code === 'EADDRINUSE';
  return new TranslateError('STARTUP_FAILED', busy
    ? `(${variable} ${port} is already in use: set ${variable} to a free port.)`
    : `(${variable} ${port} cannot be listened on: ${(err as Error).message})`, { cause: err });
}

/**
 * `livetranslate start` (what `npm start` runs): the bot with whichever platforms have credentials, the store
 * (SQLite by default), /healthz and /metrics on PORT. With no platform it exits naming the variables to set.
 * SIGTERM/SIGINT drain: no new work, running jobs get the grace period, the rest end as "interrupted" (Retry).
 */
export async function startCommand(): Promise<number> {
  loadDotEnv();
  const config = loadConfig();
  if (config.opusWorkers !== undefined) setVoiceEncoderWorkers(config.opusWorkers);
  registerSecrets(config.dashscope.apiKey, config.discord?.token, config.slack?.botToken, config.slack?.signingSecret, config.slack?.appToken, config.storeUrl);
  if (!config.discord && !config.slack) {
    throw new TranslateError(
      'CONFIG_MISSING',
      'No chat platform is configured. Set DISCORD_TOKEN for Discord, and/or SLACK_BOT_TOKEN with ' +
        'SLACK_SIGNING_SECRET (HTTP mode) or SLACK_APP_TOKEN (Socket Mode) for Slack, plus DASHSCOPE_API_KEY ' +
        '(see .env.example). `livetranslate translate <file> --to <lang>` works without a platform.',
    );
  }
  const logger = createLogger(config.logLevel);
  // the platforms' modules (discord.js above all) load while the store opens
  const adapters = { slack: config.slack && import('../adapters/slack/app.js'), discord: config.discord && import('../adapters/discord/bot.js') };
  for (const loading of Object.values(adapters)) loading?.catch(() => undefined);
  const store = await openStore(config.storeUrl, { cacheMaxAgeMs: config.cacheMaxAgeMs, onError: (err) => logger.error({ err }, 'store error') })
    .catch((err: unknown) => {
      throw new TranslateError('STORE_UNAVAILABLE', `(${err instanceof StoreOpenError || err instanceof Error ? err.message : String(err)})`, { cause: err });
    });
  const metrics = createMetrics();
  const shared = sharedDeps(config, logger, store, metrics);
  const checks: Record<string, HealthCheck> = { store: () => store.ping() };
  const stops: Array<{ drain(): Promise<void>; stop(): Promise<void> }> = [];
  // a gateway queues accepted jobs for the workers (LIVETRANSLATE_ROLE); `all` runs them itself
  // (BullMQ and ioredis load only for these roles: the default one on SQLite never needs them)
  const jobQueue = config.role === 'gateway' ? new (await import('../src/queue/job-queue.js')).JobQueue(config.storeUrl) : undefined;
  if (jobQueue) metrics.trackSharedQueue('gateway', () => jobQueue.counts());
  const common = { ...shared, logger, jobQueue };
  // Ops endpoints share Slack's HTTP server (HTTP mode) unless given a port of their own.
  const opsOwnServer = !config.slack || !!config.slack.appToken || config.ops.port !== undefined || config.role === 'worker';
  let ops: Awaited<ReturnType<typeof startOpsServer>> | undefined;
  // All or nothing: the ports first, then each platform; any failure stops what started and names what to fix.
  try {
    if (opsOwnServer) {
      const port = config.ops.port ?? config.port;
      ops = await startOpsServer(port, metrics, checks, { logger, host: config.ops.host }).catch((err: unknown) => {
        throw portError(err, config.ops.port !== undefined ? 'LIVETRANSLATE_OPS_PORT' : 'PORT', port);
      });
    }
    if (config.role === 'worker') {
      const { startWorkerRole } = await import('./worker-role.js');
      const { queue: worker, checks: platformChecks } = await startWorkerRole(config, common, logger);
      Object.assign(checks, platformChecks);
      const counts = new (await import('../src/queue/job-queue.js')).JobQueue(config.storeUrl);
      metrics.trackSharedQueue('worker', () => counts.counts());
      stops.push({ drain: () => worker.drain(config.shutdownGraceMs), stop: async () => {
        await worker.close();
        await counts.close();
      } });
    }
    if (config.slack && config.role !== 'worker') {
      const { startSlackBot } = await adapters.slack!;
      const bot = await startSlackBot({
        ...common, botToken: config.slack.botToken, signingSecret: config.slack.signingSecret, appToken: config.slack.appToken,
        apiUrl: config.slack.apiUrl, port: config.port, customRoutes: opsOwnServer ? undefined : opsRoutes(metrics, checks, { logger }),
      });
      checks.slack = bot.healthy;
      stops.push({ drain: () => bot.drain(config.shutdownGraceMs), stop: () => bot.stop() });
    }
    if (config.discord && config.role !== 'worker') {
      const { startDiscordBot } = await adapters.discord!;
      const bot = await startDiscordBot({
        ...common, token: config.discord.token, apiUrl: config.discord.apiUrl, guildId: config.discord.guildId, shards: config.discord.shards,
      });
      checks.discord = async () => {
        if (!bot.client.isReady()) throw new Error('gateway not connected');
      };
      stops.push({ drain: () => bot.drain(config.shutdownGraceMs), stop: () => bot.stop() });
    }
    if (jobQueue) stops.push({ drain: async () => undefined, stop: () => jobQueue.close() });
  } catch (err) {
    await jobQueue?.close().catch(() => undefined);
    await Promise.allSettled(stops.map((s) => s.stop()));
    await ops?.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
  logger.info({ port: ops?.port ?? config.port, store: store.kind, role: config.role }, 'livetranslate running');
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  logger.info({ graceMs: config.shutdownGraceMs }, 'shutting down: draining running translations');
  await Promise.all(stops.map((s) => s.drain()));
  await Promise.all(stops.map((s) => s.stop()));
  await ops?.close();
  await store.close();
  logger.info('stopped');
  return 0;
}
