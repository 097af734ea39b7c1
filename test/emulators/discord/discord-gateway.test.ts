// The gateway against the real discord.js Client: login, GUILD_CREATE caching, intents, MessageContent, resume.

import { Events, GatewayIntentBits, PermissionFlagsBits, type Message, type TextChannel } from 'discord.js';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { fakeOggOpus, startWorld, waveform, type TestWorld } from './test-support.js';

let w: TestWorld | undefined;
afterEach(async () => {
  await w?.close();
  w = undefined;
});

const nextMessage = (client: import('discord.js').Client): Promise<Message> =>
  new Promise((resolve) => client.once(Events.MessageCreate, resolve));

describe('discord emulator: gateway', () => {
  it('logs discord.js in and caches the guild, its channels and permission overwrites', async () => {
    w = await startWorld();
    const quiet = w.emu.createChannel(w.guild.id, { name: 'no-voice', allowVoiceMessages: false });
    const client = await w.connect();
    expect(client.user?.id).toBe(w.emu.botUserId);
    expect(client.application?.id).toBe(w.emu.applicationId);
    const guild = client.guilds.cache.get(w.guild.id);
    expect(guild?.name).toBe('Test Server');
    expect(guild?.channels.cache.get(w.channel.id)?.name).toBe('general');
    const me = guild?.members.me;
    expect(me).toBeTruthy();
    const perms = (id: string) => guild?.channels.cache.get(id)?.permissionsFor(me!);
    expect(perms(w.channel.id)?.has(PermissionFlagsBits.SendVoiceMessages)).toBe(true);
    expect(perms(quiet.id)?.has(PermissionFlagsBits.SendVoiceMessages)).toBe(false);
    expect(w.emu.identifies).toHaveLength(1);
    expect(w.emu.identifies[0]?.intents).toBe(
      GatewayIntentBits.Guilds | GatewayIntentBits.GuildMessages | GatewayIntentBits.GuildMessageReactions | GatewayIntentBits.MessageContent,
    );
    expect(w.emu.calls[0]).toMatchObject({ method: 'GET', route: 'GET /gateway/bot', auth: 'bot', status: 200 });

    const created = new Promise((resolve) => client.once(Events.ChannelCreate, resolve));
    const later = w.emu.createChannel(w.guild.id, { name: 'later' });
    await created;
    expect(guild?.channels.cache.get(later.id)?.name).toBe('later');
  });

  it('refuses a bad token over REST (401) and over the gateway (4004), and a wrong version (4012)', async () => {
    w = await startWorld();
    const res = await fetch(`${w.emu.apiUrl}/v10/users/@me`, { headers: { authorization: 'Bot nope' } });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ message: '401: Unauthorized', code: 0 });

    const closeCode = (url: string, identify?: unknown) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(url);
        ws.on('message', (raw) => {
          if ((JSON.parse(raw.toString()) as { op: number }).op === 10 && identify) ws.send(JSON.stringify(identify));
        });
        ws.on('close', (code) => resolve(code));
      });
    const identify = { op: 2, d: { token: 'wrong', intents: 1, properties: {} } };
    expect(await closeCode(`${w.emu.gatewayUrl}?v=10&encoding=json`, identify)).toBe(4004);
    expect(await closeCode(`${w.emu.gatewayUrl}?v=9&encoding=json`)).toBe(4012);
  });

  it('closes with 4014 when MessageContent is asked for but not enabled for the app', async () => {
    w = await startWorld({ grantMessageContent: false });
    await expect(w.connect()).rejects.toThrow(/disallowed intents/i);
    expect(w.emu.identifies[0]).toMatchObject({ accepted: false, closeCode: 4014 });
  });

  it('dispatches MESSAGE_CREATE with content only to sessions holding MessageContent', async () => {
    w = await startWorld();
    const full = await w.connect();
    const limited = await w.connect({ intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages] });
    const [a, b] = [nextMessage(full), nextMessage(limited)];
    const data = fakeOggOpus();
    w.emu.postUserMessage(w.channel.id, w.alice.id, {
      files: [{ name: 'voice-message.ogg', data, contentType: 'audio/ogg', durationSecs: 2.5, waveform: waveform() }],
      voiceMessage: true,
    });
    const [seen, hidden] = await Promise.all([a, b]);
    expect(seen.author.id).toBe(w.alice.id);
    expect(seen.attachments.first()).toMatchObject({ name: 'voice-message.ogg', contentType: 'audio/ogg', duration: 2.5 });
    expect(seen.flags.has('IsVoiceMessage')).toBe(true);
    expect(hidden.attachments.size).toBe(0);
    expect(hidden.content).toBe('');

    const mention = nextMessage(limited);
    w.emu.postUserMessage(w.channel.id, w.alice.id, { content: `<@${w.emu.botUserId}> hi` });
    expect((await mention).content).toBe(`<@${w.emu.botUserId}> hi`);
  });

  it('resumes after the socket dies and replays what was dispatched meanwhile', async () => {
    w = await startWorld();
    const client = await w.connect();
    const resumed = new Promise((resolve) => client.once(Events.ShardResume, resolve));
    w.emu.disconnectGateway();
    w.emu.postUserMessage(w.channel.id, w.alice.id, { content: 'while you were away' });
    const got = await nextMessage(client);
    await resumed;
    expect(got.content).toBe('while you were away');
    expect(w.emu.identifies).toHaveLength(1);
    expect(w.emu.gateway.resumes).toHaveLength(1);
    expect(w.emu.gateway.resumes[0]?.replayed).toBe(1);
    expect(w.emu.gateway.connected).toBe(1);
    const channel = client.channels.cache.get(w.channel.id) as TextChannel;
    await expect(channel.send('still works')).resolves.toMatchObject({ content: 'still works' });
  });

  it('acknowledges heartbeats', async () => {
    w = await startWorld({ heartbeatIntervalMs: 150 });
    const client = await w.connect();
    await w.emu.waitFor(() => w!.emu.gateway.heartbeats >= 2, 3000);
    expect(client.ws.ping).toBeGreaterThanOrEqual(0);
    expect(client.ws.status).toBe(0); // Ready: no zombie-connection reconnects
    expect(w.emu.identifies).toHaveLength(1);
  });
});
