import { Client, Events, GatewayIntentBits, Partials } from 'discord.js';
import { systemClock, type Clock } from '../../src/clock.js';
import type { Logger } from '../../src/logger.js';
import type { IntakeOptions } from '../../src/media/types.js';
import type { TranslatorLike } from '../../src/translator/types.js';
import { registerCommands } from './commands.js';
import { ChatJobs } from '../../src/jobs/chat-jobs.js';
import { EDIT_LIMITS } from '../../src/reply/edit-budget.js';
import { DiscordReplySurface, type ReplyPlace } from './reply-surface.js';
import { DiscordInteractions } from './interactions.js';
import { DiscordReactions } from './reactions.js';

export interface DiscordBotOptions {
  token: string;
  /** REST base, e.g. https://discord.com/api or an emulator's. */
  apiUrl: string;
  guildId?: string | undefined;
  translator: TranslatorLike;
  intake: Omit<IntakeOptions, 'signal'>;
  logger: Logger;
  clock?: Clock;
  /** Per-reply floor between edits (default 1000 ms). */
  minIntervalMs?: number;
}

export interface DiscordBot {
  client: Client;
  jobs: ChatJobs<ReplyPlace>;
  /** Whether the gateway granted the Message Content intent (reactions on others' messages need it). */
  readonly messageContent: boolean;
  stop(): Promise<void>;
}

const BASE_INTENTS = [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessageReactions, GatewayIntentBits.DirectMessageReactions];

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
    if (!isDisallowedIntents(err)) throw err;
    messageContent = false;
    log.warn('the Message Content intent is not enabled for this application: flag reactions work only on the bot\'s own messages; the context menu works everywhere');
    client = await login(options, false);
  }
  const clock = options.clock ?? systemClock;
  const rest = client.rest;
  const jobs = new ChatJobs<ReplyPlace>({
    deps: {
      translator: options.translator, intake: { ...options.intake, passUrls: false }, logger: log, clock,
      ...(options.minIntervalMs !== undefined ? { minIntervalMs: options.minIntervalMs } : {}),
    },
    limits: EDIT_LIMITS.discordChannel,
    clock,
    surfaceFor: (place, jobId) => new DiscordReplySurface(rest, place, jobId, clock),
    // Discord limits edits per channel (bot token) and per interaction webhook
    scopeOf: (place) => (place.kind === 'interaction' ? `webhook:${place.token.slice(-16)}` : `channel:${place.channelId}`),
  });
  const interactions = new DiscordInteractions(jobs, log, () => clock.now());
  const reactions = new DiscordReactions(jobs, log, () => messageContent);
  client.on(Events.InteractionCreate, (i) => void interactions.handle(i));
  client.on(Events.MessageReactionAdd, (r, u) => void reactions.handle(r, u));
  client.on(Events.Error, (err) => log.error({ err }, 'discord client error'));

  const applicationId = client.application?.id ?? client.user?.id ?? '';
  const changed = await registerCommands(client.rest, applicationId, options.guildId);
  log.info({ user: client.user?.tag, commandsChanged: changed, messageContent }, 'discord ready');
  return {
    client,
    jobs,
    get messageContent() {
      return messageContent;
    },
    async stop() {
      jobs.registry.cancelAll();
      await client.destroy();
    },
  };
}
