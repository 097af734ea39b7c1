import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { Usage } from '../translator/types.js';
import { BACKENDS } from './test-backends.js';
import type { CachedResult } from './types.js';

const usage: Usage = {
  inputTokens: 120,
  outputTokens: 80,
  totalTokens: 200,
  inputAudioTokens: 100,
  inputVideoTokens: 0,
  inputTextTokens: 20,
  outputAudioTokens: 50,
  outputTextTokens: 30,
};

function result(ogg: Buffer | undefined, text = 'こんにちは :colon-first text'): CachedResult {
  return {
    text,
    voiceNote: ogg ? { ogg, durationSecs: 2.5, waveform: 'AAECAw==', sampleRate: 48_000, samples: 120_000 } : undefined,
    usage,
    truncated: false,
    createdAt: 1_700_000_000_000,
  };
}

const HOUR = 60 * 60 * 1000;

describe.each(BACKENDS)('result cache on $name', (backend) => {
  it('returns the same result, the voice note as a Buffer with the same bytes', async () => {
    const store = await backend.open();
    const ogg = Buffer.concat([Buffer.from('OggS'), randomBytes(64 * 1024), Buffer.from([0, 255, 0x3a])]);
    await store.cache.set('hash-1|ja|Cherry|voice', result(ogg));

    const got = await store.cache.get('hash-1|ja|Cherry|voice');
    expect(got).toBeDefined();
    expect(Buffer.isBuffer(got?.voiceNote?.ogg)).toBe(true);
    expect(got?.voiceNote?.ogg.equals(ogg)).toBe(true);
    expect({ ...got, voiceNote: { ...got?.voiceNote, ogg: undefined } }).toEqual({
      ...result(ogg),
      voiceNote: { ...result(ogg).voiceNote, ogg: undefined },
    });
    expect(await store.cache.get('hash-1|ja|Cherry|text')).toBeUndefined();
  });

  it('keeps a text-only result', async () => {
    const store = await backend.open();
    await store.cache.set('k', { text: 'hello', truncated: true, createdAt: 5 });
    expect(await store.cache.get('k')).toEqual({ text: 'hello', truncated: true, createdAt: 5 });
  });

  it('expires entries and file hashes after the max age, by the injected clock', async () => {
    let now = Date.UTC(2025, 0, 1);
    const store = await backend.open({ cacheMaxAgeMs: 2 * HOUR, now: () => now });
    await store.cache.set('k', result(Buffer.from('ogg')));
    await store.cache.setFileHash('discord:att-1', 'sha256-abc');

    now += 2 * HOUR - 1;
    expect((await store.cache.get('k'))?.text).toBe(result(undefined).text);
    expect(await store.cache.getFileHash('discord:att-1')).toBe('sha256-abc');

    now += 1;
    expect(await store.cache.get('k')).toBeUndefined();
    expect(await store.cache.getFileHash('discord:att-1')).toBeUndefined();
    // Gone for good, not just hidden: a clock turned back does not bring it back.
    now -= HOUR;
    expect(await store.cache.get('k')).toBeUndefined();
  });

  it('drops entries after the max age with the real clock', async () => {
    const store = await backend.open({ cacheMaxAgeMs: 80 });
    await store.cache.set('k', result(undefined));
    await store.cache.setFileHash('f', 'h');
    expect(await store.cache.get('k')).toBeDefined();
    await new Promise((r) => setTimeout(r, 150));
    expect(await store.cache.get('k')).toBeUndefined();
    expect(await store.cache.getFileHash('f')).toBeUndefined();
  });

  it('does not store an entry over the per-entry cap, and stores one under it', async () => {
    const store = await backend.open({ cacheMaxEntryBytes: 100_000 });
    await store.cache.set('small', result(randomBytes(60_000)));
    await store.cache.set('large', result(randomBytes(80_000))); // ~107 KB as base64
    expect(await store.cache.get('small')).toBeDefined();
    expect(await store.cache.get('large')).toBeUndefined();
  });

  it('maps platform file ids to content hashes', async () => {
    const store = await backend.open();
    expect(await store.cache.getFileHash('slack:F1')).toBeUndefined();
    await store.cache.setFileHash('slack:F1', 'hash-a');
    await store.cache.setFileHash('discord:F1', 'hash-b');
    await store.cache.setFileHash('slack:F1', 'hash-c');
    expect(await store.cache.getFileHash('slack:F1')).toBe('hash-c');
    expect(await store.cache.getFileHash('discord:F1')).toBe('hash-b');
  });

  it('reads an entry of an unknown schema version as absent', async () => {
    const store = await backend.open();
    const stored = { text: 't', truncated: false, createdAt: 1, expiresAt: Date.now() + HOUR };
    await store.writeRaw('cache', 'result:k1', 1, stored);
    await store.writeRaw('cache', 'result:k2', 2, stored);
    await store.writeRaw('cache', 'file:f2', 2, { hash: 'h', expiresAt: Date.now() + HOUR });
    expect(await store.cache.get('k1')).toEqual({ text: 't', truncated: false, createdAt: 1 });
    expect(await store.cache.get('k2')).toBeUndefined();
    expect(await store.cache.getFileHash('f2')).toBeUndefined();
  });
});
