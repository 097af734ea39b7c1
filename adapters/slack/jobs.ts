import type { webApi } from '@slack/bolt';
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
  return new ChatJobs<SlackPlace>({
    ...platformJobOptions(options, 'slack', platformHostsFetch(['files.slack.com', new URL(options.apiUrl).host]), log),
    authorize: withBotToken(options.botToken),
    limits: EDIT_LIMITS.slackWorkspace,
    surfaceFor: (place, jobId) => new SlackReplySurface(client, place, jobId, streaming, options.intake.ffmpegPath),
    scopeOf: (place) => `team:${place.teamId}`,
  });
}
