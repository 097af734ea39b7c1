import type { ChatJobRequest } from '../jobs/types.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, StoreOpenError } from './open-store.js';
import { BACKENDS } from './test-backends.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'livetranslate-open-'));
  dirs.push(dir);
  return dir;
};

const journalRequest: ChatJobRequest = {
  source: { kind: 'url', url: 'https://cdn.example/a.ogg' }, fileName: 'a.ogg', ask: { to: 'ja' }, key: 'k',
  scope: { platform: 'slack', serverId: 'T1', userId: 'u' }, where: { serverId: 'T1', channelId: 'C1' }, private: false, trigger: 'shortcut',
};

describe.each(BACKENDS)('store on $name', (backend) => {
  it('says which back end it is and answers ping until closed', async () => {
    const store = await backend.open();
    expect(store.kind).toBe(backend.name);
    await expect(store.ping()).resolves.toBeUndefined();
    await store.close();
    await expect(store.ping()).rejects.toThrow(/closed/);
    await store.close(); // twice is harmless
  });

  it('keeps everything when opened again (persistence)', async () => {
    const first = await backend.open();
    await first.settings.setUser('discord', 'u1', { target: 'ja' });
    await first.cache.set('k', { text: 'hi', truncated: false, createdAt: 1, voiceNote: undefined });
    await first.cache.setFileHash('f', 'h');
    await first.usage.record({
      platform: 'discord',
      serverId: 'g1',
      userId: 'u1',
      at: Date.UTC(2025, 4, 2),
      usage: { inputTokens: 3, outputTokens: 4, totalTokens: 7, inputAudioTokens: 3, inputVideoTokens: 0, inputTextTokens: 0, outputAudioTokens: 4, outputTextTokens: 0 },
    });
    await first.journal.put({ jobId: 'j1', platform: 'slack', owner: 'a', place: {}, request: journalRequest, requesterId: 'u', messages: ['m'], startedAt: 1 });
    await first.close();

    const again = await first.reopen();
    expect(await again.settings.getUser('discord', 'u1')).toEqual({ target: 'ja' });
    expect(await again.cache.get('k')).toEqual({ text: 'hi', truncated: false, createdAt: 1 });
    expect(await again.cache.getFileHash('f')).toBe('h');
    expect((await again.usage.serverMonth('discord', 'g1', Date.UTC(2025, 4, 30))).totalTokens).toBe(7);
    expect((await again.journal.list('a')).map((e) => e.messages)).toEqual([['m']]);
  });
});

describe('openStore', () => {
  it('creates the parent directories of a relative SQLite path', async () => {
    const dir = tempDir();
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const store = await openStore('sqlite://./data/deeper/livetranslate.sqlite');
      await store.settings.setUser('slack', 'U1', { voice: 'Cherry' });
      await store.close();
    } finally {
      process.chdir(cwd);
    }
    const again = await openStore(`sqlite://${join(dir, 'data', 'deeper', 'livetranslate.sqlite')}`);
    expect(await again.settings.getUser('slack', 'U1')).toEqual({ voice: 'Cherry' });
    await again.close();
  });

  it('opens an in-memory SQLite store', async () => {
    const store = await openStore('sqlite://:memory:');
    await store.journal.put({ jobId: 'j', platform: 'discord', owner: 'o', place: 1, request: journalRequest, requesterId: 'u', messages: [], startedAt: 0 });
    expect(await store.journal.list('o')).toHaveLength(1);
    await store.ping();
    await store.close();
  });

  it('fails clearly, naming STORE_URL, when Redis cannot be reached', async () => {
    const started = Date.now();
    const failure = await openStore('redis://127.0.0.1:1').catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(StoreOpenError);
    expect((failure as Error).message).toMatch(/^STORE_URL=redis:\/\/127\.0\.0\.1:1: cannot reach Redis \(.*ECONNREFUSED/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('masks a Redis password in the error', async () => {
    const failure = await openStore('redis://user:s3cret@127.0.0.1:1/0').catch((err: unknown) => err);
    expect((failure as Error).message).toContain('STORE_URL=redis://user:***@127.0.0.1:1/0');
    expect((failure as Error).message).not.toContain('s3cret');
  });

  it('fails clearly when the SQLite file cannot be opened', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'not-a-dir'), 'x');
    await expect(openStore(`sqlite://${join(dir, 'not-a-dir', 'x.sqlite')}`)).rejects.toThrow(
      new RegExp(`^STORE_URL=sqlite://.*not-a-dir/x\\.sqlite: cannot open the SQLite database \\(`),
    );
    writeFileSync(join(dir, 'garbage.sqlite'), 'this is not a database, just text that is long enough to look like a header....');
    await expect(openStore(`sqlite://${join(dir, 'garbage.sqlite')}`)).rejects.toThrow(/cannot open the SQLite database \(.*not a database/);
  });

  it('refuses a URL it does not know', async () => {
    await expect(openStore('postgres://localhost/db')).rejects.toThrow('STORE_URL=postgres://localhost/db: unsupported store');
    await expect(openStore('sqlite://')).rejects.toThrow(/STORE_URL=sqlite:\/\/: no SQLite file path/);
  });

  it('throws from ping when Redis goes away after opening', async () => {
    const { startThrowawayRedis } = await import('../../test/support/redis-server.js');
    const dir = tempDir();
    const redis = await startThrowawayRedis(dir);
    const errors: unknown[] = [];
    const store = await openStore(redis.url, { onError: (err) => errors.push(err) });
    try {
      await store.ping();
      await store.settings.setUser('discord', 'u', { target: 'ja' });
      await redis.stop();
      await expect(store.ping()).rejects.toThrow();
      await expect(store.settings.getUser('discord', 'u')).rejects.toThrow();
      expect(errors.length).toBeGreaterThan(0);
    } finally {
      await store.close();
    }
  });
});
