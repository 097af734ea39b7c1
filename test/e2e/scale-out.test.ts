import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type Channel, type DiscordEmulator, type InteractionHandle, type User } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { fixtures } from '../support/media-fixtures.js';
import { testRedisUrl } from '../support/redis-url.js';

/**
 * Scale-out on the shared queue, as real processes: one gateway (Discord gateway connection, queues jobs) and two
 * workers (REST only) on one real redis-server, against the Discord and model emulators. A worker is killed with
 * SIGKILL mid-stream: every job still ends once, in its own reply, with its whole text and one voice message.
 */

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');
const TEXT = 'Every accepted translation ends once, where it was asked for, whichever process dies on the way. ';

interface Proc { name: string; child: ChildProcess; log: () => string }

const parse = (log: string) => log.split('\n').flatMap((l) => {
  try {
    return [JSON.parse(l) as { msg?: string; jobId?: string; port?: number }];
  } catch {
    return [];
  }
});

describe('gateway + workers on the shared queue (real processes, real Redis)', () => {
  let discord: DiscordEmulator;
  let model: ModelEmulator;
  let channel: Channel;
  let user: User;
  let env: NodeJS.ProcessEnv;
  const procs: Proc[] = [];

  beforeAll(async () => {
    discord = await startDiscordEmulator();
    model = await startModelEmulator();
    const guild = discord.createGuild();
    channel = discord.createChannel(guild.id);
    user = discord.createUser({ locale: 'en-US' });
    // a database of its own, emptied, so no other test's keys are seen
    const url = `${testRedisUrl()}/9`;
    const redis = new Redis(url);
    await redis.flushdb();
    redis.disconnect();
    env = {
      PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: 'info', PORT: '0', LIVETRANSLATE_SHUTDOWN_GRACE_S: '0',
      STORE_URL: url, LIVETRANSLATE_QUEUE_LOCK_SECS: '3',
      DISCORD_TOKEN: discord.botToken, DISCORD_API_URL: discord.apiUrl, DISCORD_GUILD_ID: guild.id,
      DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
    };
  });
  afterAll(async () => {
    if (process.env.SCALE_OUT_LOGS) for (const p of procs) (await import('node:fs')).writeFileSync(`/tmp/${p.name}.log`, p.log());
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await discord.close();
    await model.close();
  });

  async function start(name: string, role: 'gateway' | 'worker'): Promise<Proc> {
    const child = spawn(process.execPath, [BIN, 'start'], { env: { ...env, LIVETRANSLATE_ROLE: role, LIVETRANSLATE_INSTANCE: name }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    child.stderr!.on('data', (b: Buffer) => (log += b.toString()));
    const proc = { name, child, log: () => log };
    procs.push(proc);
    await discord.waitFor(() => parse(log).find((l) => l.msg === 'livetranslate running') ?? (child.exitCode !== null ? (() => {
      throw new Error(`${name} exited: ${log}`);
    })() : undefined), 30_000);
    return proc;
  }

  const jobsOf = (p: Proc) => new Set(parse(p.log()).filter((l) => l.msg === 'translating' && l.jobId).map((l) => l.jobId!));
  const finished = (h: InteractionHandle) => {
    const o = discord.interaction(h).original;
    return o && /characters/.test(o.content) && !o.content.includes('translating…') ? o : undefined;
  };

  it('SIGKILL the worker holding the most jobs mid-stream: every job finishes in its own reply, once', async () => {
    const gateway = await start('gateway-1', 'gateway');
    const workers = [await start('worker-1', 'worker'), await start('worker-2', 'worker')];
    model.configure({ text: TEXT.repeat(2), chunkDelayMs: 120, audioSeconds: 1 });
    const handles: InteractionHandle[] = [];
    for (let i = 0; i < 8; i++) {
      handles.push(await discord.slashCommand({
        userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' },
        attachments: { file: { name: `n${i}.wav`, data: fixtures.wav(1 + i / 10), contentType: 'audio/wav' } },
      }));
    }
    // wait until the workers are streaming, then kill the busier one
    await discord.waitFor(() => (jobsOf(workers[0]!).size + jobsOf(workers[1]!).size >= 4 && handles.some((h) => discord.interaction(h).original?.content.includes('Every accepted')) ? true : undefined), 30_000);
    const victim = jobsOf(workers[0]!).size >= jobsOf(workers[1]!).size ? workers[0]! : workers[1]!;
    const survivor = victim === workers[0] ? workers[1]! : workers[0]!;
    const held = [...jobsOf(victim)];
    expect(held.length).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));

    const replies = await discord.waitFor(() => {
      const done = handles.map(finished);
      return done.every(Boolean) ? done.map((o) => o!) : undefined;
    }, 90_000);
    for (const reply of replies) {
      expect(reply.content).toContain(TEXT.repeat(2).trim());
      expect(reply.content).not.toMatch(/interrupted|moved to another worker/);
    }
    // the jobs the dead worker held were taken over by the survivor, on the same replies
    const takenOver = parse(survivor.log()).filter((l) => l.msg === 'taking over a job whose worker stopped').map((l) => l.jobId);
    expect(takenOver.sort()).toEqual(expect.arrayContaining(held.filter((id) => !parse(victim.log()).some((l) => l.jobId === id && l.msg === 'done'))));
    // exactly one voice message per reply, and no reply posted twice
    await discord.waitFor(() => replies.every((r) => discord.messages(channel.id).some((m) => m.voiceMessage && m.referencedMessageId === r.id)) || undefined, 30_000);
    await new Promise((r) => setTimeout(r, 1_000)); // a second voice note would arrive now
    for (const reply of replies) {
      expect(discord.messages(channel.id).filter((m) => m.voiceMessage && m.referencedMessageId === reply.id)).toHaveLength(1);
    }
    // nothing else was posted: 8 replies and 8 voice messages
    expect(discord.messages(channel.id).filter((m) => m.authorId !== user.id)).toHaveLength(16);
    expect(discord.rateLimited).toHaveLength(0);
    expect(gateway.child.exitCode).toBeNull();
  }, 180_000);
});
