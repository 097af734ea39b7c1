/**
 * The hostile corpus (test/hostile/*corpus*.ts) against the running bot (issue 9): `livetranslate start` as a real
 * process, the Discord emulator as the public server where an attacker posts, the model emulator as the translation
 * service. Each attack ends in one clear line for the user, never reaches the model, leaves no reply "translating…",
 * and /healthz keeps answering while the Ogg Opus bomb is being handled; the bot is alive at the end and stops cleanly.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type Channel, type DiscordEmulator, type FileSpec, type InteractionHandle, type MessageView, type User } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { ffmpeg, ffmpegOggOpus } from '../support/audio-tools.js';
import { startBotProcess, type BotProcess } from '../support/bot-process.js';
import { fixtures } from '../support/media-fixtures.js';
import { flacHlsTrap, plainWebm, videoOnly, webmWithDuration } from '../hostile/media-corpus.js';
import { bombSeconds, oggEosOnFirstPage, oggOpusBomb } from '../hostile/ogg-corpus.js';
import { twoStreamFile } from '../hostile/stream-corpus.js';

const MB = 1024 * 1024;
/** The bot's cap on one recording here (LIVETRANSLATE_MAX_MINUTES): 36 s. The bomb claims 5 s, the edited WebM 1 s. */
const MAX_MINUTES = 0.6;
const dir = mkdtempSync(join(tmpdir(), 'lt-hostile-bot-'));

/** The bot's reply is over: edited past "is thinking…", to an outcome, and no longer in progress. */
const finished = (m?: MessageView) => !!m && !m.loading && /⚠️|characters/.test(m.content) && !/translating…/i.test(m.content);
const lastLine = (m: MessageView) => m.content.split('\n').at(-1)!;

