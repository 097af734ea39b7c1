import { spawn, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startDiscordEmulator, type Channel, type DiscordEmulator, type InteractionHandle, type User } from '../emulators/discord/index.js';
import { startModelEmulator, type ModelEmulator } from '../emulators/model/index.js';
import { startSlackEmulator, type SlackEmulator } from '../emulators/slack/index.js';
import { fixtures } from '../support/media-fixtures.js';
import { testRedisUrl } from '../support/redis-url.js';

/**
 * Scale-out on the shared queue, as real processes: one gateway (Discord gateway connection and Slack's HTTP
 * endpoint, queues jobs) and two workers (REST only) on one real redis-server, against the Discord, Slack and model
 * emulators. A worker is killed with
 * SIGKILL mid-stream: every job still ends once, in its own reply, with its whole text and one voice message.
 */

const BIN = resolve(import.meta.dirname, '../../bin/livetranslate.js');
const TEXT = 'Every accepted translation ends once, where it was asked for, whichever process dies on the way. ';

interface Proc { name: string; child: ChildProcess; log: () => string; lines: LogLine[] }

interface LogLine { msg?: string; jobId?: string; port?: number }

/** A process's JSON log lines, parsed once each (the tests poll them often while the emulators serve the bots). */
function logOf(stream: NodeJS.ReadableStream): { lines: LogLine[]; text: () => string } {
  const lines: LogLine[] = [];
  let text = '';
  let partial = '';
  stream.on('data', (b: Buffer) => {
    text += b.toString();
    const parts = (partial + b.toString()).split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      try {
        lines.push(JSON.parse(l) as LogLine);
      } catch {
        // not a log line
      }
    }
  });
  return { lines, text: () => text };
}

