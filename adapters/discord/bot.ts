import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { systemClock } from '../../src/clock.js';
import type { BotOptions } from '../bot-options.js';
import { platformHostsFetch } from '../../src/media/url-policy.js';
import { registerCommands } from './commands.js';
import { ChatJobs } from '../../src/jobs/chat-jobs.js';
import { EDIT_LIMITS } from '../../src/reply/edit-budget.js';
import { DiscordReplySurface, type ReplyPlace } from './reply-surface.js';
import { DiscordInteractions } from './interactions.js';
import { DiscordChannelTriggers } from './channel-triggers.js';
import type { DiscordContext } from './context.js';
import { platformJobOptions } from '../bot-options.js';
import { TranslateError } from '../../src/errors.js';
import type { Logger } from '../../src/logger.js';

export interface DiscordBotOptions extends BotOptions {
  token: string;
  /** REST base, e.g. https://discord.com/api or an emulator's. */
  apiUrl: string;
  guildId?: string | undefined;
  /** How long a refusal posted in a channel (for a flag reaction) stays before it deletes itself. Default 30 s. */
  noticeTtlMs?: number | undefined;
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

/** Where Discord serves attachments (and, for an emulator or proxy, the REST host itself). */
function discordFileHosts(apiUrl: string): string[] {
  return ['cdn.discordapp.com', 'media.discordapp.net', new URL(apiUrl).host];
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
    if (!isDisallowedIntents(err)) throw loginError(err, options.apiUrl);
    messageContent = false;
    log.warn('the Message Content intent is not enabled for this application: flag reactions work only on the bot\'s own messages; the context menu works everywhere');
    client = await login(options, false).catch((e: unknown) => {
      throw loginError(e, options.apiUrl);
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

/** What a failed login says: the token refused, or Discord not reachable where DISCORD_API_URL points. */
function loginError(err: unknown, apiUrl: string): TranslateError {
  const text = (err as Error)?.message ?? String(err);
  const refused = (err as { code?: unknown }).code === 'TokenInvalid' || /401|4004|token/i.test(text);
  return new TranslateError('STARTUP_FAILED', refused
    ? `(DISCORD_TOKEN was refused by Discord: ${text})`
    : `(Discord could not be reached at DISCORD_API_URL ${apiUrl}: ${text})`, { cause: err });
}

async function wire(client: Client, options: DiscordBotOptions, log: Logger, messageContent: () => boolean): Promise<DiscordBot> {
  const clock = options.clock ?? systemClock;
  const rest = client.rest;
  rest.on('rateLimited', () => options.metrics?.rateLimited('discord'));
  const jobs = new ChatJobs<ReplyPlace>({
    ...platformJobOptions(options, 'discord', platformHostsFetch(discordFileHosts(options.apiUrl)), log),
    limits: EDIT_LIMITS.discordChannel,
    surfaceFor: (place, jobId) => new DiscordReplySurface(rest, place, jobId, clock),
    // Discord limits edits per channel (bot token) and per interaction webhook
    scopeOf: (place) => (place.kind === 'interaction' ? `webhook:${place.token.slice(-16)}` : `channel:${place.channelId}`),
  });
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
  log.info({ user: client.user?.tag, commandsChanged: changed, messageContent: messageContent() }, 'discord ready');
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
