import { webApi } from '@slack/bolt';
import { ChatJobs } from '../../src/jobs/chat-jobs.js';
import type { Logger } from '../../src/logger.js';
import { platformHostsFetch } from '../../src/media/url-policy.js';
import { EDIT_LIMITS } from '../../src/reply/edit-budget.js';
import { platformJobOptions, type BotOptions } from '../bot-options.js';
import { withBotToken } from './files.js';
import { SlackReplySurface, type SlackPlace, type StreamingSupport } from './reply-surface.js';

/**
 * Slack's chat jobs over a Web API client: what the Bolt app (role `all` or `gateway`) and a worker (role `worker`,
 * Web API only) share. Every job of a workspace shares one edit budget (chat.update is Tier 3).
 */
export function slackChatJobs(
  options: BotOptions & { botToken: string; apiUrl: string }, client: webApi.WebClient, streaming: StreamingSupport, log: Logger,
): ChatJobs<SlackPlace> {
  // chat.startStream / stopStream through a client of their own that hands a 429 back to the reply (which waits it
  // out, see SlackReplySurface), instead of pausing the shared client's queue for every reply of the process
  const streamClient = new webApi.WebClient(options.botToken, {
    slackApiUrl: options.apiUrl, rejectRateLimitedCalls: true, retryConfig: { retries: 3, factor: 2, minTimeout: 500, maxTimeout: 5_000 },
  });
  streamClient.on(webApi.WebClientEvent.RATE_LIMITED, () => options.metrics?.rateLimited('slack'));
  return new ChatJobs<SlackPlace>({
    ...platformJobOptions(options, 'slack', platformHostsFetch(['files.slack.com', new URL(options.apiUrl).host]), log),
    authorize: withBotToken(options.botToken),
    limits: EDIT_LIMITS.slackWorkspace,
    surfaceFor: (place, jobId) => new SlackReplySurface(client, place, jobId, streaming, options.intake.ffmpegPath, streamClient),
    scopeOf: (place) => `team:${place.teamId}`,
  });
}