/** Polls `check` every 100 ms (not the emulator's 10 ms: these checks read logs) until it returns a value. */
async function poll<T>(check: () => T | undefined | false, timeoutMs: number, what: string): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('gateway + workers on the shared queue (real processes, real Redis)', () => {
  let discord: DiscordEmulator;
  let slack: SlackEmulator;
  let model: ModelEmulator;
  let channel: Channel;
  let user: User;
  let env: NodeJS.ProcessEnv;
  const procs: Proc[] = [];

  beforeAll(async () => {
    discord = await startDiscordEmulator();
    slack = await startSlackEmulator();
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
      SLACK_BOT_TOKEN: slack.botToken, SLACK_SIGNING_SECRET: slack.signingSecret, SLACK_API_URL: slack.apiUrl,
      DASHSCOPE_API_KEY: 'test-key', DASHSCOPE_BASE_URL: model.baseUrl,
    };
  });
  afterAll(async () => {
    if (process.env.SCALE_OUT_LOGS) for (const p of procs) (await import('node:fs')).writeFileSync(`/tmp/${p.name}.log`, p.log());
    for (const p of procs) if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
    await discord.close();
    await slack.close();
    await model.close();
  });

  async function start(name: string, role: 'gateway' | 'worker'): Promise<Proc> {
    const child = spawn(process.execPath, [BIN, 'start'], { env: { ...env, LIVETRANSLATE_ROLE: role, LIVETRANSLATE_INSTANCE: name }, stdio: ['ignore', 'ignore', 'pipe'] });
    const log = logOf(child.stderr!);
    const proc = { name, child, log: log.text, lines: log.lines };
    procs.push(proc);
    await poll(() => {
      if (child.exitCode !== null) throw new Error(`${name} exited: ${log.text()}`);
      return log.lines.some((l) => l.msg === 'livetranslate running');
    }, 30_000, `${name} to start`);
    return proc;
  }

  const jobsOf = (p: Proc) => new Set(p.lines.filter((l) => l.msg === 'translating' && l.jobId).map((l) => l.jobId!));
  const finished = (h: InteractionHandle) => {
    const o = discord.interaction(h).original;
    return o && /characters/.test(o.content) && !o.content.includes('translating…') ? o : undefined;
  };

  /** `count` distinct voice notes (`seconds` + a tenth per note) through /translate, each acknowledged before the next. */
  async function translateOnDiscord(count: number, seconds: number): Promise<InteractionHandle[]> {
    const handles: InteractionHandle[] = [];
    for (let i = 0; i < count; i++) {
      handles.push(await discord.slashCommand({
        userId: user.id, channelId: channel.id, name: 'translate', options: { to: 'en' },
        attachments: { file: { name: `n${seconds}-${i}.wav`, data: fixtures.wav(seconds + i / 10), contentType: 'audio/wav' } },
      }));
      // the emulators run in this process: let them serve the gateway's acknowledgement before the next command
      await poll(() => discord.interaction(handles.at(-1)!).responses.length > 0, 10_000, 'the acknowledgement');
    }
    return handles;
  }

  const everyReplyFinished = (handles: InteractionHandle[], timeoutMs: number) => poll(() => {
    const done = handles.map(finished);
    return done.every(Boolean) ? done.map((o) => o!) : undefined;
  }, timeoutMs, 'every reply to finish');

  it('SIGKILL the worker holding the most jobs mid-stream: every job finishes in its own reply, once (both platforms)', async () => {
    const gateway = await start('gateway-1', 'gateway');
    const ready = await poll(() => gateway.lines.find((l) => l.msg === 'slack ready'), 10_000, 'Slack on the gateway');
    slack.setBotEndpoint(`http://127.0.0.1:${ready.port}/slack/events`);
    const workers = [await start('worker-1', 'worker'), await start('worker-2', 'worker')];
    // slow enough that every reply is still streaming when the worker dies
    model.configure({ text: TEXT.repeat(2), chunkDelayMs: 400, audioSeconds: 1 });
    const handles = await translateOnDiscord(4, 1);
    const slackChannel = slack.createChannel();
    const slackUser = slack.createUser({ locale: 'en-US' });
    const notes: Array<{ ts: string }> = [];
    for (let i = 0; i < 4; i++) {
      const note = slack.postUserMessage(slackChannel.id, slackUser.id, { files: [{ name: `s${i}.wav`, data: fixtures.wav(1.5 + i / 10), mimetype: 'audio/wav' }] });
      notes.push(note);
      expect((await slack.messageShortcut({ userId: slackUser.id, channelId: slackChannel.id, messageTs: note.ts, callbackId: 'translate_message' })).status).toBe(200);
    }
    // wait until every reply is streaming, then kill the busier worker. (Killed during the very request that posts a
    // reply's first message, a worker can leave that message behind: Slack has no idempotent post, so that window,
    // one HTTP request long, is documented rather than tested.)
    const streaming = (text: string | undefined) => !!text?.includes('Every accepted');
    await poll(() => handles.every((h) => streaming(discord.interaction(h).original?.content))
      && notes.every((n) => slack.thread(slackChannel.id, n.ts).some((m) => m.bot_id && streaming(m.text))), 30_000, 'every reply to stream');
    const victim = jobsOf(workers[0]!).size >= jobsOf(workers[1]!).size ? workers[0]! : workers[1]!;
    const survivor = victim === workers[0] ? workers[1]! : workers[0]!;
    const held = [...jobsOf(victim)];
    expect(held.length).toBeGreaterThan(0);
    victim.child.kill('SIGKILL');
    await new Promise((r) => victim.child.once('exit', r));

    const replies = await everyReplyFinished(handles, 90_000);
    for (const reply of replies) {
      expect(reply.content).toContain(TEXT.repeat(2).trim());
      expect(reply.content).not.toMatch(/interrupted|moved to another worker/);
    }
    // Slack: one reply in each thread, whole, and one audio file
    const threads = await poll(() => {
      const done = notes.map((n) => slack.thread(slackChannel.id, n.ts).filter((m) => m.bot_id && /characters/.test(m.text)));
      return done.every((d) => d.length > 0) ? done : undefined;
    }, 90_000, 'every Slack reply to finish');
    for (const [i, thread] of threads.entries()) {
      expect(thread).toHaveLength(1);
      expect(thread[0]!.text.replace(/\s+/g, ' ')).toContain(TEXT.repeat(2).trim());
      // the bot's messages in the thread: the reply, and the audio file's own message (never a second reply)
      expect(slack.thread(slackChannel.id, notes[i]!.ts).filter((m) => m.bot_id && m.files.length === 0)).toHaveLength(1);
    }
    await poll(() => notes.every((n) => slack.files().some((f) => f.threadTs === n.ts && f.name === 'translation.mp3')), 30_000, 'an audio file in every thread');
    // the jobs the dead worker held were taken over by the survivor, on the same replies
    const takenOver = survivor.lines.filter((l) => l.msg === 'taking over a job whose worker stopped').map((l) => l.jobId);
    expect(takenOver.sort()).toEqual(expect.arrayContaining(held.filter((id) => !victim.lines.some((l) => l.jobId === id && l.msg === 'done'))));
    // exactly one voice message per reply, and no reply posted twice
    await poll(() => replies.every((r) => discord.messages(channel.id).some((m) => m.voiceMessage && m.referencedMessageId === r.id)), 30_000, 'a voice message under every reply');
    await new Promise((r) => setTimeout(r, 1_000)); // a second voice note would arrive now
    for (const reply of replies) {
      expect(discord.messages(channel.id).filter((m) => m.voiceMessage && m.referencedMessageId === reply.id)).toHaveLength(1);
    }
    // nothing else was posted: 4 replies and 4 voice messages; one audio file per Slack thread
    expect(discord.messages(channel.id).filter((m) => m.authorId !== user.id)).toHaveLength(8);
    for (const n of notes) expect(slack.files().filter((f) => f.threadTs === n.ts && f.name === 'translation.mp3')).toHaveLength(1);
    expect(slack.rateLimited).toHaveLength(0);
    expect(discord.rateLimited).toHaveLength(0);
    expect(gateway.child.exitCode).toBeNull();
  }, 180_000);

  it('SIGTERM a worker with jobs running: it hands them back and they finish on another worker, on the same replies', async () => {
    const busy = await start('worker-3', 'worker');
    const others = procs.filter((p) => p.name.startsWith('worker') && p !== busy && p.child.exitCode === null && p.child.signalCode === null);
    // the new worker is the only one, so it holds every job
    for (const p of others) {
      p.child.kill('SIGTERM');
      await new Promise((r) => p.child.once('exit', r));
    }
    // slow enough that the jobs are still streaming once a second worker is up
    model.configure({ text: TEXT.repeat(2), chunkDelayMs: 800, audioSeconds: 1 });
    const handles = await translateOnDiscord(3, 2);
    await poll(() => jobsOf(busy).size >= 3 && handles.every((h) => discord.interaction(h).original?.content.includes('Every accepted')), 30_000, 'worker-3 to stream every job');
    const spare = await start('worker-4', 'worker');
    busy.child.kill('SIGTERM');
    expect(await new Promise((r) => busy.child.once('exit', r))).toBe(0);
    // what was still running when it stopped was handed back (on a loaded machine some may have finished first)
    const handedBack = busy.lines.filter((l) => l.msg === 'failed' && (l as { code?: string }).code === 'HANDED_BACK').map((l) => l.jobId);
    expect(handedBack.length).toBeGreaterThan(0);
    const replies = await everyReplyFinished(handles, 60_000);
    for (const reply of replies) {
      expect(reply.content).toContain(TEXT.repeat(2).trim());
      expect(reply.content).not.toMatch(/interrupted|moved to another worker/);
    }
    expect(spare.lines.filter((l) => l.msg === 'taking over a job whose worker stopped').map((l) => l.jobId).sort()).toEqual(handedBack.sort());
    await poll(() => replies.every((r) => discord.messages(channel.id).some((m) => m.voiceMessage && m.referencedMessageId === r.id)), 30_000, 'a voice message under every reply');
    for (const reply of replies) {
      expect(discord.messages(channel.id).filter((m) => m.voiceMessage && m.referencedMessageId === reply.id)).toHaveLength(1);
    }
    expect(discord.rateLimited).toHaveLength(0);
  }, 180_000);
});
