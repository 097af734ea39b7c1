/**
 * Issue 5 figures: a translation served from the result cache against a cold one (same run, same bot), and a burst
 * larger than the model concurrency cap (queue wait p50/p95 across servers, all finished). Bot in process, against
 * the Discord and model emulators, SQLite store in a temp dir.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { startDiscordBot } from '../adapters/discord/bot.js';
import { sharedDeps } from '../cli/start-command.js';
import { loadConfig } from '../src/config.js';
import { openStore } from '../src/store/open-store.js';
import { startDiscordEmulator } from '../test/emulators/discord/index.js';
import { startModelEmulator } from '../test/emulators/model/index.js';
import { fixtures } from '../test/support/media-fixtures.js';

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] ?? NaN;

export async function memoryBench(runs: number): Promise<string[]> {
  const model = await startModelEmulator({ apiKeys: ['bench'], text: 'A cached translation of an ordinary voice note, a sentence or two long.', audioSeconds: 3, chunkDelayMs: 60 });
  const discord = await startDiscordEmulator();
  const guilds = Array.from({ length: 4 }, () => discord.createGuild());
  const user = discord.createUser({ locale: 'en-US' });
  const store = await openStore(`sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-bench-')), 'bench.sqlite')}`);
  const cap = 4;
  const config = loadConfig({
    DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DASHSCOPE_API_KEY: 'bench', DASHSCOPE_BASE_URL: model.baseUrl,
    LIVETRANSLATE_MAX_CONCURRENT: String(cap),
  });
  const logger = pino({ level: 'silent' });
  const shared = sharedDeps(config, logger, store);
  const queue = shared.services.queue!;
  const waits: number[] = [];
  const acquire = queue.acquire.bind(queue);
  queue.acquire = async (...args) => {
    const t = performance.now();
    const release = await acquire(...args);
    waits.push(performance.now() - t);
    return release;
  };
  const bot = await startDiscordBot({ ...shared, token: discord.botToken, apiUrl: discord.apiUrl, logger });
  const rows: string[] = [];
  try {
    const translate = async (guild: number, data: Buffer) => {
      const channel = discord.createChannel(guilds[guild]!.id);
      const t = performance.now();
      await discord.slashCommand({ userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: 'a.wav', data, contentType: 'audio/wav' } } });
      await discord.waitFor(() => discord.messages(channel.id).some((m) => m.voiceMessage) || undefined, 60_000);
      return performance.now() - t;
    };
    const cold: number[] = [];
    const hot: number[] = [];
    let hotCalls = 0;
    for (let i = 0; i < runs; i++) {
      const wav = fixtures.wav(3 + i / 100);
      cold.push(await translate(0, wav));
      await discord.waitFor(() => bot.jobs.running === 0 || undefined);
      const before = model.requests.length;
      hot.push(await translate(0, wav));
      hotCalls += model.requests.length - before;
      await discord.waitFor(() => bot.jobs.running === 0 || undefined);
    }
    const c = pct(cold, 50);
    const h = pct(hot, 50);
    rows.push(`| /translate → voice message posted, cold (model called) | ${c.toFixed(0)} ms | median of ${runs} |`);
    rows.push(`| the same file again, from the cache | ${h.toFixed(0)} ms | ${(c / h).toFixed(1)}× faster; model calls during the ${runs} cached runs: ${hotCalls} |`);

    // burst: 8 jobs in each of 4 servers at once, cap 4 concurrent model calls, a faster model
    model.reset();
    model.configure({ chunkDelayMs: 10 });
    waits.length = 0;
    const t0 = performance.now();
    const jobs = guilds.flatMap((_, g) => Array.from({ length: 8 }, (_, i) => translate(g, fixtures.wav(2 + (g * 8 + i) / 1000))));
    const times = await Promise.all(jobs);
    const total = (performance.now() - t0) / 1000;
    rows.push(`| burst of ${jobs.length} jobs over 4 servers, cap ${cap} | all ${times.length} finished in ${total.toFixed(1)} s | model calls ${model.requests.length} |`);
    rows.push(`| queue wait p50 / p95 / max | ${pct(waits, 50).toFixed(0)} / ${pct(waits, 95).toFixed(0)} / ${Math.max(...waits).toFixed(0)} ms | ${waits.filter((w) => w > 5).length} of ${waits.length} waited |`);
  } finally {
    await bot.stop();
    await discord.close();
    await model.close();
    await store.close();
  }
  return rows;
}
