/**
 * Issue 12, scale-out: one gateway and 1, 2 or 4 workers as real processes (`bin/livetranslate.js start`, the build
 * in dist/) on a throwaway redis-server, against the Discord and model emulators in this process.
 *
 * 1. Jobs/s with 1, 2 and 4 workers: N slash commands at once, each from its own user in its own channel (so the
 *    per-user caps and the 5-edits-per-5-s channel budgets do not set the pace) with its own Ogg Opus voice note
 *    (distinct bytes: neither the result cache nor the in-flight dedupe answers; checked: model requests == N). The
 *    model streams at a realistic pace (text over ~2 s, the speech interleaved). Counted from the first command to
 *    the moment every reply is final and has its voice message. The model account limits (100 RPM) are switched off
 *    (LIVETRANSLATE_MODEL_RPM/TPM=0), or they alone would set the pace; each worker runs at most 8 jobs at once (the
 *    default LIVETRANSLATE_MAX_CONCURRENT), so 1 worker is bound by 8 / job latency. Ratios against 1 worker in the same run; the
 *    CPU each process used over the measured window is shown (the emulators run here, in the bench process).
 * 2. A worker's death to its job's next edit: one job streaming slowly on 2 workers, the worker running it SIGKILLed
 *    once the reply shows text; measured from the worker's exit to the next edit of that reply the Discord emulator
 *    records (and to the survivor's 'taking over' log line), with the default lock (10 s) and a short one (3 s).
 * 3. 429s answered by both emulators (expected: none).
 *
 * Standalone: `npx tsx bench/scale-out.ts` (SCALE_OUT_JOBS=N jobs per worker count, default 48;
 * SCALE_OUT_KILL_RUNS=K runs per lock, default 5; SCALE_OUT_TIMEOUT_S, default 300, per worker count: past it the
 * unfinished replies and the processes' logs are shown).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Redis } from 'ioredis';
import { startDiscordEmulator, type DiscordEmulator, type InteractionHandle, type MessageView } from '../test/emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../test/emulators/model/index.js';
import { ffmpegFixture } from '../test/support/media-fixtures.js';
import { startThrowawayRedis, type RunningRedis } from '../test/support/redis-server.js';
import buildDist from '../test/support/build-dist.js';

const BIN = resolve(import.meta.dirname, '../bin/livetranslate.js');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** ~24 words: 8 text deltas of three words. */
const TEXT = 'Every accepted translation ends once, where it was asked for, whichever process dies on the way, and the voice note follows it. ';
const VOICE_NOTE_SECS = 15;
const TICKS = 100; // USER_HZ: /proc/<pid>/stat counts CPU time in 1/100 s on Linux

interface Proc { name: string; child: ChildProcess; log: () => string }
interface LogLine { msg?: string; jobId?: string; time?: number }

const parse = (log: string): LogLine[] => log.split('\n').flatMap((l) => {
  try {
    return [JSON.parse(l) as LogLine];
  } catch {
    return [];
  }
});

/** CPU seconds (user + system) a process has used so far, from /proc (0 where there is no /proc). */
function cpuSeconds(pid: number | undefined): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS; // utime, stime (fields 14 and 15 of the whole line)
  } catch {
    return 0;
  }
}

async function redisCpu(url: string): Promise<number> {
  const r = new Redis(url);
  try {
    const info = await r.info('cpu');
    const num = (k: string) => Number(new RegExp(`^${k}:([\\d.]+)`, 'm').exec(info)?.[1] ?? 0);
    return num('used_cpu_user') + num('used_cpu_sys');
  } finally {
    r.disconnect();
  }
}

/** One gateway and its workers on one Redis database, against the emulators. */
class Stack {
  readonly procs: Proc[] = [];
  private count = 0;

  constructor(private readonly env: NodeJS.ProcessEnv, private readonly discord: DiscordEmulator) {}

