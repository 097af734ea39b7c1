import { describe, expect, it } from 'vitest';
import { BACKENDS } from './test-backends.js';

describe.each(BACKENDS)('settings on $name', (backend) => {
  it('reads empty settings for someone never seen', async () => {
    const store = await backend.open();
    expect(await store.settings.getUser('discord', 'u1')).toEqual({});
    expect(await store.settings.getServer('slack', 'T1')).toEqual({});
  });

  it('merges user patches, clears a key set to undefined, and keeps platforms apart', async () => {
    const store = await backend.open();
    expect(await store.settings.setUser('discord', 'u1', { target: 'ja' })).toEqual({ target: 'ja' });
    expect(await store.settings.setUser('discord', 'u1', { voice: 'Cherry', textOnly: false })).toEqual({
      target: 'ja',
      voice: 'Cherry',
      textOnly: false,
    });
    await store.settings.setUser('slack', 'u1', { target: 'fr' });

    expect(await store.settings.setUser('discord', 'u1', { target: undefined })).toEqual({ voice: 'Cherry', textOnly: false });
    expect(await store.settings.getUser('discord', 'u1')).toEqual({ voice: 'Cherry', textOnly: false });
    expect(await store.settings.getUser('slack', 'u1')).toEqual({ target: 'fr' });
    expect(await store.settings.getUser('discord', 'u2')).toEqual({});

    // Clearing everything leaves empty settings, as for someone never seen.
    await store.settings.setUser('slack', 'u1', { target: undefined });
    expect(await store.settings.getUser('slack', 'u1')).toEqual({});
  });

  it('merges server patches (channels, auto-translate) per server', async () => {
    const store = await backend.open();
    await store.settings.setServer('discord', 'g1', { defaultTarget: 'en', channels: ['c1', 'c2'] });
    await store.settings.setServer('discord', 'g1', { autoTranslate: { c1: ['ja', 'ko'] } });
    await store.settings.setServer('discord', 'g2', { defaultTarget: 'de' });
    expect(await store.settings.getServer('discord', 'g1')).toEqual({
      defaultTarget: 'en',
      channels: ['c1', 'c2'],
      autoTranslate: { c1: ['ja', 'ko'] },
    });
    expect(await store.settings.setServer('discord', 'g1', { channels: undefined })).toEqual({
      defaultTarget: 'en',
      autoTranslate: { c1: ['ja', 'ko'] },
    });
    expect(await store.settings.getServer('discord', 'g2')).toEqual({ defaultTarget: 'de' });
    expect(await store.settings.getServer('slack', 'g1')).toEqual({});
  });

  it('loses no patch when several land at once', async () => {
    const store = await backend.open();
    await Promise.all([
      store.settings.setUser('discord', 'u1', { target: 'ja' }),
      store.settings.setUser('discord', 'u1', { voice: 'Ethan' }),
      store.settings.setUser('discord', 'u1', { textOnly: true }),
    ]);
    expect(await store.settings.getUser('discord', 'u1')).toEqual({ target: 'ja', voice: 'Ethan', textOnly: true });
  });

  it('reads a value of an unknown schema version as absent', async () => {
    const store = await backend.open();
    await store.writeRaw('settings', 'user:discord:u1', 1, { target: 'fr' });
    await store.writeRaw('settings', 'server:discord:g1', 2, { defaultTarget: 'fr' });
    expect(await store.settings.getUser('discord', 'u1')).toEqual({ target: 'fr' });
    expect(await store.settings.getServer('discord', 'g1')).toEqual({});
    await store.writeRaw('settings', 'user:discord:u1', 2, { target: 'de' });
    expect(await store.settings.getUser('discord', 'u1')).toEqual({});
  });
});
