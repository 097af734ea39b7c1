/**
 * Discord figures, measured against the emulators in this process: how fast the first model text becomes visible,
 * how many edits a job costs, how fast the voice message follows the model's last audio. Concurrency is measured
 * with the bot in a process of its own (discord-throughput.ts): in this process the bot's acks wait behind the
 * emulators' work and past about 64 jobs miss Discord's 3 s.
 */
import { pino } from 'pino';
import { startDiscordBot } from '../adapters/discord/bot.js';
import { sharedDeps } from '../cli/start-command.js';
import { loadConfig } from '../src/config.js';
import { startDiscordEmulator } from '../test/emulators/discord/index.js';
import { startModelEmulator } from '../test/emulators/model/index.js';
import { fixtures } from '../test/support/media-fixtures.js';

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const TEXT = 'This is a translated voice note of ordinary length, streamed by the model a few words at a time so that edits can keep up.';

export async function discordBench(runs: number): Promise<string[]> {
  const model = await startModelEmulator({ apiKeys: ['bench'], text: TEXT, audioSeconds: 3 });
  const discord = await startDiscordEmulator();
  const guild = discord.createGuild();
  const user = discord.createUser({ locale: 'en-US' });
  const config = loadConfig({
    DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
    DASHSCOPE_API_KEY: 'bench', DASHSCOPE_BASE_URL: model.baseUrl,
    // one user starts every job: the per-user abuse limit and cap must not set the pace of a concurrency figure
    LIVETRANSLATE_USER_TRIGGERS_PER_MIN: '0', LIVETRANSLATE_USER_CONCURRENT: '64',
    // and the model account's 100 requests a minute would (1.7 jobs/s): off, this measures the process
    LIVETRANSLATE_MODEL_RPM: '0', LIVETRANSLATE_MODEL_TPM: '0',
  });
  const logger = pino({ level: 'silent' });
  const bot = await startDiscordBot({ ...sharedDeps(config, logger), token: discord.botToken, apiUrl: discord.apiUrl, guildId: guild.id, logger });
  const wav = fixtures.wav(3);
  const rows: string[] = [];
  try {
    // latency: one job at a time, a model that streams at a realistic pace (~60 ms between chunks)
    model.configure({ chunkDelayMs: 60 });
    const firstEdit: number[] = [];
    const edits: number[] = [];
    const voiceAfter: number[] = [];
    for (let i = 0; i < runs; i++) {
      const channel = discord.createChannel(guild.id);
      model.reset();
      model.configure({ chunkDelayMs: 60 });
      const h = await discord.slashCommand({ userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: wav, contentType: 'audio/wav' } } });
      const voice = await discord.waitFor(() => discord.messages(channel.id).find((m) => m.voiceMessage), 30_000);
      const reply = discord.interaction(h).original!;
      const req = model.requests[0]!;
      const shown = reply.history.find((v) => v.content.includes(TEXT.slice(0, 4)));
      firstEdit.push(shown!.at - req.firstTextAt!);
      edits.push(reply.history.length - 1);
      voiceAfter.push(voice.createdAt - req.lastAudioAt!);
    }
    rows.push(
      `| first model text → first visible edit | ${median(firstEdit).toFixed(0)} ms | median of ${runs}; the first words go out at once, later edits at most once a second |`,
      `| edits per job (${TEXT.length} chars, ~${Math.round(TEXT.length / 6)} deltas) | ${median(edits)} | one per delta would be ~${Math.round(TEXT.length / 6)} |`,
      `| model's last audio → voice message posted | ${median(voiceAfter).toFixed(0)} ms | includes the final text edit, which goes first |`,
    );
  } finally {
    await bot.stop();
    await discord.close();
    await model.close();
  }
  return rows;
}
