/**
 * Discord figures, measured against the emulators in this process: how fast the first model text becomes visible,
 * how many edits a job costs, how fast the voice message follows the model's last audio, and how many jobs per
 * second one process sustains with N concurrent translations (memory, event-loop delay). The baseline for the
 * concurrency rows is N = 1 in the same run.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
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
    // throughput: N concurrent jobs in N channels, a fast model
    let base = 0;
    let distinct = 0;
    for (const n of [1, 4, 16, 64]) {
      model.reset();
      model.configure({ chunkDelayMs: 5 });
      const channels = Array.from({ length: n }, () => discord.createChannel(guild.id));
      // every job its own bytes (a length of its own), so neither the result cache nor in-flight sharing answers it;
      // made before the clock starts (making them while the emulator waits would cost the bot Discord's 3 s)
      const jobs = channels.map((c) => ({ channelId: c.id, userId: user.id, data: fixtures.wav(3 + ++distinct / 1000) }));
      const loop = monitorEventLoopDelay({ resolution: 10 });
      loop.enable();
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const t0 = performance.now();
      const handles = await Promise.all(jobs.map((j) => discord.slashCommand({ userId: j.userId, channelId: j.channelId, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data: j.data, contentType: 'audio/wav' } } })));
      const finished = await discord.waitFor(() => channels.every((c) => discord.messages(c.id).some((m) => m.voiceMessage)) || undefined, 60_000).catch(() => false);
      if (!finished) {
        // the honest row: how many finished, and how many the bot could not even acknowledge within Discord's 3 s
        const voiced = channels.filter((c) => discord.messages(c.id).some((m) => m.voiceMessage)).length;
        const expired = handles.filter((h) => discord.interaction(h).responses.some((r) => r.code === 10062)).length;
        clearInterval(sampler);
        loop.disable();
        rows.push(`| N = ${n} concurrent jobs | not finished in 60 s | ${voiced} of ${n} got their voice message; ${expired} not acknowledged within Discord's 3 s (the bot shares this process with the emulator); model requests ${model.requests.length}; event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms |`);
        continue;
      }
      const seconds = (performance.now() - t0) / 1000;
      clearInterval(sampler);
      loop.disable();
      const rate = n / seconds;
      if (n === 1) base = rate;
      if (model.requests.length !== n) throw new Error(`throughput at N = ${n}: ${model.requests.length} model requests for ${n} jobs (a cache or dedupe answered some)`);
      rows.push(`| N = ${n} concurrent jobs | ${rate.toFixed(2)} jobs/s (${(rate / base).toFixed(1)}× N=1) | all ${n} done in ${seconds.toFixed(2)} s; peak RSS ${(peak / 1048576).toFixed(0)} MB; event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms; 429s ${discord.rateLimited.length}; model requests ${model.requests.length} |`);
    }
  } finally {
    await bot.stop();
    await discord.close();
    await model.close();
  }
  return rows;
}
