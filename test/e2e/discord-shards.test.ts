import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { shardOf, startDiscordEmulator, type Channel, type DiscordEmulator, type MessageView, type User } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { fixtures } from '../support/media-fixtures.js';

/**
 * Issue 12, sharding: two `livetranslate start` processes with LIVETRANSLATE_SHARDS=0/2 and 1/2 against one Discord.
 * Discord sends each shard only its servers' events, so each process handles exactly its own servers. Each process
 * has a model emulator of its own that answers with the process's name: a reply says which process made it.
 */

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');

interface Bot { child: ChildProcess; log: () => string; exit: Promise<number | null> }

function startBot(env: Record<string, string>): Bot {
  const child = spawn(process.execPath, [BIN, 'start'], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', DASHSCOPE_API_KEY: 'test-key',
      STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-shard-')), 'bot.sqlite')}`, ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  child.stdout!.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
  const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, log: () => log, exit };
}

async function stopBot(bot: Bot | undefined): Promise<void> {
  if (!bot || bot.child.exitCode !== null) return;
  bot.child.kill('SIGTERM');
  await bot.exit;
}

/** The `discord ready` log line's shards. */
function readyShards(bot: Bot): { ids: number[]; total: number } | undefined {
  for (const line of bot.log().split('\n')) {
    if (!line.includes('discord ready')) continue;
    try {
      return (JSON.parse(line) as { shards?: { ids: number[]; total: number } }).shards;
    } catch {
      // not a JSON log line
    }
  }
  return undefined;
}

const finished = (m?: MessageView) => !!m && !m.loading && /characters|⚠️/.test(m.content) && !m.content.includes('translating…');

describe('LIVETRANSLATE_SHARDS: two processes, one shard each', () => {
  let discord: DiscordEmulator;
  const models: ModelEmulator[] = [];
  const bots: Bot[] = [];
  const channels: Channel[] = [];
  let alice: User;
  let bob: User;

  beforeAll(async () => {
    discord = await startDiscordEmulator();
    for (const shard of [0, 1]) {
      const model = await startModelEmulator({ chunkDelayMs: 10 });
      model.configure({ text: `Translated by the shard ${shard} process.`, audioSeconds: 1 });
      models.push(model);
      const guild = discord.createGuild({ name: `Server on shard ${shard}`, shard: [shard, 2] });
      channels.push(discord.createChannel(guild.id, { name: 'general' }));
    }
    alice = discord.createUser({ username: 'alice', locale: 'ja' });
    bob = discord.createUser({ username: 'bob', locale: 'en-US' });
    for (const shard of [0, 1]) {
      bots.push(startBot({
        DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DASHSCOPE_BASE_URL: models[shard]!.baseUrl,
        LIVETRANSLATE_SHARDS: `${shard}/2`, LIVETRANSLATE_INSTANCE: `shard-${shard}`,
      }));
    }
    await discord.waitFor(() => bots.every((b) => readyShards(b)) || undefined, 25_000);
  }, 40_000);

  afterAll(async () => {
    await Promise.all(bots.map(stopBot));
    await discord?.close();
    await Promise.all(models.map((m) => m.close()));
  });

  const botReplies = (channel: Channel, note: MessageView) =>
    discord.messages(channel.id).filter((m) => m.authorId === discord.botUserId && m.referencedMessageId === note.id);

  it('each process identifies as its shard and is sent only its servers', () => {
    expect(bots.map(readyShards)).toEqual([{ ids: [0], total: 2 }, { ids: [1], total: 2 }]);
    expect(discord.identifies.filter((i) => i.accepted).map((i) => i.shard).sort()).toEqual([[0, 2], [1, 2]]);
    for (const [shard, channel] of channels.entries()) expect(shardOf(channel.guildId, 2)).toBe(shard);
  });

  it('a flag on a voice note in each server is translated once, by the process holding that server', async () => {
    const notes = channels.map((channel, i) =>
      discord.postUserMessage(channel.id, bob.id, {
        voiceMessage: true,
        files: [{ name: 'voice-message.ogg', data: fixtures.oggOpus(1 + i / 2), contentType: 'audio/ogg', durationSecs: 1 + i / 2, waveform: Buffer.alloc(32, 100).toString('base64') }],
      }));
    notes.forEach((note, i) => discord.addReaction(channels[i]!.id, note.id, alice.id, '🇯🇵'));
    const replies = await discord.waitFor(() => {
      const done = notes.map((note, i) => botReplies(channels[i]!, note).find((m) => m.content.includes('→') && finished(m)));
      return done.every(Boolean) ? (done as MessageView[]) : undefined;
    }, 30_000);
    expect(replies[0]!.content).toContain('Translated by the shard 0 process.');
    expect(replies[1]!.content).toContain('Translated by the shard 1 process.');
    // the other process never saw the flag: one reply each, one model call each
    await new Promise((r) => setTimeout(r, 500));
    notes.forEach((note, i) => expect(botReplies(channels[i]!, note)).toHaveLength(1));
    expect(models.map((m) => m.requests.length)).toEqual([1, 1]);
  }, 45_000);

  it('/translate in each server is answered by the process holding that server', async () => {
    for (const m of models) m.reset();
    models.forEach((m, shard) => m.configure({ text: `Translated by the shard ${shard} process.`, audioSeconds: 1 }));
    const handles = await Promise.all(channels.map((channel, i) =>
      discord.slashCommand({ userId: alice.id, channelId: channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: fixtures.wav(1 + i), contentType: 'audio/wav' } } })));
    const replies = await discord.waitFor(() => {
      const done = handles.map((h) => discord.interaction(h).original).filter((o) => o && /characters/.test(o.content));
      return done.length === 2 ? (done as MessageView[]) : undefined;
    }, 30_000);
    expect(replies[0]!.content).toContain('Translated by the shard 0 process.');
    expect(replies[1]!.content).toContain('Translated by the shard 1 process.');
    for (const h of handles) expect(discord.interaction(h).responses.filter((r) => r.status < 300)).toHaveLength(1);
    expect(models.map((m) => m.requests.length)).toEqual([1, 1]);
  }, 45_000);

  it("Discord's record: each gateway session was sent events of its own server only", () => {
    const sessions = discord.gateway.sessions.filter((s) => s.connected);
    expect(sessions.map((s) => s.shard).sort()).toEqual([[0, 2], [1, 2]]);
    for (const s of sessions) expect(s.guildIds).toEqual([channels[s.shard[0]]!.guildId]);
  });
});

