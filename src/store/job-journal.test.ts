import { createClient } from '@keyv/redis';
import { randomUUID } from 'node:crypto';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ENTRY_KEEP_MS, INTERACTION_TOKEN_LIFE_MS, RUNNING_ENTRY_KEEP_MS, TOKEN_ENTRY_MARGIN_MS } from './job-journal.js';
import { BACKENDS } from './test-backends.js';
import type { JournalEntry } from './types.js';
import type { ChatJobRequest } from '../jobs/types.js';

const request: ChatJobRequest = {
  source: { kind: 'url', url: 'https://cdn.example/a.ogg' }, fileName: 'a.ogg', ask: { to: 'ja' }, key: 'f1:ja:::',
  scope: { platform: 'discord', serverId: 'g1', userId: 'u1' }, where: { serverId: 'g1', channelId: 'c1' }, private: false, trigger: 'reaction',
};
const header = { languages: 'zh → en', voice: 'Cherry', fileName: 'a.ogg', notices: [] };

const entry = (jobId: string, owner: string, startedAt: number): JournalEntry => ({
  jobId,
  platform: 'discord',
  owner,
  place: { channelId: 'c1', messageId: `reply-${jobId}`, nested: { list: [1, ':x'] } },
  request,
  requesterId: 'u1',
  messages: [],
  startedAt,
});

describe.each(BACKENDS)('job journal on $name', (backend) => {
  it('keeps entries per owner: put, addMessage, list, get, remove', async () => {
    const store = await backend.open();
    const { journal } = store;
    await journal.put(entry('j2', 'bot-a', 2_000));
    await journal.put(entry('j1', 'bot-a', 1_000));
    await journal.put(entry('j3', 'bot-b', 1_500));

    await journal.addMessage('j1', 'm1');
    await journal.addMessage('j1', 'm2');
    await journal.addMessage('gone', 'm9'); // no entry: nothing happens
    await journal.setView('j2', 'm7', { part: 0, text: 'first words' });
    await journal.setView('j2', 'm7', { part: 0, text: 'first words and more' });
    await journal.setView('gone', 'm9', { part: 0, text: 'x' });
    expect((await journal.get('j2'))?.views).toEqual({ m7: { part: 0, text: 'first words and more' } });
    await journal.setHeader('j2', header);
    expect((await journal.get('j2'))?.header).toEqual(header);
    expect(await journal.get('gone')).toBeUndefined();
    await journal.put(entry('j2', 'bot-a', 2_000));

    expect(await journal.list('bot-a')).toEqual([{ ...entry('j1', 'bot-a', 1_000), messages: ['m1', 'm2'] }, entry('j2', 'bot-a', 2_000)]);
    expect(await journal.list('bot-b')).toEqual([entry('j3', 'bot-b', 1_500)]);
    expect(await journal.list('bot-c')).toEqual([]);
    expect(await journal.get('gone')).toBeUndefined();
    expect((await journal.get('j1'))?.messages).toEqual(['m1', 'm2']);

    await journal.remove('j1');
    await journal.remove('j1');
    await journal.remove('never');
    expect(await journal.get('j1')).toBeUndefined();
    expect(await journal.list('bot-a')).toEqual([entry('j2', 'bot-a', 2_000)]);
    expect(await journal.list('bot-b')).toEqual([entry('j3', 'bot-b', 1_500)]);
  });

  it('keeps every message id when they are added at once, in order', async () => {
    const store = await backend.open();
    await store.journal.put(entry('j1', 'bot-a', 1));
    await Promise.all(['m1', 'm2', 'm3', 'm4', 'm5'].map((m) => store.journal.addMessage('j1', m)));
    expect((await store.journal.get('j1'))?.messages).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
  });

  it('moves an entry put again under another owner', async () => {
    const store = await backend.open();
    await store.journal.put(entry('j1', 'bot-a', 1));
    await store.journal.put({ ...entry('j1', 'bot-b', 1), messages: ['m1'] });
    expect(await store.journal.list('bot-a')).toEqual([]);
    expect(await store.journal.list('bot-b')).toEqual([{ ...entry('j1', 'bot-b', 1), messages: ['m1'] }]);
  });

  it("keeps its running jobs' entries in memory for their updates: removed stays removed, released reads the store again", async () => {
    const store = await backend.open();
    const other = await store.reopen();
    const { journal } = store;
    await journal.put(entry('j1', 'bot-a', 1));
    for (let i = 0; i < 5; i++) await journal.setView('j1', 'm1', { part: 0, text: `text ${i}` });
    await journal.addMessage('j1', 'm1');
    expect(await other.journal.get('j1')).toMatchObject({ messages: ['m1'], views: { m1: { part: 0, text: 'text 4' } } });
    // removed: a late update does not bring it back
    await journal.remove('j1');
    await journal.setView('j1', 'm1', { part: 0, text: 'late' });
    expect(await other.journal.get('j1')).toBeUndefined();
    // released (the job ended, the entry stays for another worker): the next update starts from what the store holds
    await journal.put(entry('j2', 'bot-a', 2));
    journal.release('j2');
    await other.journal.addMessage('j2', 'from-other');
    await journal.addMessage('j2', 'mine');
    expect((await other.journal.get('j2'))?.messages).toEqual(['from-other', 'mine']);
  });

  it('sees the entries of another process on the same back end', async () => {
    const store = await backend.open();
    const other = await store.reopen();
    await store.journal.put(entry('j1', 'bot-a', 1));
    await other.journal.put(entry('j2', 'bot-b', 2));
    expect(await other.journal.list('bot-a')).toEqual([entry('j1', 'bot-a', 1)]);
    expect(await store.journal.list('bot-b')).toEqual([entry('j2', 'bot-b', 2)]);
  });

  it('reads an entry of an unknown schema version as absent, and drops it from the owner list', async () => {
    const store = await backend.open();
    await store.journal.put(entry('j1', 'bot-a', 1));
    await store.journal.put(entry('j2', 'bot-a', 2));
    await store.writeRaw('journal', 'job:j2', 2, { ...entry('j2', 'bot-a', 2) });
    expect(await store.journal.get('j2')).toBeUndefined();
    expect(await store.journal.list('bot-a')).toEqual([entry('j1', 'bot-a', 1)]);
  });
});