describe('hostile input against the running bot (real process, Discord and model emulators)', () => {
  let discord: DiscordEmulator;
  let model: ModelEmulator;
  let bot: BotProcess;
  let channel: Channel;
  let mallory: User;
  let reader: User;
  const healthz = () => `http://127.0.0.1:${bot.port}/healthz`;

  beforeAll(async () => {
    discord = await startDiscordEmulator();
    model = await startModelEmulator({ chunkDelayMs: 5 });
    const guild = discord.createGuild({ name: 'Public server' });
    channel = discord.createChannel(guild.id, { name: 'general' });
    mallory = discord.createUser({ username: 'mallory', locale: 'en-US' });
    reader = discord.createUser({ username: 'reader', locale: 'en-US' });
    bot = await startBotProcess({
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', LIVETRANSLATE_SHUTDOWN_GRACE_S: '1',
      STORE_URL: `sqlite://${join(dir, 'bot.sqlite')}`,
      DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
      DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
      LIVETRANSLATE_MAX_MINUTES: String(MAX_MINUTES), LIVETRANSLATE_MAX_OUTPUT_CHARS: '2000',
    });
  });
  afterAll(async () => {
    if (bot) await bot.stop('SIGKILL');
    await discord?.close();
    await model?.close();
  });
  beforeEach(() => model.reset());

  /** Waits until the interaction was acknowledged (the emulators share this event loop: one action at a time). */
  async function acked(h: InteractionHandle): Promise<InteractionHandle> {
    const ack = await discord.waitFor(() => discord.interaction(h).responses[0], 10_000);
    expect(ack.status).toBe(204);
    return h;
  }

  const slashTranslate = async (file: FileSpec, userId = mallory.id) =>
    acked(await discord.slashCommand({ userId, channelId: channel.id, name: 'translate', options: { to: 'ja', text_only: true }, attachments: { file } }));

  /** The reply's messages, first to last (the original, then any followup parts), once the last one is over. */
  async function replyOf(h: InteractionHandle): Promise<MessageView[]> {
    return discord.waitFor(() => {
      const v = discord.interaction(h);
      const parts = [v.original, ...v.followups].filter((m): m is MessageView => !!m);
      return finished(parts.at(-1)) ? parts : undefined;
    }, 30_000);
  }

  /** One closing line, and it is the refusal; nothing else in the reply is a warning or still in progress. */
  function expectRefusal(parts: MessageView[], line: string | RegExp) {
    expect(parts).toHaveLength(1);
    const [reply] = parts as [MessageView];
    if (typeof line === 'string') expect(lastLine(reply)).toBe(`⚠️ ${line}`);
    else expect(lastLine(reply)).toMatch(line);
    expect(reply.content.match(/⚠️/g)).toHaveLength(1);
    expect(reply.components).toEqual([]); // no Cancel left on it
  }

  /** No message of the bot in the channel (originals, followups, replies) still says it is translating. */
  function expectNothingInProgress() {
    const mine = discord.messages(channel.id).filter((m) => m.authorId === discord.botUserId);
    expect(mine.length).toBeGreaterThan(0);
    expect(mine.filter((m) => m.loading || /translating…/i.test(m.content)).map((m) => m.content)).toEqual([]);
  }

  it('the Ogg Opus bomb (8 MB of 120 ms packets, last page claims 5 s) as a voice message: refused, and /healthz answers throughout', async () => {
    const bomb = oggOpusBomb({ bytes: 8 * MB, claimSeconds: 5 });
    expect(bombSeconds(8 * MB)).toBeGreaterThan(100 * 3600);
    const note = discord.postUserMessage(channel.id, mallory.id, {
      voiceMessage: true,
      files: [{ name: 'voice-message.ogg', data: bomb, contentType: 'audio/ogg', durationSecs: 5, waveform: Buffer.alloc(32, 100).toString('base64') }],
    });
    const h = await acked(await discord.messageCommand({ userId: reader.id, channelId: channel.id, name: 'Translate', targetMessageId: note.id }));
    const over = () => finished(discord.interaction(h).original);
    // sequential polls from the ack until the reply is over; a poll counts as "during the job" when it was sent and
    // answered before the reply was over
    const polls: Array<{ status: number; during: boolean }> = [];
    while (!over()) {
      const status = await fetch(healthz()).then((r) => r.status, () => 0);
      polls.push({ status, during: !over() });
    }
    const parts = await replyOf(h);
    expectRefusal(parts, `That recording is too long for one translation. (it holds more than ${(MAX_MINUTES * 60).toFixed(1)} s of audio)`);
    expect(polls.filter((p) => p.during).length).toBeGreaterThanOrEqual(3);
    expect(polls.filter((p) => p.status !== 200)).toEqual([]);
    expect(model.requests).toHaveLength(0);
    expectNothingInProgress();
  });

  const secret = join(dir, 'secret.wav');
  ffmpeg(['-v', 'error', '-f', 'lavfi', '-i', 'sine=frequency=1234:duration=2', secret]);
  const DAMAGED = 'The file could not be decoded; it may be damaged.';
  it.each<[string, () => FileSpec, string]>([
    ['a FLAC-sniffed HLS playlist naming a local WAV', () => ({ name: 'voice.flac', data: flacHlsTrap(secret), contentType: 'audio/flac' }), DAMAGED],
    ['a 45 s WebM whose Duration header was edited to 1 s', () => ({ name: 'clip.webm', data: webmWithDuration(plainWebm(45), 1), contentType: 'audio/webm' }),
      `That recording is too long for one translation. (it holds more than ${MAX_MINUTES * 60} s of audio)`],
    ['an Ogg Opus with the end-of-stream flag on page 0', () => ({ name: 'voice.ogg', data: oggEosOnFirstPage(ffmpegOggOpus({ seconds: 3 })), contentType: 'audio/ogg' }), DAMAGED],
    ['a video without an audio track', () => ({ name: 'silent.mp4', data: videoOnly('mp4'), contentType: 'video/mp4' }), 'That video has no sound, so there is nothing to translate.'],
    ...(['mkv', 'ogg'] as const).map((ext): [string, () => FileSpec, string] => [
      `a ${ext} with two audio streams (1 s + 30 s)`, () => ({ name: `two.${ext}`, data: twoStreamFile(ext), contentType: ext === 'mkv' ? 'video/x-matroska' : 'audio/ogg' }),
      'That audio or video format is not supported. (It holds 2 audio streams, and only a file with one is translated: send each stream as its own file.)',
    ]),
  ])('/translate with %s: one refusal line, no model call', async (_name, make, line) => {
    const parts = await replyOf(await slashTranslate(make()));
    expectRefusal(parts, line);
    expect(model.requests).toHaveLength(0);
    expectNothingInProgress();
  });

  it('a model stream that never stops: the reply ends with the output-too-long line and keeps the text', async () => {
    model.inject({ kind: 'endless', chunkDelayMs: 2 });
    const parts = await replyOf(await slashTranslate({ name: 'a.wav', data: fixtures.wav(1.01), contentType: 'audio/wav' }));
    const last = parts.at(-1)!;
    expect(lastLine(last)).toBe('⚠️ The translation was stopped because it grew past the length this bot allows for one translation. (It stopped at 2,000 characters; the text so far is kept.)');
    const all = parts.map((m) => m.content).join('\n');
    expect(all.match(/⚠️/g)).toHaveLength(1);
    // the text kept, whole across the parts: the parts' lines without header, markers and the closing line
    const text = parts.map((m) => m.content.split('\n').filter((l) => !/^(\*\*|-# |⚠️)/.test(l)).join('\n')).join('');
    const stream = Array.from({ length: 400 }, (_, i) => `Endless sentence ${i + 1}. `).join('');
    expect(stream.startsWith(text)).toBe(true);
    expect(text.length).toBeGreaterThan(1900);
    expect(parts.length).toBeLessThanOrEqual(3);
    expect(model.requests).toHaveLength(1);
    expect(last.components).toEqual([]);
    expectNothingInProgress();
  });

  it('a translation carrying @everyone, @here, a user and a role mention is posted with allowed_mentions parse []', async () => {
    const text = `Meeting moved. @everyone @here <@${reader.id}> <@!${reader.id}> <@&${channel.guildId}> read this.`;
    model.configure({ text, audioSeconds: 1 });
    const callsBefore = discord.calls.length;
    // as a /translate reply (interaction webhook edits) ...
    const parts = await replyOf(await slashTranslate({ name: 'b.wav', data: fixtures.wav(1.02), contentType: 'audio/wav' }));
    expect(parts.at(-1)!.content).toContain(text);
    // ... and as a reply in the channel to a flag reaction (channel messages)
    const note = discord.postUserMessage(channel.id, mallory.id, { files: [{ name: 'c.wav', data: fixtures.wav(1.03), contentType: 'audio/wav' }] });
    discord.addReaction(channel.id, note.id, reader.id, '🇯🇵');
    const flagged = await discord.waitFor(() => discord.messages(channel.id).find((m) => m.referencedMessageId === note.id && finished(m)), 20_000);
    expect(flagged.content).toContain(text);
    await discord.waitFor(() => discord.messages(channel.id).find((m) => m.voiceMessage && m.referencedMessageId === flagged.id), 20_000);

    const carrying = discord.calls.slice(callsBefore).filter((c) => JSON.stringify(c.body ?? {}).includes('@everyone'));
    expect(new Set(carrying.map((c) => c.route))).toEqual(new Set(['PATCH /webhooks/:app/:token/messages/:message', 'PATCH /channels/:channel/messages/:message']));
    for (const c of carrying) expect((c.body as { allowed_mentions?: unknown }).allowed_mentions, c.route).toEqual({ parse: [] });
    // every other message body the bot sent since carries it too (voice messages, notices)
    const bodies = discord.calls.slice(callsBefore).filter((c) => c.auth !== 'invalid' && /^(POST|PATCH) \/(channels|webhooks)\//.test(c.route) && (c.body as { content?: unknown })?.content !== undefined);
    for (const c of bodies) expect((c.body as { allowed_mentions?: unknown }).allowed_mentions, c.route).toEqual({ parse: [] });
    expect(model.requests).toHaveLength(2);
    expectNothingInProgress();
  });

  it('is still alive and healthy at the end, and exits 0 on SIGTERM', async () => {
    expect(bot.child.exitCode).toBeNull();
    expect(bot.child.signalCode).toBeNull();
    const health = await fetch(healthz());
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ ok: true });
    expect(await bot.stop('SIGTERM')).toBe(0);
    expect(bot.log()).toContain('shutting down');
    expect(bot.lines().filter((l) => Number(l.level) >= 50).map((l) => l.msg)).toEqual([]);
  });
});
