import { pino } from 'pino';
import { startSlackBot, type SlackBot } from '../../adapters/slack/app.js';
import { sharedDeps } from '../../cli/start-command.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/index.js';
import type { Channel, SlackMessageView, User } from '../emulators/slack/types.js';

/** The whole Slack flow on loopback, wired as `livetranslate start` wires it, with both emulators. */
export interface SlackStack {
  model: ModelEmulator;
  slack: SlackEmulator;
  bot: SlackBot;
  channel: Channel;
  alice: User;
  bob: User;
  store: Store | undefined;
  /** The bot's messages in a thread (not the users'). */
  botReplies(channelId: string, threadTs: string): SlackMessageView[];
  close(): Promise<void>;
}

export async function startSlackStack(options: { nativeStreaming?: boolean; socketMode?: boolean; rateLimitWindowMs?: number; storeUrl?: string; botEvents?: string[] } = {}): Promise<SlackStack> {
  const model = await startModelEmulator({ chunkDelayMs: 20 });
  const slack = await startSlackEmulator({
    nativeStreaming: options.nativeStreaming ?? true, ...(options.rateLimitWindowMs ? { rateLimitWindowMs: options.rateLimitWindowMs } : {}),
    ...(options.botEvents ? { botEvents: options.botEvents } : {}),
  });
  const channel = slack.createChannel({ name: 'general' });
  const alice = slack.createUser({ name: 'alice', locale: 'ja-JP' });
  const bob = slack.createUser({ name: 'bob', locale: 'en-US' });
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
    ...(options.socketMode ? { SLACK_APP_TOKEN: slack.appToken } : {}), PORT: '0',
    DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
    // the size refusal is tested with a 26 MB file, not one over the 200 MB default
    LIVETRANSLATE_MAX_FILE_MB: '25',
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const store = options.storeUrl ? await openStore(options.storeUrl, { prefix: `lt-test-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` }) : undefined;
  const bot = await startSlackBot({
    ...sharedDeps(config, logger, store), botToken: config.slack!.botToken, signingSecret: config.slack!.signingSecret,
    appToken: config.slack!.appToken, apiUrl: config.slack!.apiUrl, port: config.port, logger, minIntervalMs: 250,
  });
  if (bot.port) slack.setBotEndpoint(`http://127.0.0.1:${bot.port}/slack/events`);
  else await slack.waitFor(() => slack.socketMode.connected);
  return {
    model, slack, bot, channel, alice, bob, store,
    botReplies: (channelId, threadTs) => slack.thread(channelId, threadTs).filter((m) => m.bot_id),
    async close() {
      await bot.stop();
      await slack.close();
      await model.close();
      await store?.close();
    },
  };
}