const MINUTE = 60_000;

describe.each(BACKENDS)('job journal expiry on $name', (backend) => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** A private interaction reply: its place holds a token issued at `createdAt`. */
  const tokenEntry = (jobId: string, createdAt: number): JournalEntry => ({
    ...entry(jobId, 'bot-a', createdAt), place: { kind: 'interaction', token: 'aW50ZXJhY3Rpb24', createdAt, channelId: 'c1', ephemeral: true },
  });

  /** Moves the clock Keyv judges expiry by (the back end's own expiry is checked on Redis below). */
  const at = (ms: number) => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(ms);
  };

  it('drops an entry with an interaction token soon after the token died; any other a day after its last write', async () => {
    const store = await backend.open();
    const t0 = Date.now();
    await store.journal.put(tokenEntry('private', t0));
    await store.journal.put(entry('plain', 'bot-a', t0));
    const tokenGone = t0 + INTERACTION_TOKEN_LIFE_MS + TOKEN_ENTRY_MARGIN_MS;
    at(tokenGone - MINUTE);
    expect((await store.journal.list('bot-a')).map((e) => e.jobId)).toEqual(['plain', 'private']);
    at(tokenGone + MINUTE);
    expect(await store.journal.get('private')).toBeUndefined();
    expect((await store.journal.list('bot-a')).map((e) => e.jobId)).toEqual(['plain']);
    // each write keeps an entry a day more
    at(t0 + ENTRY_KEEP_MS - MINUTE);
    await store.journal.addMessage('plain', 'm1');
    at(t0 + ENTRY_KEEP_MS + MINUTE);
    expect((await store.journal.get('plain'))?.messages).toEqual(['m1']);
    at(t0 + 2 * ENTRY_KEEP_MS);
    expect(await store.journal.get('plain')).toBeUndefined();
    expect(await store.journal.list('bot-a')).toEqual([]);
  });

  it('keeps an entry whose token died while its job still writes it', async () => {
    const store = await backend.open();
    const t0 = Date.now();
    await store.journal.put(tokenEntry('long', t0));
    const late = t0 + INTERACTION_TOKEN_LIFE_MS + TOKEN_ENTRY_MARGIN_MS - MINUTE;
    at(late);
    await store.journal.setView('long', 'm1', { part: 0, text: 'still going' });
    at(late + RUNNING_ENTRY_KEEP_MS - MINUTE);
    expect((await store.journal.get('long'))?.views).toEqual({ m1: { part: 0, text: 'still going' } });
    at(late + RUNNING_ENTRY_KEEP_MS + MINUTE);
    expect(await store.journal.get('long')).toBeUndefined();
  });

  it.runIf(backend.name === 'redis')('gives the Redis key the same expiry, so Redis itself deletes it', async () => {
    const prefix = `test-${randomUUID()}`;
    const store = await backend.open({ prefix });
    await store.journal.put(tokenEntry('private', Date.now()));
    await store.journal.put(entry('plain', 'bot-a', Date.now()));
    const client = createClient({ url: store.url });
    await client.connect();
    try {
      const ttl = (jobId: string) => client.pTTL(`${prefix}:journal::job:${jobId}`);
      const privateTtl = await ttl('private');
      expect(privateTtl).toBeGreaterThan(INTERACTION_TOKEN_LIFE_MS);
      expect(privateTtl).toBeLessThanOrEqual(INTERACTION_TOKEN_LIFE_MS + TOKEN_ENTRY_MARGIN_MS);
      expect(await ttl('plain')).toBeGreaterThan(ENTRY_KEEP_MS - MINUTE);
      await store.journal.addEffect('plain', 'voice:1');
      expect(await ttl('plain')).toBeGreaterThan(ENTRY_KEEP_MS - MINUTE); // an update keeps an expiry
    } finally {
      await client.close();
    }
  });
});
