import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type DiscordEmulator } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { ffmpegDecode, fixtures, frequencyOf } from '../support/media-fixtures.js';
import { botMessages, startDiscordStack } from './discord-stack.js';

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');

describe('livetranslate start and register-commands (real processes against the emulators)', () => {
  let discord: DiscordEmulator;
  let model: ModelEmulator;
  let bot: ChildProcess | undefined;
  let env: NodeJS.ProcessEnv;

  beforeAll(async () => {
    discord = await startDiscordEmulator();
    model = await startModelEmulator();
    env = {
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0',
      STORE_URL: `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-store-')), 'bot.sqlite')}`,
      DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl,
      DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
    };
  });
  afterAll(async () => {
    bot?.kill('SIGTERM');
    await new Promise((r) => (bot ? bot.once('exit', r) : r(undefined)));
    await discord.close();
    await model.close();
  });

  it('register-commands registers the four commands and prints the invite URL with the needed permissions', async () => {
    const guild = discord.createGuild();
    const out = await new Promise<string>((done, fail) =>
      execFile(process.execPath, [BIN, 'register-commands'], { env: { ...env, DISCORD_GUILD_ID: guild.id } }, (err, stdout) => (err ? fail(err) : done(stdout))));
    expect(discord.commands(guild.id).map((c) => c.name).sort()).toEqual(['Translate', 'Translate to…', 'languages', 'settings', 'translate', 'usage']);
    expect(out).toContain('Registered');
    const url = new URL(out.trim().split('\n').at(-1)!);
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    // ViewChannel | SendMessages | SendMessagesInThreads | AttachFiles | ReadMessageHistory | SendVoiceMessages
    expect(BigInt(url.searchParams.get('permissions')!)).toBe((1n << 10n) | (1n << 11n) | (1n << 38n) | (1n << 15n) | (1n << 16n) | (1n << 46n));
  });

  it('npm start runs the bot: a /translate through the real process gets a streamed reply and a voice message', async () => {
    const guild = discord.createGuild();
    const channel = discord.createChannel(guild.id);
    const user = discord.createUser({ locale: 'en-US' });
    bot = spawn(process.execPath, [BIN, 'start'], { env: { ...env, DISCORD_GUILD_ID: guild.id }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    bot.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    await discord.waitFor(() => log.includes('discord ready') || undefined, 20_000);
    model.configure({ text: 'Hello from the real process.', audioSeconds: 1 });
    const h = await discord.slashCommand({ userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: fixtures.wav(1), contentType: 'audio/wav' } } });
    const reply = await discord.waitFor(() => { const o = discord.interaction(h).original; return o && /characters/.test(o.content) ? o : undefined; }, 15_000);
    expect(reply.content).toContain('Hello from the real process.');
    await discord.waitFor(() => discord.messages(channel.id).find((m) => m.voiceMessage), 15_000);
    expect(log).not.toContain('test-key');
    expect(log).not.toContain(discord.botToken);
  });
});

describe('livetranslate demo', () => {
  it('shows the whole flow with no accounts: edits as they happen, then the voice message in a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lt-demo-'));
    const out = await new Promise<string>((done, fail) =>
      execFile(process.execPath, [BIN, 'demo', '--out', 'note.ogg'], { cwd: dir, env: { PATH: process.env.PATH, HOME: process.env.HOME } }, (err, stdout) => (err ? fail(err) : done(stdout))));
    expect(out).toContain('alice runs /translate');
    expect(out.match(/reply edited:/g)?.length).toBeGreaterThanOrEqual(2);
    expect(out).toContain('release moves to Thursday');
    expect(out).toMatch(/voice message posted: 3\.00 s/);
    const { samples, stderr } = ffmpegDecode(readFileSync(join(dir, 'note.ogg')), 48000);
    expect(stderr).toBe('');
    expect(samples.length / 48000).toBeCloseTo(3, 2);
    expect(frequencyOf(samples, 48000)).toBeCloseTo(440, 0);
  }, 30_000);
});

describe('Discord without the Message Content intent', () => {
  it('starts anyway, and answers a flag on someone else\'s message with a hint to use the menu', async () => {
    const s = await startDiscordStack({ grantMessageContent: false });
    try {
      expect(s.bot.messageContent).toBe(false);
      const note = s.postVoiceMessage(s.bob);
      s.discord.addReaction(s.channel.id, note.id, s.alice.id, '🇯🇵');
      const hint = await s.discord.waitFor(() => botMessages(s).find((m) => m.referencedMessageId === note.id), 10_000);
      expect(hint.content).toBe(`<@${s.alice.id}> ⚠️ I can't see the files of other people's messages here. Use the Translate command from the message's menu instead.`);
      expect(s.model.requests).toHaveLength(0);
      // the context menu still works: its target carries the attachments
      const h = await s.discord.messageCommand({ userId: s.alice.id, channelId: s.channel.id, name: 'Translate', targetMessageId: note.id });
      const reply = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o && /characters/.test(o.content) ? o : undefined; }, 10_000);
      expect(reply.content).toContain('→ 🇯🇵 Japanese');
    } finally {
      await s.close();
    }
  });
});
