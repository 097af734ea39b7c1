import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, LogLevel, type Logger as BoltLogger } from '@slack/bolt';
import { systemClock, type Clock } from '../../src/clock.js';
import { ChatJobs } from '../../src/jobs/chat-jobs.js';
import type { Logger } from '../../src/logger.js';
import type { IntakeOptions } from '../../src/media/types.js';
import { EDIT_LIMITS } from '../../src/reply/edit-budget.js';
import type { TranslatorLike } from '../../src/translator/types.js';
import { SlackHandlers } from './handlers.js';
import { SlackReplySurface, StreamingSupport, type SlackPlace } from './reply-surface.js';

export interface SlackBotOptions {
  botToken: string;
  /** HTTP mode: requests are verified with it (at POST /slack/events on `port`). */
  signingSecret: string;
  /** Set: Socket Mode instead of HTTP. */
  appToken?: string | undefined;
  apiUrl: string;
  port: number;
  translator: TranslatorLike;
  intake: Omit<IntakeOptions, 'signal'>;
  logger: Logger;
  clock?: Clock;
  minIntervalMs?: number;
}

export interface SlackBot {
  app: App;
  jobs: ChatJobs<SlackPlace>;
  /** The HTTP port actually listened on (HTTP mode), e.g. when `port` was 0. */
  port: number | undefined;
  stop(): Promise<void>;
}

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
    // bounded retries: Slack's default policy can keep retrying a 5xx for half an hour
    clientOptions: { slackApiUrl: options.apiUrl, retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 } },
    ...(options.appToken ? { socketMode: true, appToken: options.appToken } : {}),
  });
  const clock = options.clock ?? systemClock;
  const streaming = new StreamingSupport();
  const jobs = new ChatJobs<SlackPlace>({
    deps: {
      translator: options.translator, intake: { ...options.intake, passUrls: false }, logger: log, clock,
      ...(options.minIntervalMs !== undefined ? { minIntervalMs: options.minIntervalMs } : {}),
    },
    limits: EDIT_LIMITS.slackWorkspace,
    clock,
    surfaceFor: (place, jobId) => new SlackReplySurface(app.client, place, jobId, streaming, options.intake.ffmpegPath),
    scopeOf: (place) => `team:${place.teamId}`,
  });
  new SlackHandlers(jobs, app.client, log, options.botToken, options.intake.maxBytes).register(app);
  app.error(async (err) => void log.error({ err }, 'slack handler error'));
  const server = (await app.start(options.port)) as Server | undefined;
  const port = options.appToken ? undefined : (server?.address() as AddressInfo | null)?.port;
  log.info({ mode: options.appToken ? 'socket' : 'http', port }, 'slack ready');
  return {
    app, jobs, port,
    async stop() {
      jobs.registry.cancelAll();
      await app.stop();
    },
  };
}
