/**
 * Voice tail (issue 13): the model's last audio chunk → the voice note in the chat, on Discord (/translate, the
 * interaction webhook reply) and Slack ("Translate" in a thread, native streaming), for a 4 s and a 60 s note, with
 * where the time goes: the reply's final edit (Discord: the last webhook PATCH; Slack: chat.stopStream) as the
 * emulator received it, then the voice note (Discord: the voice message created; Slack: the MP3's message in the
 * thread). Times are the emulators' clocks (the same real clock), median and p95 of RUNS.
 *
 *   npx tsx bench/voice-tail.ts                       # this tree
 *   VOICE_TAIL_SRC=/tmp/before npx tsx bench/voice-tail.ts   # the bot from another checkout (e.g. the commit before),
 *                                                      # against this tree's emulators: the previous behaviour
 *
 * The bot runs in this process, as in bench/discord.ts and bench/slack.ts. Printed, never asserted.
 */
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { pino } from 'pino';
import { startDiscordEmulator } from '../test/emulators/discord/index.js';
import { startModelEmulator } from '../test/emulators/model/index.js';
import { startSlackEmulator } from '../test/emulators/slack/index.js';
import { fixtures } from '../test/support/media-fixtures.js';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const SRC = resolve(process.env.VOICE_TAIL_SRC ?? resolve(import.meta.dirname, '..'));
const load = async <T>(path: string): Promise<T> => (await import(pathToFileURL(resolve(SRC, path)).href)) as T;

type Shared = typeof import('../cli/start-command.js');
type Config = typeof import('../src/config.js');
type DiscordBotModule = typeof import('../adapters/discord/bot.js');
type SlackAppModule = typeof import('../adapters/slack/app.js');

const TEXT = 'This is a translated voice note of ordinary length, streamed by the model a few words at a time so that edits can keep up.';
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;
const fmt = (xs: number[]) => `${pct(xs, 50).toFixed(0)} ms (p95 ${pct(xs, 95).toFixed(0)})`;

interface Tail { total: number[]; toFinal: number[]; finalToVoice: number[] }

async function discordTail(seconds: number): Promise<Tail> {
  const { sharedDeps } = await load<Shared>('cli/start-command.ts');
  const { loadConfig } = await load<Config>('src/config.ts');
  const { startDiscordBot } = await load<DiscordBotModule>('adapters/discord/bot.ts');
  const model = await startModelEmulator({ apiKeys: ['bench'], text: TEXT, audioSeconds: seconds });
  const discord = await startDiscordEmulator();
  const guild = discord.createGuild();
  const user = discord.createUser({ locale: 'en-US' });
  const config = loadConfig({
    DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
    DASHSCOPE_API_KEY: 'bench', DASHSCOPE_BASE_URL: model.baseUrl,
  });
  const logger = pino({ level: 'silent' });
  const bot = await startDiscordBot({ ...sharedDeps(config, logger), token: discord.botToken, apiUrl: discord.apiUrl, guildId: guild.id, logger });
  const tail: Tail = { total: [], toFinal: [], finalToVoice: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      const channel = discord.createChannel(guild.id);
      model.reset();
      model.configure({ text: TEXT, audioSeconds: seconds, chunkDelayMs: 40 });
      const wav = fixtures.wav(seconds + i / 1000); // distinct bytes: no cache, no shared call
      const before = discord.calls.length;
      await discord.slashCommand({ userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: wav, contentType: 'audio/wav' } } });
      const voice = await discord.waitFor(() => discord.messages(channel.id).find((m) => m.voiceMessage), 60_000);
      await new Promise((r) => setTimeout(r, 300)); // let the final edit land if it is behind
      const last = model.requests[0]!.lastAudioAt!;
      const finalEdit = discord.calls.slice(before).filter((c) => c.route.startsWith('PATCH /webhooks') && JSON.stringify(c.body).includes('characters ·')).at(-1)!;
      tail.total.push(voice.createdAt - last);
      tail.toFinal.push(finalEdit.at - last);
      tail.finalToVoice.push(voice.createdAt - finalEdit.at);
    }
  } finally {
    await bot.stop();
    await discord.close();
    await model.close();
  }
  return tail;
}

async function slackTail(seconds: number): Promise<Tail> {
  const { sharedDeps } = await load<Shared>('cli/start-command.ts');
  const { loadConfig } = await load<Config>('src/config.ts');
  const { startSlackBot } = await load<SlackAppModule>('adapters/slack/app.ts');
  const model = await startModelEmulator({ apiKeys: ['bench'], text: TEXT, audioSeconds: seconds });
  const slack = await startSlackEmulator({ nativeStreaming: true });
  const channel = slack.createChannel();
  const user = slack.createUser({ locale: 'en-US' });
  const config = loadConfig({
    SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl, PORT: '0',
    DASHSCOPE_API_KEY: 'bench', DASHSCOPE_BASE_URL: model.baseUrl,
  });
  const logger = pino({ level: 'silent' });
  const bot = await startSlackBot({ ...sharedDeps(config, logger), botToken: slack.botToken, signingSecret: slack.signingSecret, apiUrl: slack.apiUrl, port: 0, logger });
  slack.setBotEndpoint(`http://127.0.0.1:${bot.port}/slack/events`);
  const tail: Tail = { total: [], toFinal: [], finalToVoice: [] };
  try {
    for (let i = 0; i < RUNS; i++) {
      model.reset();
      model.configure({ text: TEXT, audioSeconds: seconds, chunkDelayMs: 40 });
      const wav = fixtures.wav(seconds + i / 1000);
      const msg = slack.postUserMessage(channel.id, user.id, { files: [{ name: 'a.wav', data: wav, mimetype: 'audio/wav' }] });
      await slack.messageShortcut({ userId: user.id, channelId: channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
      const file = await slack.waitFor(() => slack.files().find((f) => f.threadTs === msg.ts && f.messageTs), 60_000);
      await new Promise((r) => setTimeout(r, 300));
      const reply = slack.thread(channel.id, msg.ts).find((m) => m.bot_id && m.files.length === 0)!;
      const last = model.requests[0]!.lastAudioAt!;
      const shown = slack.message(channel.id, file.messageTs!)!.history[0]!.at;
      const stop = slack.calls.filter((c) => (c.method === 'chat.stopStream' || c.method === 'chat.update') && c.args.ts === reply.ts).at(-1)!;
      tail.total.push(shown - last);
      tail.toFinal.push(stop.at - last);
      tail.finalToVoice.push(shown - stop.at);
    }
  } finally {
    await bot.stop();
    await slack.close();
    await model.close();
  }
  return tail;
}

console.log(`Voice tail, ${SRC === resolve(import.meta.dirname, '..') ? 'this tree' : SRC}, median of ${RUNS} (node ${process.version}, ${new Date().toISOString().slice(0, 16)})\n`);
console.log('| platform | note | last audio → voice note in chat | last audio → final edit received | final edit → voice note |');
console.log('|---|---|---|---|---|');
for (const [name, run] of [['Discord', discordTail], ['Slack', slackTail]] as const) {
  for (const seconds of [4, 60]) {
    const t = await run(seconds);
    console.log(`| ${name} | ${seconds} s | ${fmt(t.total)} | ${fmt(t.toFinal)} | ${fmt(t.finalToVoice)} |`);
  }
}
process.exit(0);
