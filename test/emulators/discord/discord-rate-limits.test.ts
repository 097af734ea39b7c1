// Rate-limit headers, 429s (bucket, global, injected) and injected 5xx, and how @discordjs/rest reacts to them.

import { Client, GatewayIntentBits, HTTPError, RateLimitError, Routes, type TextChannel } from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from './test-support.js';

let w: TestWorld;
let client: Client;
let channel: TextChannel;

beforeAll(async () => {
  w = await startWorld();
  client = await w.connect();
  channel = client.channels.cache.get(w.channel.id) as TextChannel;
});
afterAll(() => w.close());

const botFetch = (path: string, init: RequestInit = {}) =>
  fetch(`${w.emu.apiUrl}/v10${path}`, {
    ...init,
    headers: { authorization: `Bot ${w.emu.botToken}`, 'content-type': 'application/json', ...init.headers },
  });

describe('discord emulator: rate limits and faults', () => {
  it('announces buckets on every answer and answers a spent bucket with 429 like Discord', async () => {
    const sent = await channel.send('edit me');
    const path = `/channels/${w.channel.id}/messages/${sent.id}`;
    const answers = [];
    for (let n = 0; n < 6; n++) answers.push(await botFetch(path, { method: 'PATCH', body: JSON.stringify({ content: `v${n}` }) }));
    const first = answers[0]!;
    expect(first.headers.get('x-ratelimit-limit')).toBe('5');
    expect(first.headers.get('x-ratelimit-remaining')).toBe('4');
    expect(Number(first.headers.get('x-ratelimit-reset-after'))).toBeGreaterThan(4.5);
    expect(first.headers.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]{32}$/);
    const last = answers[5]!;
    expect(last.status).toBe(429);
    expect(last.headers.get('retry-after')).toMatch(/^[1-5]$/);
    expect(last.headers.get('x-ratelimit-scope')).toBe('user');
    expect(await last.json()).toMatchObject({ message: 'You are being rate limited.', global: false, retry_after: expect.any(Number) });
    expect(w.emu.rateLimited.map((c) => c.route)).toEqual(['PATCH /channels/:channel/messages/:message']);
    expect(w.emu.message(sent.id)?.content).toBe('v4');
  });

  it('enforces the global 50 requests per second for bot-token requests', async () => {
    // 150 at once: even on a loaded machine, where the burst may spread over a few seconds, some second gets more than 50
    const before = w.emu.calls.length;
    const answers = await Promise.all(Array.from({ length: 150 }, () => botFetch('/users/@me')));
    const limited = answers.filter((a) => a.status === 429);
    expect(limited.length).toBeGreaterThanOrEqual(1);
    // at most 50 in each one-second window the burst spanned
    const served = w.emu.calls.slice(before).filter((c) => c.route === 'GET /users/@me' && c.status === 200).map((c) => c.at);
    const windows = Math.ceil((Math.max(...served) - Math.min(...served)) / 1000) + 1;
    expect(served.length).toBeLessThanOrEqual(50 * windows);
    expect(served.length).toBeLessThan(answers.length);
    expect(limited.every((a) => a.headers.get('x-ratelimit-global') === 'true')).toBe(true);
    expect(await limited[0]!.json()).toMatchObject({ global: true, message: 'You are being rate limited.' });
  });

  it('injects 5xx: discord.js retries three times, then throws HTTPError', async () => {
    w.emu.inject({ kind: '5xx', route: /^POST \/channels\/\d+\/messages$/ });
    await expect(channel.send('after one 500')).resolves.toMatchObject({ content: 'after one 500' });
    w.emu.inject({ kind: '5xx', route: /^POST \/channels\/\d+\/messages$/, status: 502, times: 4 });
    const err = await channel.send('never').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HTTPError);
    expect((err as HTTPError).status).toBe(502);
    const statuses = w.emu.calls.filter((c) => c.fault === 'injected').map((c) => c.status);
    expect(statuses).toEqual([500, 502, 502, 502, 502]);
  });

  it('injects 429: discord.js waits Retry-After and retries, or rejects when told to', async () => {
    const before = w.emu.rateLimited.length;
    w.emu.inject({ kind: '429', route: /\/messages$/, retryAfter: 0.3 });
    const started = Date.now();
    await expect(channel.send('after a 429')).resolves.toBeTruthy();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000); // the header says 1 (whole seconds, rounded up)
    expect(w.emu.rateLimited.slice(before)).toMatchObject([{ status: 429, fault: 'injected', retryAfter: 0.3, global: false }]);

    const strict = new Client({ intents: [GatewayIntentBits.Guilds], rest: { api: w.emu.apiUrl, rejectOnRateLimit: ['/channels'] } });
    strict.rest.setToken(w.emu.botToken);
    w.emu.inject({ kind: '429', route: /\/messages$/, retryAfter: 2 });
    const err = await strict.rest.post(Routes.channelMessages(w.channel.id), { body: { content: 'x' } }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(RateLimitError);
    expect((err as RateLimitError).retryAfter).toBeGreaterThanOrEqual(2000);
    await strict.destroy();
  });
});
