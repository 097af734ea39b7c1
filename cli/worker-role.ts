import { REST, Routes } from 'discord.js';
import { webApi } from '@slack/bolt';
import type { Config } from '../src/config.js';
import { TranslateError } from '../src/errors.js';
import type { ChatJobs } from '../src/jobs/chat-jobs.js';
import type { Logger } from '../src/logger.js';
import { cachedCheck, type HealthCheck } from '../src/ops/health.js';
import { startQueueWorker, type QueueWorker } from '../src/queue/job-queue.js';
import type { Platform } from '../src/store/types.js';
import type { BotOptions } from '../adapters/bot-options.js';
import { discordChatJobs } from '../adapters/discord/jobs.js';
import { slackChatJobs } from '../adapters/slack/jobs.js';
import { StreamingSupport } from '../adapters/slack/reply-surface.js';

/**
 * `LIVETRANSLATE_ROLE=worker`: runs the jobs gateways queued, with REST clients only (no Discord gateway connection,
 * no Slack event endpoint). Each configured platform's token is checked first (all or nothing, as at any start).
 * A long recording's segments are stored as they finish, so the worker that takes over a dead worker's job resumes
 * after the last finished one. `checks` are for /healthz: each platform's API still answers for its token (asked at
 * most every 30 s, like the Slack check of the other roles).
 */
export async function startWorkerRole(
  config: Config, options: BotOptions, logger: Logger,
): Promise<{ queue: QueueWorker; checks: Record<string, HealthCheck> }> {
  // each platform's jobs take the queued jobs of their platform (ChatJobs narrows the place once, checked)
  const jobs: Partial<Record<Platform, Pick<ChatJobs<unknown>, 'runQueued' | 'endAbandoned'>>> = {};
  const checks: Record<string, HealthCheck> = {};
  const common: BotOptions = { ...options, services: { ...options.services, checkpointSegments: true } };
  if (config.discord) {
    const rest = new REST({ api: config.discord.apiUrl }).setToken(config.discord.token);
    rest.on('rateLimited', () => options.metrics?.rateLimited('discord'));
    await rest.get(Routes.user()).catch((err: unknown) => {
      throw new TranslateError('STARTUP_FAILED', `(DISCORD_TOKEN was refused by Discord at ${config.discord!.apiUrl}: ${(err as Error).message})`, { cause: err });
    });
    checks.discord = cachedCheck(async (signal) => void (await rest.get(Routes.user(), { signal })));
    jobs.discord = discordChatJobs({ ...common, apiUrl: config.discord.apiUrl }, rest, logger.child({ platform: 'discord' }));
  }
  if (config.slack) {
    const client = new webApi.WebClient(config.slack.botToken, {
      slackApiUrl: config.slack.apiUrl, retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
    });
    client.on(webApi.WebClientEvent.RATE_LIMITED, () => options.metrics?.rateLimited('slack'));
    await client.auth.test().catch((err: unknown) => {
      const why = (err as { data?: { error?: string } }).data?.error ?? (err as Error).message;
      throw new TranslateError('STARTUP_FAILED', `(SLACK_BOT_TOKEN was refused by Slack: ${why}.)`, { cause: err });
    });
    checks.slack = cachedCheck(async () => void (await client.auth.test()));
    jobs.slack = slackChatJobs({ ...common, botToken: config.slack.botToken, apiUrl: config.slack.apiUrl }, client, new StreamingSupport(), logger.child({ platform: 'slack' }));
  }
  const queue = await startQueueWorker(config.storeUrl, async (job, { signal }) => {
    const platformJobs = jobs[job.platform];
    if (!platformJobs) {
      logger.error({ jobId: job.jobId, platform: job.platform }, 'a queued job for a platform this worker has no credentials for: configure it on every worker');
      return;
    }
    await platformJobs.runQueued(job, signal);
  }, {
    concurrency: config.maxConcurrent, logger, onAbandoned: async (job) => jobs[job.platform]?.endAbandoned(job), onStalled: () => options.metrics?.jobStalled(), timings: { lockMs: config.queueLockMs, stalledCheckMs: Math.max(1_000, config.queueLockMs / 2), maxStalled: 3 } });
  return { queue, checks };
}
