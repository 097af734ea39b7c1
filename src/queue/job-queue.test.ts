import { Redis } from 'ioredis';
import { pino } from 'pino';
import { beforeAll, describe, expect, it } from 'vitest';
import { testRedisUrl } from '../../test/support/redis-url.js';
import { JobQueue, startQueueWorker, type QueuedJob } from './job-queue.js';

/**
 * The queue against a real redis-server: a job whose every worker stops without finishing it (here: a worker closed
 * by force mid-job, its lock never renewed, with no take-over allowed) is reported to another worker as abandoned,
 * once, so its reply can end as interrupted.
 */

const logger = pino({ level: 'silent' });
const job = (jobId: string): QueuedJob => ({
  jobId, platform: 'discord', place: { channelId: 'c1' }, requesterId: 'u1', enqueuedAt: Date.now(),
  request: {
    source: { kind: 'url', url: 'https://cdn.example/a.wav' }, fileName: 'a.wav', ask: { to: 'en' }, key: `k-${jobId}`,
    scope: { platform: 'discord', serverId: 'g1', userId: 'u1' }, where: { serverId: 'g1', channelId: 'c1' }, private: false, trigger: 'slash',
  },
});

describe('shared job queue', () => {
  let url: string;
  beforeAll(async () => {
    url = `${testRedisUrl()}/10`;
    const redis = new Redis(url);
    await redis.flushdb();
    redis.disconnect();
  });

  it('a job its worker died on, with no take-over left, is handed to onAbandoned by one surviving worker', async () => {
    const timings = { lockMs: 1_000, stalledCheckMs: 500, maxStalled: 0 };
    let started!: () => void;
    const running = new Promise<void>((r) => (started = r));
    const dying = await startQueueWorker(url, async () => {
      started();
      await new Promise(() => undefined); // never finishes: its worker "dies" below
    }, { concurrency: 1, logger, timings });
    const queue = new JobQueue(url);
    expect(await queue.add(job('abandon1'))).toBe('queued');
    await running;
    await dying.close(); // forced: the job stays active with a lock nobody renews
    const abandoned: string[] = [];
    const survivors = await Promise.all([1, 2].map(() => startQueueWorker(url, async () => undefined, {
      concurrency: 1, logger, timings, onAbandoned: async (j) => void abandoned.push(j.jobId),
    })));
    try {
      const until = Date.now() + 15_000;
      while (abandoned.length === 0 && Date.now() < until) await new Promise((r) => setTimeout(r, 100));
      await new Promise((r) => setTimeout(r, 1_000)); // a second claim would land now
      expect(abandoned).toEqual(['abandon1']);
    } finally {
      await Promise.all(survivors.map((w) => w.close()));
      await queue.close();
    }
  }, 30_000);
});
