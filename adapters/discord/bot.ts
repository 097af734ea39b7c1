import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import type { BotOptions } from '../bot-options.js';
import { registerCommands } from './commands.js';
import { clientCacheOptions } from './client-cache.js';
import { ChatJobs } from '../../src/jobs/chat-jobs.js';
import type { ReplyPlace } from './reply-surface.js';
import { discordChatJobs } from './jobs.js';
import { DiscordInteractions } from './interactions.js';
import { DiscordChannelTriggers } from './channel-triggers.js';
import type { DiscordContext } from './context.js';
import { TranslateError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';
import type { DiscordShards } from '../../src/config.js';

export interface DiscordBotOptions extends BotOptions {
  token: string;
  /** REST base, e.g. https://discord.com/api or an emulator's. */
  apiUrl: string;
  guildId?: string | undefined;
  /** How long a refusal posted in a channel (for a flag reaction) stays before it deletes itself. Default 30 s. */
  noticeTtlMs?: number | undefined;
  /** Gateway shards this process connects (LIVETRANSLATE_SHARDS); default 'auto': all of Discord's recommended count. */
  shards?: DiscordShards | undefined;
}

export interface DiscordBot {
  client: Client;
  jobs: ChatJobs<ReplyPlace>;
  /** Whether the gateway granted the Message Content intent (reactions on others' messages need it). */
  readonly messageContent: boolean;
  /** Stops taking new work and lets running jobs finish for up to `graceMs` (see `ChatJobs.drain`). */
  drain(graceMs: number): Promise<void>;
  stop(): Promise<void>;
}

const BASE_INTENTS = [
  GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessageReactions,
];

function isDisallowedIntents(err: unknown): boolean {
  return /disallowed intents|4014/i.test(String((err as Error)?.message ?? err));
}

async function login(options: DiscordBotOptions, withContent: boolean): Promise<Client> {
  const client = new Client({
    intents: withContent ? [...BASE_INTENTS, GatewayIntentBits.MessageContent] : BASE_INTENTS,
    partials: [Partials.Message, Partials.Channel, Partials.Reaction, Partials.User],
    rest: { api: options.apiUrl },
    ...clientCacheOptions(),
    ...shardOptions(options.shards ?? 'auto'),
  });
  const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
  try {
    await client.login(options.token);
    await ready;
    return client;
  } catch (err) {
    await client.destroy();
    throw err;
  }
}

/** discord.js's options for LIVETRANSLATE_SHARDS: Discord sends each shard only its servers' events. */
function shardOptions(shards: DiscordShards): { shards: 'auto' } | { shards: number[]; shardCount: number } {
  return shards === 'auto' ? { shards: 'auto' } : { shards: shards.ids, shardCount: shards.total };
}

const describeShards = (shards: DiscordShards | undefined): string =>
  !shards || shards === 'auto' ? 'auto' : `${shards.ids.join(',')}/${shards.total}`;

/**
 * The Discord side of the bot: logs in (asking for Message Content, and without it when the application is not
 * allowed it), registers the commands when they changed, and routes interactions and reactions into chat jobs.
 */
export async function startDiscordBot(options: DiscordBotOptions): Promise<DiscordBot> {
  const log = options.logger.child({ platform: 'discord' });
  let messageContent = true;
  let client: Client;
  try {
    client = await login(options, true);
  } catch (err) {
    if (!isDisallowedIntents(err)) throw loginError(err, options);
    messageContent = false;
    log.warn('the Message Content intent is not enabled for this application: flag reactions work only on the bot\'s own messages; the context menu works everywhere');
    client = await login(options, false).catch((e: unknown) => {
      throw loginError(e, options);
    });
  }
  try {
    return await wire(client, options, log, () => messageContent);
  } catch (err) {
    // never a half-started bot: the gateway session goes with the failure
    await client.destroy();
    throw err;
  }
}

/** What a failed login says: the shards refused, the token refused, or Discord not reachable at DISCORD_API_URL. */
function loginError(err: unknown, options: DiscordBotOptions): TranslateError {
  const text = (err as Error)?.message ?? String(err);
  if (/shard|4010|4011/i.test(text)) {
    return new TranslateError('STARTUP_FAILED', `(Discord refused LIVETRANSLATE_SHARDS ${describeShards(options.shards)}: ${text}; ` +
      'set it to "auto", or to ids/total with the total Discord recommends for this many servers)', { cause: err });
  }
  const refused = (err as { code?: unknown }).code === 'TokenInvalid' || /401|4004|token/i.test(text);
  return new TranslateError('STARTUP_FAILED', refused
    ? `(DISCORD_TOKEN was refused by Discord: ${text})`
    : `(Discord could not be reached at DISCORD_API_URL ${options.apiUrl}: ${text})`, { cause: err });
}

async function wire(client: Client, options: DiscordBotOptions, log: Logger, messageContent: () => boolean): Promise<DiscordBot> {
  const rest = client.rest;
  rest.on('rateLimited', () => options.metrics?.rateLimited('discord'));
  const jobs = discordChatJobs(options, rest, log);
  const context: DiscordContext = {
    jobs, logger: log, store: options.store, prices: options.prices ?? { inputPerMillion: undefined, outputPerMillion: undefined },
    budgets: options.services?.budgets ?? {}, canReadOthers: messageContent, noticeTtlMs: options.noticeTtlMs ?? 30_000,
  };
  const interactions = new DiscordInteractions(context);
  const channel = new DiscordChannelTriggers(context);
  client.on(Events.InteractionCreate, (i) => void interactions.handle(i));
  client.on(Events.MessageReactionAdd, (r, u) => void channel.reaction(r, u));
  client.on(Events.MessageCreate, (m) => void channel.message(m));
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));
  await jobs.recover();
  const applicationId = client.application?.id ?? client.user?.id ?? '';
  const changed = await registerCommands(client.rest, applicationId, options.guildId);
  const shards = { ids: client.ws.shards.map((s) => s.id), total: client.options.shardCount };
  log.info({ user: client.user?.tag, commandsChanged: changed, messageContent: messageContent(), shards }, 'discord ready');
  return {
    client,
    jobs,
    get messageContent() {
      return messageContent();
    },
    drain: (graceMs) => jobs.drain(graceMs),
    async stop() {
      jobs.stop();
      await client.destroy();
    },
  };
}