  static async create(redisUrl: string, discord: DiscordEmulator, model: ModelEmulator, guildId: string, lockSecs: number): Promise<Stack> {
    const r = new Redis(redisUrl);
    await r.flushall();
    r.disconnect();
    return new Stack({
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', LIVETRANSLATE_SHUTDOWN_GRACE_S: '0',
      STORE_URL: redisUrl, LIVETRANSLATE_QUEUE_LOCK_SECS: String(lockSecs),
      LIVETRANSLATE_MODEL_RPM: '0', LIVETRANSLATE_MODEL_TPM: '0',
      DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guildId,
      DASHSCOPE_API_KEY: 'bench', DASHSCOPE_BASE_URL: model.baseUrl,
      ...(process.env.FFMPEG_PATH ? { FFMPEG_PATH: process.env.FFMPEG_PATH } : {}),
    }, discord);
  }

  async start(role: 'gateway' | 'worker'): Promise<Proc> {
    const name = `${role}-${++this.count}`;
    const child = spawn(process.execPath, [BIN, 'start'], { env: { ...this.env, LIVETRANSLATE_ROLE: role, LIVETRANSLATE_INSTANCE: name }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    const proc = { name, child, log: () => log };
    this.procs.push(proc);
    await this.discord.waitFor(() => {
      if (child.exitCode !== null) throw new Error(`${name} exited at start: ${log.slice(-2000)}`);
      return parse(log).some((l) => l.msg === 'livetranslate running');
    }, 60_000);
    return proc;
  }

  /** The processes' logs, written out when something went wrong. */
  dump(): string {
    const dir = mkdtempSync(join(tmpdir(), 'lt-bench-scale-logs-'));
    for (const p of this.procs) writeFileSync(join(dir, `${p.name}.log`), p.log());
    return `process logs: ${dir}`;
  }

  async stop(): Promise<void> {
    await Promise.all(this.procs.filter((p) => p.child.exitCode === null && p.child.signalCode === null).map(async (p) => {
      const exited = new Promise((r) => p.child.once('exit', r));
      p.child.kill('SIGTERM');
      const timer = setTimeout(() => p.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }));
  }
}

/** A final reply: the whole text, no "translating…" left. */
function finalReply(discord: DiscordEmulator, h: InteractionHandle): MessageView | undefined {
  const o = discord.interaction(h).original;
  return o && o.content.includes(TEXT.trim()) && !o.content.includes('translating…') ? o : undefined;
}

const voiceOf = (discord: DiscordEmulator, channelId: string, reply: MessageView) =>
  discord.messages(channelId).filter((m) => m.voiceMessage && m.referencedMessageId === reply.id);

/** N distinct Ogg Opus voice notes (each a different pitch: different bytes, different content hash). */
function voiceNotes(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => ffmpegFixture('ogg', ['-f', 'lavfi', '-i', `sine=frequency=${200 + 7 * i}:duration=${VOICE_NOTE_SECS}`, '-c:a', 'libopus', '-b:a', '32k', '-ar', '48000', '-ac', '1']));
}

interface Throughput { workers: number; seconds: number; rate: number; modelRequests: number; streamMs: number; edits: number; voiceBytes: number; inputBytes: number; cpu: { gateway: number; workers: number; bench: number; redis: number }; discord429: number; model429: number }

async function throughput(redis: RunningRedis, workers: number, notes: Buffer[]): Promise<Throughput> {
  const discord = await startDiscordEmulator();
  // ~2.2 s of text with the speech interleaved: 8 text deltas, ~35 audio fragments of 16-32 KB, 50 ms apart
  const model = await startModelEmulator({ apiKeys: ['bench'], text: TEXT, chunkDelayMs: 50, fragmentBytes: { min: 16_384, max: 32_768 } });
  const guild = discord.createGuild();
  const stack = await Stack.create(redis.url, discord, model, guild.id, 10);
  try {
    const gateway = await stack.start('gateway');
    const ws = await Promise.all(Array.from({ length: workers }, () => stack.start('worker')));
    const n = notes.length;
    const jobs = notes.map(() => ({ user: discord.createUser({ locale: 'en-US' }), channel: discord.createChannel(guild.id) }));
    const cpu0 = { gateway: cpuSeconds(gateway.child.pid), workers: ws.map((w) => cpuSeconds(w.child.pid)), bench: process.cpuUsage(), redis: await redisCpu(redis.url) };
    const t0 = performance.now();
    const handles = await Promise.all(jobs.map(({ user, channel }, i) => discord.slashCommand({
      userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' },
      attachments: { file: { name: `note-${i}.ogg`, data: notes[i]!, contentType: 'audio/ogg' } },
    })));
    const replies = await discord.waitFor(() => {
      const done: MessageView[] = [];
      for (let i = 0; i < n; i++) {
        const reply = finalReply(discord, handles[i]!);
        if (!reply || voiceOf(discord, jobs[i]!.channel.id, reply).length === 0) return undefined;
        done.push(reply);
      }
      return done;
    }, Number(process.env.SCALE_OUT_TIMEOUT_S ?? 300) * 1000).catch((err: unknown) => {
      const stuck = handles.flatMap((h, i) => {
        const reply = finalReply(discord, h);
        if (reply && voiceOf(discord, jobs[i]!.channel.id, reply).length) return [];
        const v = discord.interaction(h);
        return [`#${i}: callbacks ${v.responses.map((r) => `${r.type}→${r.status}`).join(',')}; reply ${JSON.stringify(v.original?.content.slice(0, 300))}; voice ${reply ? 0 : '-'}; channel ${JSON.stringify(discord.messages(jobs[i]!.channel.id).map((m) => m.content.slice(0, 100)))}`];
      });
      throw new Error(`${workers} workers: ${stuck.length} of ${n} jobs did not finish (${(err as Error).message}):\n${stuck.join('\n')}\n${stack.dump()}`);
    });
    const seconds = (performance.now() - t0) / 1000;
    const bench = process.cpuUsage(cpu0.bench);
    const cpu = {
      gateway: cpuSeconds(gateway.child.pid) - cpu0.gateway,
      workers: ws.reduce((s, w, i) => s + cpuSeconds(w.child.pid) - cpu0.workers[i]!, 0),
      bench: (bench.user + bench.system) / 1e6,
      redis: (await redisCpu(redis.url)) - cpu0.redis,
    };
    // the work really happened: one model request per job, each answered 200; one voice message per reply
    const requests = model.requests.filter((r) => r.path.endsWith('/chat/completions'));
    if (requests.length !== n || requests.some((r) => r.status !== 200)) {
      throw new Error(`expected ${n} model requests answered 200, got ${requests.length} (${requests.map((r) => r.status).join(',')})`);
    }
    let voiceBytes = 0;
    for (let i = 0; i < n; i++) {
      const voice = voiceOf(discord, jobs[i]!.channel.id, replies[i]!);
      if (voice.length !== 1) throw new Error(`reply ${i} has ${voice.length} voice messages`);
      voiceBytes += voice[0]!.attachments.reduce((s, a) => s + a.size, 0);
    }
    const edits = replies.reduce((s, r) => s + r.history.length - 1, 0);
    return {
      workers, seconds, rate: n / seconds, modelRequests: requests.length,
      streamMs: median(requests.map((r) => (r.closedAt ?? r.at) - r.at)),
      edits, voiceBytes, inputBytes: requests.reduce((s, r) => s + (r.inputBytes ?? 0), 0), cpu,
      discord429: discord.rateLimited.length, model429: model.requests.filter((r) => r.status === 429).length,
    };
  } finally {
    await stack.stop();
    await discord.close();
    await model.close();
  }
}

interface Takeover { deathToEditMs: number; deathToPickupMs: number; pickupToEditMs: number }

/**
 * `runs` times: a job streams on one of two workers, that worker is SIGKILLed (at 1 s + i/runs of the renewal period
 * after the reply first shows text), the survivor takes the job over.
 */
async function takeover(redis: RunningRedis, lockSecs: number, runs: number): Promise<{ runs: Takeover[]; modelRequests: number; discord429: number; model429: number; stray: number }> {
  const discord = await startDiscordEmulator();
  const model = await startModelEmulator({ apiKeys: ['bench'] });
  const guild = discord.createGuild();
  const stack = await Stack.create(redis.url, discord, model, guild.id, lockSecs);
  const out: Takeover[] = [];
  let stray = 0;
  const notes = voiceNotes(runs);
  try {
    await stack.start('gateway');
    const workers = [await stack.start('worker'), await stack.start('worker')];
    for (let i = 0; i < runs; i++) {
      // slow: ~40 chunks 300 ms apart, so the job is still streaming when its worker dies
      model.configure({ text: TEXT, chunkDelayMs: 300, fragmentBytes: { min: 16_384, max: 32_768 } });
      const user = discord.createUser({ locale: 'en-US' });
      const channel = discord.createChannel(guild.id);
      const before = new Map(workers.map((w) => [w, parse(w.log()).filter((l) => l.msg === 'translating').length]));
      const h = await discord.slashCommand({ userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' }, attachments: { file: { name: `kill-${i}.ogg`, data: notes[i]!, contentType: 'audio/ogg' } } });
      // the reply shows model text; then the kill falls at a different point of the lock's renewal period each run
      // (BullMQ renews every lock / 2: runs spread evenly over it, not always just after the first renewal)
      await discord.waitFor(() => discord.interaction(h).original?.content.includes('Every accepted'), 60_000);
      await sleep(1_000 + (i / runs) * lockSecs * 500);
      const victim = workers.find((w) => parse(w.log()).filter((l) => l.msg === 'translating').length > before.get(w)!);
      if (!victim) throw new Error('no worker logged the job');
      const survivor = workers.find((w) => w !== victim)!;
      const takeoversBefore = parse(survivor.log()).filter((l) => l.msg === 'taking over a job whose worker stopped').length;
      const exited = new Promise((r) => victim.child.once('exit', r));
      victim.child.kill('SIGKILL');
      await exited;
      const death = Date.now();
      model.configure({ chunkDelayMs: 50 }); // the survivor's stream at the throughput figure's pace
      const reply = await discord.waitFor(() => finalReply(discord, h), 120_000);
      await discord.waitFor(() => voiceOf(discord, channel.id, reply).length > 0, 60_000);
      // edits of the victim's last requests could land just after its exit: none can come from the survivor that early
      const after = reply.history.filter((v) => v.at >= death);
      stray += after.filter((v) => v.at < death + 500).length;
      const next = after.find((v) => v.at >= death + 500);
      const pickup = parse(survivor.log()).filter((l) => l.msg === 'taking over a job whose worker stopped')[takeoversBefore]?.time;
      if (!next || pickup === undefined) throw new Error(`run ${i}: no edit after the death, or no takeover logged by ${survivor.name}`);
      out.push({ deathToEditMs: next.at - death, deathToPickupMs: pickup - death, pickupToEditMs: next.at - pickup });
      if (voiceOf(discord, channel.id, reply).length !== 1) throw new Error(`run ${i}: ${voiceOf(discord, channel.id, reply).length} voice messages`);
      workers.splice(workers.indexOf(victim), 1, await stack.start('worker')); // two workers again for the next run
    }
    return {
      runs: out, modelRequests: model.requests.filter((r) => r.path.endsWith('/chat/completions')).length,
      discord429: discord.rateLimited.length, model429: model.requests.filter((r) => r.status === 429).length, stray,
    };
  } finally {
    await stack.stop();
    await discord.close();
    await model.close();
  }
}

export interface ScaleOutRows { throughput: string[]; takeover: string[]; machine: string }

export async function scaleOutBench(jobs = 48, killRuns = 5): Promise<ScaleOutRows> {
  if (spawnSync('redis-server', ['--version']).error) {
    const skipped = '| (skipped: no redis-server on PATH; `bash scripts/ensure-redis.sh` installs it) | | | | | |';
    return { throughput: [skipped], takeover: [skipped], machine: '-' };
  }
  buildDist(); // bin/livetranslate.js runs dist/: brought up to date as the e2e tests do
  const dir = mkdtempSync(join(tmpdir(), 'lt-bench-scale-'));
  const redis = await startThrowawayRedis(dir);
  const redisVersion = /v=([\d.]+)/.exec(spawnSync('redis-server', ['--version'], { encoding: 'utf8' }).stdout)?.[1] ?? '?';
  const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? '?'}, node ${process.version}, redis ${redisVersion}`;
  try {
    const notes = voiceNotes(jobs);
    const throughputRows: string[] = [];
    let base: Throughput | undefined;
    for (const workers of [1, 2, 4]) {
      const t = await throughput(redis, workers, notes);
      base ??= t;
      const busy = t.cpu.gateway + t.cpu.workers + t.cpu.bench + t.cpu.redis;
      const load = loadavg()[0]!.toFixed(1);
      throughputRows.push(`| ${workers} | ${t.rate.toFixed(2)} jobs/s | ${(t.rate / base.rate).toFixed(2)}× | ${jobs} in ${t.seconds.toFixed(1)} s; ${t.modelRequests} model requests (median stream ${(t.streamMs / 1000).toFixed(1)} s, ${(t.inputBytes / 1048576).toFixed(1)} MB in), ${t.edits} reply edits, ${jobs} voice messages (${(t.voiceBytes / 1048576).toFixed(1)} MB) | workers ${t.cpu.workers.toFixed(1)} s, gateway ${t.cpu.gateway.toFixed(1)} s, emulators ${t.cpu.bench.toFixed(1)} s, redis ${t.cpu.redis.toFixed(1)} s: ${(busy / t.seconds / cpus().length * 100).toFixed(0)}% of ${cpus().length} cores; ${(busy / jobs).toFixed(2)} CPU s a job (${((busy - t.cpu.bench) / jobs).toFixed(2)} s in the bot's processes and redis); load average ${load} | ${t.discord429} / ${t.model429} |`);
    }
    const takeoverRows: string[] = [];
    for (const lock of [10, 3]) {
      const t = await takeover(redis, lock, killRuns);
      const m = (k: keyof Takeover) => (median(t.runs.map((r) => r[k])) / 1000).toFixed(1);
      const range = (k: keyof Takeover) => `${(Math.min(...t.runs.map((r) => r[k])) / 1000).toFixed(1)}–${(Math.max(...t.runs.map((r) => r[k])) / 1000).toFixed(1)} s`;
      const check = Math.max(1, lock / 2);
      takeoverRows.push(`| ${lock} s (stalled check every ${check} s) | ${m('deathToEditMs')} s (${range('deathToEditMs')}) | ${m('deathToPickupMs')} s (${range('deathToPickupMs')}) | ${m('pickupToEditMs')} s | ${t.runs.length} kills, ${t.modelRequests} model requests, ${t.stray} of the victim's edits landed after its exit; load average ${loadavg()[0]!.toFixed(1)} | ${t.discord429} / ${t.model429} |`);
    }
    return { throughput: throughputRows, takeover: takeoverRows, machine };
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export function printScaleOut(r: ScaleOutRows, jobs: number): void {
  const date = new Date().toISOString().slice(0, 10);
  console.log(`\nScale-out: 1 gateway + N workers as processes on one redis-server, against the emulators (${r.machine}, ${date})\n`);
  console.log(`| workers | throughput (${jobs} distinct ${VOICE_NOTE_SECS} s voice notes) | vs 1 worker | work done | CPU used in the window | 429s Discord / model |`);
  console.log('|---|---|---|---|---|---|');
  console.log(r.throughput.join('\n'));
  console.log('\n| queue lock | worker SIGKILL → next edit of its reply, median (range) | → survivor takes it over | takeover → edit | runs | 429s Discord / model |');
  console.log('|---|---|---|---|---|---|');
  console.log(r.takeover.join('\n'));
}

if (process.argv[1] === import.meta.filename) {
  const jobs = Number(process.env.SCALE_OUT_JOBS ?? 48);
  printScaleOut(await scaleOutBench(jobs, Number(process.env.SCALE_OUT_KILL_RUNS ?? 5)), jobs);
}
