// Sharding as Discord does it: IDENTIFY's shard [id, count] routes guild events by (guild_id >> 22) % count,
// GET /gateway/bot recommends a count, an invalid shard is closed 4010 and too many guilds on one session 4011.

import { Events, type Client, type Interaction, type Message, type MessageReaction } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { shardOf, type Guild } from './index.js';
import { REACTION_PARTIALS, sleep, startWorld, type TestWorld } from './test-support.js';

let w: TestWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

/** Everything a client is dispatched of the three kinds, with the guild it was about. */
function watch(client: Client): { kind: string; guildId: string | null }[] {
  const seen: { kind: string; guildId: string | null }[] = [];
  client.on(Events.MessageCreate, (m: Message) => seen.push({ kind: 'message', guildId: m.guildId }));
  client.on(Events.MessageReactionAdd, (r) => seen.push({ kind: 'reaction', guildId: (r as MessageReaction).message.guildId }));
  client.on(Events.InteractionCreate, (i: Interaction) => seen.push({ kind: 'interaction', guildId: i.guildId }));
  return seen;
}

/** A raw gateway session: IDENTIFY with `shard` (absent when undefined); resolves with READY's d or the close code. */
function identify(w: TestWorld, shard?: unknown): Promise<{ ready?: Record<string, unknown>; close?: number }> {
  return new Promise((resolve) => {
    const ws = new WebSocket(`${w.emu.gatewayUrl}?v=10&encoding=json`);
    ws.on('message', (raw) => {
      const p = JSON.parse(raw.toString()) as { op: number; t?: string; d: Record<string, unknown> };
      if (p.op === 10) ws.send(JSON.stringify({ op: 2, d: { token: w.emu.botToken, intents: 1, properties: {}, ...(shard !== undefined ? { shard } : {}) } }));
      if (p.t === 'READY') {
        resolve({ ready: p.d });
        ws.close(1000);
      }
    });
    ws.on('close', (code) => resolve({ close: code }));
  });
}

describe('discord emulator: sharding', () => {
  it('computes the shard of a guild as Discord documents it', () => {
    // Discord's documented example: guild 81384788765712384 on 17 shards is shard 7
    expect(shardOf('81384788765712384', 17)).toBe(7);
    expect(shardOf('81384788765712384', 1)).toBe(0);
  });

  it('sends each shard only its guilds: READY, GUILD_CREATE, messages, reactions and interactions', async () => {
    w = await startWorld();
    const g0 = w.emu.createGuild({ name: 'even', shard: [0, 2] });
    const g1 = w.emu.createGuild({ name: 'odd', shard: [1, 2] });
    expect([shardOf(g0.id, 2), shardOf(g1.id, 2)]).toEqual([0, 1]);
    const c0 = w.emu.createChannel(g0.id);
    const c1 = w.emu.createChannel(g1.id);
    const all: Guild[] = [w.guild, g0, g1];
    const on = (shard: number) => all.filter((g) => shardOf(g.id, 2) === shard).map((g) => g.id).sort();

    const zero = await w.connect({ shards: [0], shardCount: 2, partials: REACTION_PARTIALS });
    const one = await w.connect({ shards: [1], shardCount: 2, partials: REACTION_PARTIALS });
    expect([...zero.guilds.cache.keys()].sort()).toEqual(on(0));
    expect([...one.guilds.cache.keys()].sort()).toEqual(on(1));
    expect(w.emu.identifies.map((i) => i.shard)).toEqual([[0, 2], [1, 2]]);
    const [seen0, seen1] = [watch(zero), watch(one)];

    // a guild command in each guild, then a message, a reaction and a slash command in each
    for (const [client, g] of [[zero, g0], [one, g1]] as const) {
      await client.application!.commands.set([{ name: 'ping', description: 'ping' }], g.id);
    }
    for (const c of [c0, c1]) {
      const m = w.emu.postUserMessage(c.id, w.alice.id, { content: `hello ${c.guildId}` });
      w.emu.addReaction(c.id, m.id, w.alice.id, '🇯🇵');
      await w.emu.slashCommand({ userId: w.alice.id, channelId: c.id, name: 'ping' });
    }
    await w.emu.waitFor(() => seen0.length >= 3 && seen1.length >= 3);
    await sleep(100); // anything misrouted would have arrived by now
    expect(seen0).toEqual(['message', 'reaction', 'interaction'].map((kind) => ({ kind, guildId: g0.id })));
    expect(seen1).toEqual(['message', 'reaction', 'interaction'].map((kind) => ({ kind, guildId: g1.id })));

    const [s0, s1] = w.emu.gateway.sessions;
    expect(s0).toMatchObject({ shard: [0, 2], connected: true });
    expect(s1).toMatchObject({ shard: [1, 2], connected: true });
    expect([...s0!.guildIds].sort()).toEqual(on(0));
    expect([...s1!.guildIds].sort()).toEqual(on(1));
  });

  it("recommends a shard count in GET /gateway/bot, which discord.js's shards: 'auto' runs in one client", async () => {
    w = await startWorld({ recommendedShards: 2, maxConcurrency: 2 });
    const g0 = w.emu.createGuild({ shard: [0, 2] });
    const g1 = w.emu.createGuild({ shard: [1, 2] });
    const client = await w.connect({ shards: 'auto' });
    expect(client.options.shardCount).toBe(2);
    expect(w.emu.identifies.map((i) => i.shard).sort()).toEqual([[0, 2], [1, 2]]);
    for (const id of [w.guild.id, g0.id, g1.id]) expect(client.guilds.cache.get(id)?.shardId).toBe(shardOf(id, 2));
    const res = await fetch(`${w.emu.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${w.emu.botToken}` } });
    expect(await res.json()).toMatchObject({ shards: 2, session_start_limit: { max_concurrency: 2 } });
  });

  it('recommends one shard per 1000 guilds by default', async () => {
    w = await startWorld();
    const shards = async () =>
      ((await (await fetch(`${w!.emu.apiUrl}/v10/gateway/bot`, { headers: { authorization: `Bot ${w!.emu.botToken}` } })).json()) as { shards: number }).shards;
    expect(await shards()).toBe(1);
    for (let i = 0; i < 1000; i++) w.emu.createGuild();
    expect(await shards()).toBe(2);
  });

  it('closes an invalid shard with 4010 "Invalid shard"', async () => {
    w = await startWorld();
    for (const shard of [[2, 2], [-1, 2], [0, 0], [1], '0/2', [0.5, 2]]) {
      expect(await identify(w, shard)).toEqual({ close: 4010 });
    }
    expect(w.emu.identifies.every((i) => !i.accepted && i.closeCode === 4010)).toBe(true);
    const ready = await identify(w, [1, 3]);
    expect(ready.ready?.shard).toEqual([1, 3]);
    expect(ready.ready?.guilds).toEqual(shardOf(w.guild.id, 3) === 1 ? [{ id: w.guild.id, unavailable: true }] : []);
  });

  it('closes with 4011 "Sharding required" when one session would hold more guilds than the limit', async () => {
    w = await startWorld({ maxGuildsPerShard: 2 });
    w.emu.createGuild({ shard: [0, 2] });
    w.emu.createGuild({ shard: [1, 2] });
    // three guilds in all: one unsharded session may not take them, two shards of at most two each may
    expect(await identify(w)).toEqual({ close: 4011 });
    expect(w.emu.identifies[0]).toMatchObject({ accepted: false, closeCode: 4011 });
    expect((await identify(w, [0, 2])).ready).toBeDefined();
    expect((await identify(w, [1, 2])).ready).toBeDefined();
  });
});
