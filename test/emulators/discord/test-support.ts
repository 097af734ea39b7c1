// Shared by the emulator's tests: a world (guild, channel, users), a real discord.js Client logged in to it,
// and small audio fixtures.

import { Client, Events, GatewayIntentBits, Partials, type ClientOptions } from 'discord.js';
import { startDiscordEmulator, type Channel, type DiscordEmulator, type Guild, type StartOptions, type User } from './index.js';

export const ALL_INTENTS = [
  GatewayIntentBits.Guilds,
  GatewayIntentBits.GuildMessages,
  GatewayIntentBits.GuildMessageReactions,
  GatewayIntentBits.MessageContent,
];

export const REACTION_PARTIALS = [Partials.Message, Partials.Reaction, Partials.Channel];

export interface TestWorld {
  emu: DiscordEmulator;
  guild: Guild;
  channel: Channel;
  alice: User;
  clients: Client[];
  /** A logged-in client (waits for clientReady). */
  connect(opts?: Partial<ClientOptions>): Promise<Client>;
  close(): Promise<void>;
}

export async function startWorld(options: StartOptions = {}): Promise<TestWorld> {
  const emu = await startDiscordEmulator(options);
  const guild = emu.createGuild({ name: 'Test Server' });
  const channel = emu.createChannel(guild.id, { name: 'general' });
  const alice = emu.createUser({ username: 'alice', locale: 'ja' });
  const clients: Client[] = [];
  return {
    emu,
    guild,
    channel,
    alice,
    clients,
    async connect(opts = {}) {
      const client = new Client({ intents: ALL_INTENTS, ...opts, rest: { api: emu.apiUrl, ...opts.rest } });
      clients.push(client);
      const ready = new Promise<void>((resolve) => client.once(Events.ClientReady, () => resolve()));
      await client.login(emu.botToken);
      await ready;
      return client;
    },
    async close() {
      await Promise.all(clients.map((c) => c.destroy()));
      await emu.close();
    },
  };
}

/** Enough of an Ogg Opus file for sniffers: 'OggS' page header, then the OpusHead packet, then filler. */
export function fakeOggOpus(size = 2048): Buffer {
  const page = Buffer.alloc(27 + 1);
  page.write('OggS', 0, 'latin1');
  page[5] = 2; // beginning of stream
  page[26] = 1; // one segment
  page[27] = 19;
  const head = Buffer.alloc(19);
  head.write('OpusHead', 0, 'latin1');
  head[8] = 1;
  head[9] = 1;
  const out = Buffer.concat([page, head]);
  return Buffer.concat([out, Buffer.alloc(Math.max(0, size - out.length), 0x55)]);
}

/** base64 of n loudness bytes. */
export const waveform = (n = 64): string => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7) % 256)).toString('base64');

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
