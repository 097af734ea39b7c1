import { describe, expect, it } from 'vitest';
import type { Usage } from '../translator/types.js';
import { BACKENDS } from './test-backends.js';

const tokens = (inputTokens: number, outputTokens: number): Usage => ({
  inputTokens,
  outputTokens,
  totalTokens: inputTokens + outputTokens,
  inputAudioTokens: inputTokens,
  inputVideoTokens: 0,
  inputTextTokens: 0,
  outputAudioTokens: outputTokens,
  outputTextTokens: 0,
});

const totals = (inputTokens: number, outputTokens: number, jobs: number) => ({
  inputTokens,
  outputTokens,
  totalTokens: inputTokens + outputTokens,
  jobs,
});

const ZERO = totals(0, 0, 0);

// Around the end of January 2025, UTC.
const jan31Late = Date.UTC(2025, 0, 31, 23, 59, 59, 999);
const jan31Noon = Date.UTC(2025, 0, 31, 12);
const jan30 = Date.UTC(2025, 0, 30, 8);
const feb1Early = Date.UTC(2025, 1, 1, 0, 0, 0, 0);

describe.each(BACKENDS)('usage ledger on $name', (backend) => {
  it('totals per server per month and per user per day and month, across users, servers and UTC boundaries', async () => {
    const store = await backend.open();
    const { usage } = store;
    await usage.record({ platform: 'discord', serverId: 'g1', userId: 'alice', usage: tokens(100, 10), at: jan30 });
    await usage.record({ platform: 'discord', serverId: 'g1', userId: 'alice', usage: tokens(200, 20), at: jan31Noon });
    await usage.record({ platform: 'discord', serverId: 'g2', userId: 'alice', usage: tokens(300, 30), at: jan31Late });
    await usage.record({ platform: 'discord', serverId: 'g1', userId: 'bob', usage: tokens(1_000, 100), at: jan31Late });
    await usage.record({ platform: 'discord', serverId: 'g1', userId: 'alice', usage: tokens(5, 1), at: feb1Early });
    await usage.record({ platform: 'slack', serverId: 'g1', userId: 'alice', usage: tokens(7, 7), at: jan31Noon });

    // Server months: g1 in January had alice twice and bob once; February only alice's last job.
    expect(await usage.serverMonth('discord', 'g1', jan30)).toEqual(totals(1_300, 130, 3));
    expect(await usage.serverMonth('discord', 'g1', feb1Early)).toEqual(totals(5, 1, 1));
    expect(await usage.serverMonth('discord', 'g2', jan31Noon)).toEqual(totals(300, 30, 1));
    expect(await usage.serverMonth('slack', 'g1', jan31Noon)).toEqual(totals(7, 7, 1));

    // User months count every server of the platform.
    expect(await usage.userMonth('discord', 'alice', jan31Late)).toEqual(totals(600, 60, 3));
    expect(await usage.userMonth('discord', 'alice', feb1Early)).toEqual(totals(5, 1, 1));
    expect(await usage.userMonth('discord', 'bob', jan30)).toEqual(totals(1_000, 100, 1));

    // User days: 23:59:59.999 is still the 31st; 00:00 is the 1st.
    expect(await usage.userDay('discord', 'alice', jan30)).toEqual(totals(100, 10, 1));
    expect(await usage.userDay('discord', 'alice', jan31Noon)).toEqual(totals(500, 50, 2));
    expect(await usage.userDay('discord', 'alice', feb1Early)).toEqual(totals(5, 1, 1));
    expect(await usage.userDay('discord', 'bob', jan30)).toEqual(ZERO);

    // Nobody seen: zeros.
    expect(await usage.serverMonth('discord', 'g9', jan30)).toEqual(ZERO);
    expect(await usage.userMonth('slack', 'bob', jan30)).toEqual(ZERO);
  });

  it('loses no record when many land at once', async () => {
    const store = await backend.open();
    await Promise.all(
      Array.from({ length: 40 }, () => store.usage.record({ platform: 'slack', serverId: 'T1', userId: 'U1', usage: tokens(3, 2), at: jan30 })),
    );
    expect(await store.usage.serverMonth('slack', 'T1', jan30)).toEqual(totals(120, 80, 40));
    expect(await store.usage.userDay('slack', 'U1', jan30)).toEqual(totals(120, 80, 40));
  });

  it('reads totals of an unknown schema version as zero', async () => {
    const store = await backend.open();
    await store.writeRaw('usage', 'server-month:discord:g1:2025-01', 1, totals(4, 4, 1));
    await store.writeRaw('usage', 'server-month:discord:g2:2025-01', 2, totals(9, 9, 9));
    expect(await store.usage.serverMonth('discord', 'g1', jan30)).toEqual(totals(4, 4, 1));
    expect(await store.usage.serverMonth('discord', 'g2', jan30)).toEqual(ZERO);
  });
});

describe('usage ledger on redis, several processes', () => {
  it('loses no record when processes record into the same buckets at once (HINCRBY)', async () => {
    const redis = BACKENDS.find((b) => b.name === 'redis');
    const first = await redis!.open();
    const processes = [first, await first.reopen(), await first.reopen()];
    await Promise.all(
      Array.from({ length: 60 }, (_, i) =>
        processes[i % processes.length]!.usage.record({ platform: 'discord', serverId: 'g1', userId: `u${i % 2}`, usage: tokens(10, 1), at: jan30 }),
      ),
    );
    expect(await first.usage.serverMonth('discord', 'g1', jan30)).toEqual(totals(600, 60, 60));
    expect(await first.usage.userDay('discord', 'u0', jan30)).toEqual(totals(300, 30, 30));
  });
});
