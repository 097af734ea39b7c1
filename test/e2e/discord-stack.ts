import { pino } from 'pino';
import { startDiscordBot, type DiscordBot } from '../../adapters/discord/bot.js';
import { sharedDeps } from '../../cli/start-command.js';
import { systemClock, type Clock } from '../../src/clock.js';
import { loadConfig } from '../../src/config.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/types.js';
import { startDiscordEmulator, type Channel, type DiscordEmulator, type Guild, type MessageView, type User } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { fixtures } from '../support/media-fixtures.js';

/**
 * The whole Discord flow on loopback, wired as `livetranslate start` wires it (config from the environment
 * variables, `sharedDeps`, `startDiscordBot`), with both emulators and one clock the test can move forward.
 */
export interface DiscordStack {
  model: ModelEmulator;
  discord: DiscordEmulator;
  bot: DiscordBot;
  guild: Guild;
  channel: Channel;
  alice: User;
  bob: User;
  store: Store | undefined;
  /** Moves the bot's and Discord's clock forward (interaction token expiry). */
  advance(ms: number): void;
  /** A voice message posted by `user`: Ogg Opus with Discord's metadata. */
  postVoiceMessage(user: User, channel?: Channel, seconds?: number): MessageView;
  close(): Promise<void>;
}

export async function startDiscordStack(options: { grantMessageContent?: boolean; minIntervalMs?: number; storeUrl?: string; env?: Record<string, string>; noticeTtlMs?: number } = {}): Promise<DiscordStack> {
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset, sleep: systemClock.sleep };
  const model = await startModelEmulator({ chunkDelayMs: 20 });
  const discord = await startDiscordEmulator({ now: clock.now, grantMessageContent: options.grantMessageContent ?? true });
  const guild = discord.createGuild({ name: 'Voice Notes' });
  const channel = discord.createChannel(guild.id, { name: 'general' });
  const alice = discord.createUser({ username: 'alice', locale: 'ja' });
  const bob = discord.createUser({ username: 'bob', locale: 'en-US' });
  const config = loadConfig({
    DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
    DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl, ...options.env,
  });
  const logger = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const store = options.storeUrl ? await openStore(options.storeUrl, { prefix: `lt-test-${Date.now()}-${Math.random().toString(36).slice(2, 8)}` }) : undefined;
  const bot = await startDiscordBot({
    ...sharedDeps(config, logger, store), token: config.discord!.token, apiUrl: config.discord!.apiUrl,
    guildId: config.discord!.guildId, shards: config.discord!.shards, logger, clock, minIntervalMs: options.minIntervalMs ?? 250, noticeTtlMs: options.noticeTtlMs,
  });
  return {
    model, discord, bot, guild, channel, alice, bob,
    advance(ms) {
      offset += ms;
    },
    postVoiceMessage(user, where = channel, seconds = 2) {
      return discord.postUserMessage(where.id, user.id, {
        voiceMessage: true,
        files: [{ name: 'voice-message.ogg', data: fixtures.oggOpus(seconds), contentType: 'audio/ogg', durationSecs: seconds, waveform: Buffer.alloc(32, 100).toString('base64') }],
      });
    },
    store,
    async close() {
      await bot.stop();
      await discord.close();
      await model.close();
      await store?.close();
    },
  };
}

/** The bot's messages in a channel (not the users'). */
export function botMessages(stack: DiscordStack, channel = stack.channel): MessageView[] {
  return stack.discord.messages(channel.id).filter((m) => m.authorId === stack.discord.botUserId);
}
