/**
 * Discord throughput with the bot in a process of its own (issue 13): N concurrent `/translate` jobs, each in its
 * own channel with its own file (a distinct length, so neither the result cache nor in-flight sharing answers any:
 * model requests must equal N), against the Discord emulator (this process) and the model emulator (a child process,
 * streaming a 3 s answer paced 20-60 ms a chunk). The bot's per-user limits and the model account's 100 requests a
 * minute are off and its model cap is N: this measures the process, not the limits.
 *
 * Per N: jobs/s, the bot's event-loop delay p99 over the batch (its own /metrics, prom-client's
 * nodejs_eventloop_lag_p99_seconds, reset at each scrape), first text (the model emulator wrote it → the first edit
 * carrying it reached Discord, p50/p95), acks within Discord's 3 s, and Discord REST calls per job split into those
 * discord.js counts against the bot's 50/s global limit (bot-authenticated) and interaction-webhook calls (no
 * token; Discord does not count them). Printed, never asserted.
 *
 * The emulators stand in for Discord's and the model service's own machines, yet here they share the bot's two
 * cores. BENCH_EMULATOR_NICE=10 runs them (this process, once the bot has started at the normal priority, and the
 * model emulator) at nice 10, so that the kernel gives the bot the CPU first, as it would have it in production; the
 * first-text figure then includes the Discord emulator's own slower handling of each edit. Default 0: all equal.
 *
 *   npx tsx bench/discord-throughput.ts          # DISCORD_N=1,16,64,200
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { getPriority, loadavg, setPriority, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startDiscordEmulator } from '../test/emulators/discord/index.js';
import { startBotProcess } from '../test/support/bot-process.js';
import buildDist from '../test/support/build-dist.js';
import { fixtures } from '../test/support/media-fixtures.js';
import { emulatorChild } from './main-thread.js';

const TEXT = 'This is a translated voice note of ordinary length, streamed by the model a few words at a time so that edits can keep up.';
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

/** One series' value from a Prometheus text exposition. */
const metric = (text: string, name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);

interface ModelRecord { at: number; firstTextAt?: number; input?: { durationSecs?: number } }