describe('LIVETRANSLATE_SHARDS at start-up', () => {
  it("'auto' runs every shard Discord recommends in one process; a count too small is refused (4011) in one line, exit 1", async () => {
    const discord = await startDiscordEmulator({ recommendedShards: 2, maxConcurrency: 2, maxGuildsPerShard: 1 });
    const model = await startModelEmulator();
    const env = { DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DASHSCOPE_BASE_URL: model.baseUrl };
    const guilds = [discord.createGuild({ shard: [0, 2] }), discord.createGuild({ shard: [1, 2] })];
    let auto: Bot | undefined;
    try {
      const tooFew = startBot({ ...env, LIVETRANSLATE_SHARDS: '0/1' });
      expect(await tooFew.exit).toBe(1);
      const lines = tooFew.log().trim().split('\n').filter((l) => l.startsWith('livetranslate: '));
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(/LIVETRANSLATE_SHARDS 0\/1.*Sharding is required/);
      expect(discord.identifies.at(-1)).toMatchObject({ shard: [0, 1], accepted: false, closeCode: 4011 });

      auto = startBot(env);
      await discord.waitFor(() => readyShards(auto!), 25_000);
      expect(readyShards(auto)).toEqual({ ids: [0, 1], total: 2 });
      const live = discord.gateway.sessions.filter((s) => s.connected);
      expect(live.map((s) => s.shard).sort()).toEqual([[0, 2], [1, 2]]);
      for (const s of live) expect(s.guildIds).toEqual([guilds[s.shard[0]]!.id]);
    } finally {
      await stopBot(auto);
      await discord.close();
      await model.close();
    }
  }, 45_000);

  it('an invalid value stops start-up with one line naming the variable, exit 1, before connecting', async () => {
    const discord = await startDiscordEmulator();
    try {
      const bot = startBot({ DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, LIVETRANSLATE_SHARDS: '2/2' });
      expect(await bot.exit).toBe(1);
      const lines = bot.log().trim().split('\n');
      expect(lines).toEqual([expect.stringMatching(/^livetranslate: .*LIVETRANSLATE_SHARDS: shard 2 is not below the total 2/)]);
      expect(discord.identifies).toHaveLength(0);
    } finally {
      await discord.close();
    }
  });
});
