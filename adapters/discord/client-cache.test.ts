import { Client, GuildMemberManager, MessageManager, UserManager, type GuildMember, type Message } from 'discord.js';
import { afterEach, expect, it } from 'vitest';
import { CACHED_MESSAGES_PER_CHANNEL, clientCacheOptions } from './client-cache.js';

let client: Client | undefined;
afterEach(async () => {
  await client?.destroy();
  client = undefined;
});

type Cache = Map<string, unknown>;
const makeCache = (manager: { name: string }) =>
  clientCacheOptions().makeCache!(manager as never, undefined as never, manager as never) as unknown as Cache;

it("keeps a few messages per channel and, of the members, only the bot's own", () => {
  const messages = makeCache(MessageManager);
  for (let i = 0; i < 50; i++) messages.set(`m${i}`, { id: `m${i}` } as Message);
  expect(messages.size).toBe(CACHED_MESSAGES_PER_CHANNEL);
  expect(messages.has('m49')).toBe(true);

  const me = { id: 'bot', client: { user: { id: 'bot' } } } as unknown as GuildMember;
  const members = makeCache(GuildMemberManager);
  members.set('u1', { id: 'u1', client: me.client } as unknown as GuildMember);
  members.set('bot', me);
  expect([...members.keys()]).toEqual(['bot']);
});

it('sweeps old messages every 5 minutes and every user but the bot hourly', () => {
  client = new Client({ intents: [], ...clientCacheOptions() });
  expect(client.options.sweepers?.messages).toMatchObject({ interval: 300, lifetime: 900 });
  expect(client.sweepers.intervals.messages).not.toBeNull();
  expect(client.sweepers.intervals.users).not.toBeNull();
  expect(makeCache(UserManager)).toBeInstanceOf(Map); // users are not capped, only swept
});