export async function discordThroughputBench(ns = [1, 16, 64, 200]): Promise<string[]> {
  buildDist(); // the bot process runs dist/
  const max = Math.max(...ns);
  const nice = Number(process.env.BENCH_EMULATOR_NICE ?? 0);
  const model = await emulatorChild({ text: TEXT, audioSeconds: 3, chunkDelayMs: { min: 20, max: 60 } }, nice);
  const discord = await startDiscordEmulator();
  const guild = discord.createGuild();
  const user = discord.createUser({ locale: 'en-US' });
  const dir = mkdtempSync(join(tmpdir(), 'lt-throughput-'));
  const bot = await startBotProcess({
    PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0',
    STORE_URL: `sqlite://${join(dir, 'bench.sqlite')}`,
    DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
    DASHSCOPE_API_KEY: 'bench', DASHSCOPE_BASE_URL: model.baseUrl,
    LIVETRANSLATE_USER_TRIGGERS_PER_MIN: '0', LIVETRANSLATE_USER_CONCURRENT: String(Math.min(100, max)),
    LIVETRANSLATE_MAX_CONCURRENT: String(max), LIVETRANSLATE_MODEL_RPM: '0', LIVETRANSLATE_MODEL_TPM: '0',
    LIVETRANSLATE_CACHE_DAYS: '0',
  }, 30_000);
  const ownPriority = getPriority();
  if (nice > 0) setPriority(nice); // after the bot started: it keeps the normal priority
  const metrics = async () => {
    const url = `http://127.0.0.1:${bot.port}/metrics`;
    // once more on a dropped connection (a kept-alive socket the server had just closed)
    const res = await fetch(url).catch(() => fetch(url)).catch((err: unknown) => {
      throw new Error(`the bot's /metrics did not answer (exit ${bot.child.exitCode}): ${bot.log().slice(-1500)}`, { cause: err });
    });
    return res.text();
  };
  const rows: string[] = [];
  let base = 0;
  let distinct = 0;
  try {
    for (const n of ns) {
      await fetch(new URL('/__emulator/reset', model.baseUrl), { method: 'POST' });
      const channels = Array.from({ length: n }, () => discord.createChannel(guild.id));
      // every job its own length in ms (how the model emulator's records are matched to jobs), made before the clock
      const lengths = channels.map(() => 3 + ++distinct / 1000);
      const files = lengths.map((s) => fixtures.wav(s));
      const callsBefore = discord.calls.length;
      await metrics(); // resets the event-loop lag histogram: the next scrape covers this batch only
      const t0 = performance.now();
      const handles = await Promise.all(channels.map((c, i) => discord.slashCommand({
        userId: user.id, channelId: c.id, name: 'translate', options: { to: 'en' },
        attachments: { file: { name: 'a.wav', data: files[i]!, contentType: 'audio/wav' } },
      })));
      const done = await discord.waitFor(() => channels.every((c) => discord.messages(c.id).some((m) => m.voiceMessage)) || undefined, 120_000).catch(() => false);
      const seconds = (performance.now() - t0) / 1000;
      const lagP99 = metric(await metrics(), 'nodejs_eventloop_lag_p99_seconds') * 1000;
      const voiced = channels.filter((c) => discord.messages(c.id).some((m) => m.voiceMessage)).length;
      const acked = handles.filter((h) => discord.interaction(h).responses.some((r) => r.status < 300)).length;
      const records = (await (await fetch(new URL('/__emulator/requests', model.baseUrl))).json()) as ModelRecord[];
      const wrote = new Map(records.flatMap((r) => (r.input?.durationSecs && r.firstTextAt ? [[Math.round(r.input.durationSecs * 1000), r.firstTextAt] as const] : [])));
      const firstText = handles.flatMap((h, i) => {
        const sent = wrote.get(Math.round(lengths[i]! * 1000));
        const shown = discord.interaction(h).original?.history.find((v) => v.content.includes(TEXT.slice(0, 8)));
        return sent !== undefined && shown ? [shown.at - sent] : [];
      });
      const calls = discord.calls.slice(callsBefore);
      const counted = calls.filter((c) => c.auth === 'bot').length / n;
      const webhook = calls.filter((c) => c.auth === 'none').length / n;
      const rate = n / seconds;
      if (n === ns[0]) base = rate;
      const work = `model requests ${records.length}, voice messages ${voiced}/${n}, acked ${acked}/${n}, 429s ${calls.filter((c) => c.status === 429).length}`;
      if (!done || records.length !== n) {
        rows.push(`| ${n} | not finished in 120 s | | | | | ${work} |`);
        continue;
      }
      rows.push(`| ${n} | ${rate.toFixed(2)} (${(rate / base).toFixed(1)}× N=${ns[0]}) | ${lagP99.toFixed(1)} ms | ${pct(firstText, 50).toFixed(0)} / ${pct(firstText, 95).toFixed(0)} ms | ${counted.toFixed(1)} | ${webhook.toFixed(1)} | ${work} |`);
    }
  } finally {
    try {
      setPriority(ownPriority); // lowering a nice value needs root; elsewhere the rest of `npm run bench` stays at 10
    } catch {
      // stays niced
    }
    await bot.stop();
    await discord.close();
    await model.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return rows;
}

export async function printDiscordThroughput(ns?: number[]): Promise<void> {
  console.log(`\nDiscord, the bot in its own process (the emulators at nice ${process.env.BENCH_EMULATOR_NICE ?? 0}): N concurrent /translate jobs, distinct 3 s WAVs, 3 s answers paced 20-60 ms a chunk (node ${process.version}, ${new Date().toISOString().slice(0, 16)}, load average ${loadavg().map((l) => l.toFixed(1)).join(' / ')})\n`);
  console.log('| N | jobs/s | bot event-loop delay p99 | first text: model → visible, p50 / p95 | counted REST calls per job | webhook calls per job (not counted) | work done |');
  console.log('|---|---|---|---|---|---|---|');
  console.log((await discordThroughputBench(ns)).join('\n'));
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await printDiscordThroughput(process.env.DISCORD_N?.split(',').map(Number));
}
