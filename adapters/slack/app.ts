import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, webApi, type CustomRoute, type Logger as BoltLogger } from '@slack/bolt';
import type { BotOptions } from '../bot-options.js';
import { TranslateError } from '../../src/errors.js';
import type { ChatJobs } from '../../src/jobs/chat-jobs.js';
import { slackChatJobs } from './jobs.js';
import type { Logger } from '../../src/logger.js';
import { dedupeEvents } from './event-dedupe.js';
import { SlackHandlers } from './handlers.js';
import { StreamingSupport, type SlackPlace } from './reply-surface.js';

export interface SlackBotOptions extends BotOptions {
  botToken: string;
  /** HTTP mode: requests are verified with it (at POST /slack/events on `port`). */
  signingSecret: string;
  /** Set: Socket Mode instead of HTTP. */
  appToken?: string | undefined;
  apiUrl: string;
  port: number;
  /** Extra HTTP routes on the same port as /slack/events (health, metrics), HTTP mode only. */
  customRoutes?: CustomRoute[] | undefined;
}

export interface SlackBot {
  app: App;
  jobs: ChatJobs<SlackPlace>;
  /** The HTTP port actually listened on (HTTP mode), e.g. when `port` was 0. */
  port: number | undefined;
  /** Stops taking new work and lets running jobs finish for up to `graceMs` (see `ChatJobs.drain`). */
  drain(graceMs: number): Promise<void>;
  /** For /healthz: Slack answers `auth.test` for this token (one call per 30 s at most; a failure is not cached). */
  healthy(signal: AbortSignal): Promise<void>;
  stop(): Promise<void>;
}

/** Slack's error name (`invalid_auth`, …) or the message. */
const slackError = (err: unknown) => (err as { data?: { error?: string } }).data?.error ?? (err as Error).message ?? String(err);

/** Bolt's logger interface over our pino logger. */
function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const line = (fn: (msg: string) => void) => (...msg: unknown[]) => fn(msg.map((m) => (m instanceof Error ? m.message : String(m))).join(' '));
  return {
    debug: line((m) => log.debug(m)), info: line((m) => log.info(m)), warn: line((m) => log.warn(m)), error: line((m) => log.error(m)),
    setLevel: (l) => void (level = l), getLevel: () => level, setName: () => undefined,
  };
}

/**
 * The Slack side of the bot: Bolt in HTTP mode (signed requests at POST /slack/events) or Socket Mode, with
 * every trigger routed into chat jobs that share one edit budget per workspace (chat.update is Tier 3).
 */
export async function startSlackBot(options: SlackBotOptions): Promise<SlackBot> {
  const log = options.logger.child({ platform: 'slack' });
  const app = new App({
    token: options.botToken,
    signingSecret: options.signingSecret,
    logger: boltLogger(log),
    // auth.test runs in `init()` below, where a bad token can be named, not as an unhandled rejection later
    deferInitialization: true,
    // bounded retries: Slack's default policy can keep retrying a 5xx for half an hour
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 } },
    ...(options.appToken ? { socketMode: true, appToken: options.appToken } : {}),
    ...(options.customRoutes && !options.appToken ? { customRoutes: options.customRoutes } : {}),
  });
  await app.init().catch((err: unknown) => {
    throw new TranslateError('STARTUP_FAILED', `(SLACK_BOT_TOKEN was refused by Slack: ${slackError(err)}.)`, { cause: err });
  });
  app.client.on(webApi.WebClientEvent.RATE_LIMITED, () => options.metrics?.rateLimited('slack'));
  const streaming = new StreamingSupport();
  const jobs = slackChatJobs(options, app.client, streaming, log);
  // on a shared Redis an event id is taken once across every process, so a retry reaching another one is dropped too
  const events = dedupeEvents(app, {
    redis: options.store?.redis, onError: (err) => log.warn({ err }, 'event dedupe: Redis did not answer, only this process remembers event ids'),
  });
  options.metrics?.trackSize('slack', 'event_ids', () => events.seen);
  options.metrics?.trackSize('slack', 'streaming_refusals', () => streaming.size);
  new SlackHandlers({
    jobs, client: app.client, logger: log, store: options.store,
    prices: options.prices ?? { inputPerMillion: undefined, outputPerMillion: undefined }, budgets: options.services?.budgets ?? {},
  }).register(app);
  await jobs.recover();
  app.error(async (err) => void log.error({ err }, 'slack handler error'));
  const server = (await app.start(options.port).catch((err: unknown) => {
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE') {
      throw new TranslateError('STARTUP_FAILED', `(PORT ${options.port} is already in use: set PORT to a free port.)`, { cause: err });
    }
    if (options.appToken) throw new TranslateError('STARTUP_FAILED', `(SLACK_APP_TOKEN was refused by Slack: ${slackError(err)}.)`, { cause: err });
    throw err;
  })) as Server | undefined;
  const port = options.appToken ? undefined : (server?.address() as AddressInfo | null)?.port;
  log.info({ mode: options.appToken ? 'socket' : 'http', port }, 'slack ready');
  let healthyUntil = 0;
  return {
    app, jobs, port,
    async healthy() {
      if (Date.now() < healthyUntil) return;
      await app.client.auth.test();
      healthyUntil = Date.now() + 30_000;
    },
    drain: (graceMs) => jobs.drain(graceMs),
    async stop() {
      jobs.stop();
      await app.stop();
    },
  };
}
