// Channel messages against the real discord.js Client: voice messages (and each refusal), validation, replies,
// signed CDN URLs, reactions on uncached messages and what MessageContent hides.

import {
  AttachmentBuilder,
  DiscordAPIError,
  Events,
  GatewayIntentBits,
  MessageFlags,
  MessagePayload,
  Routes,
  type Client,
  type MessageReaction,
  type PartialMessageReaction,
  type TextChannel,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOggOpus, REACTION_PARTIALS, startWorld, waveform, type TestWorld } from './test-support.js';

let w: TestWorld;
let client: Client;
let channel: TextChannel;
const ogg = fakeOggOpus(3000);
const voiceBody = (extra: Record<string, unknown> = {}) => ({
  flags: MessageFlags.IsVoiceMessage,
  attachments: [{ id: '0', filename: 'voice-message.ogg', duration_secs: 1.5, waveform: waveform(), ...extra }],
});
const oggFile = { name: 'voice-message.ogg', data: ogg, contentType: 'audio/ogg' };

beforeAll(async () => {
  w = await startWorld();
  client = await w.connect({ partials: REACTION_PARTIALS });
  channel = client.channels.cache.get(w.channel.id) as TextChannel;
});
afterAll(() => w.close());

/** A new channel per test: message creation is limited to 5 per 5 s per channel, refused attempts included. */
const fresh = async (name: string): Promise<TextChannel> => {
  const c = w.emu.createChannel(w.guild.id, { name });
  return w.emu.waitFor(() => client.channels.cache.get(c.id) as TextChannel | undefined);
};

const codeOf = async (p: Promise<unknown>): Promise<number | string | undefined> => {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  return err instanceof DiscordAPIError ? err.code : String(err);
};

describe('discord emulator: messages', () => {
  it('accepts a voice message posted with an audio/ogg part and keeps its metadata and bytes', async () => {
    const raw = (await client.rest.post(Routes.channelMessages(w.channel.id), { files: [oggFile], body: voiceBody() })) as {
      id: string;
      flags: number;
      attachments: { id: string; duration_secs: number; waveform: string; content_type: string; url: string }[];
    };
    expect(raw.flags).toBe(MessageFlags.IsVoiceMessage);
    expect(raw.attachments[0]).toMatchObject({ duration_secs: 1.5, waveform: waveform(), content_type: 'audio/ogg' });
    const view = w.emu.message(raw.id);
    expect(view).toMatchObject({ voiceMessage: true, attachments: [{ filename: 'voice-message.ogg', durationSecs: 1.5 }] });
    expect(w.emu.file(raw.attachments[0]!.id)).toEqual(ogg);
    expect(Buffer.from(await (await fetch(raw.attachments[0]!.url)).arrayBuffer())).toEqual(ogg);
    const call = w.emu.calls.find((c) => c.path === `/channels/${w.channel.id}/messages` && c.status === 200 && c.files);
    expect(call?.files).toEqual([{ field: 'files[0]', filename: 'voice-message.ogg', contentType: 'audio/ogg', size: ogg.length }]);
    // Voice messages cannot be edited.
    expect(await codeOf(client.rest.patch(Routes.channelMessage(w.channel.id, raw.id), { body: { content: 'x' } }))).toBe(50162);
  });

  it('refuses the channel.send path, whose Buffer discord.js sniffs as application/ogg (50161)', async () => {
    const channel = await fresh('send-path');
    const builder = new AttachmentBuilder(ogg, { name: 'voice-message.ogg' }).setDuration(1.5).setWaveform(waveform());
    expect(await codeOf(channel.send({ files: [builder], flags: MessageFlags.IsVoiceMessage }))).toBe(50161);
    expect(await codeOf(channel.send({ files: [ogg], flags: MessageFlags.IsVoiceMessage }))).toBe(50161);
    const sniffed = w.emu.calls.filter((c) => c.code === 50161).map((c) => c.files?.[0]?.contentType);
    expect(sniffed).toEqual(['application/ogg', 'application/ogg']);

    // What works through discord.js structures: resolve the payload, then set the file's contentType.
    const payload = MessagePayload.create(channel, { files: [builder], flags: MessageFlags.IsVoiceMessage });
    await payload.resolveBody().resolveFiles();
    payload.files![0]!.contentType = 'audio/ogg';
    const sent = await channel.send(payload);
    expect(sent.flags.has(MessageFlags.IsVoiceMessage)).toBe(true);
    expect(sent.attachments.first()).toMatchObject({ contentType: 'audio/ogg', duration: 1.5 });
  });

  it('refuses voice messages with content (50159), not one audio file (50160), bad metadata, or where not allowed (50173)', async () => {
    const { id } = await fresh('voice-refusals');
    const post = (channelId: string, files: { name: string; data: Buffer; contentType: string }[], body: Record<string, unknown>) =>
      codeOf(client.rest.post(Routes.channelMessages(channelId), { files, body }));
    expect(await post(id, [oggFile], { ...voiceBody(), content: 'hello' })).toBe(50159);
    const two = { ...voiceBody(), attachments: [...voiceBody().attachments, { id: '1', filename: 'b.ogg' }] };
    expect(await post(id, [oggFile, { ...oggFile, name: 'b.ogg' }], two)).toBe(50160);
    const png = { name: 'x.png', data: Buffer.from('\x89PNG\r\n\x1a\n0000', 'latin1'), contentType: 'image/png' };
    expect(await post(id, [png], voiceBody({ filename: 'x.png' }))).toBe(50160);
    expect(await post(id, [oggFile], voiceBody({ waveform: undefined }))).toBe(50161);
    expect(await post(id, [oggFile], voiceBody({ waveform: Buffer.alloc(300, 1).toString('base64') }))).toBe(50035);
    const quiet = w.emu.createChannel(w.guild.id, { name: 'quiet', allowVoiceMessages: false });
    await w.emu.waitFor(() => client.channels.cache.get(quiet.id));
    const err = await client.rest.post(Routes.channelMessages(quiet.id), { files: [oggFile], body: voiceBody() }).catch((e: unknown) => e);
    expect(err).toMatchObject({ status: 403, code: 50173 });
  });

  it('validates like Discord: long content, long embeds, too many rows, empty messages', async () => {
    const channel = await fresh('validation');
    const err = (await channel.send('x'.repeat(2001)).catch((e: unknown) => e)) as DiscordAPIError;
    expect(err.code).toBe(50035);
    expect(err.rawError).toMatchObject({ message: 'Invalid Form Body', errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } });
    const embedErr = (await channel.send({ embeds: [{ description: 'y'.repeat(4097) }] }).catch((e: unknown) => e)) as DiscordAPIError;
    expect(embedErr.rawError).toMatchObject({ errors: { embeds: { '0': { description: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH' }] } } } } });
    const rows = Array.from({ length: 6 }, (_, i) => ({ type: 1, components: [{ type: 2, style: 1, custom_id: `b${i}`, label: 'B' }] }));
    expect(await codeOf(channel.send({ content: 'rows', components: rows }))).toBe(50035);
    expect(await codeOf(client.rest.post(Routes.channelMessages(channel.id), { body: { content: '   ' } }))).toBe(50006);
    await expect(channel.send('x'.repeat(2000))).resolves.toBeTruthy();
  });

  it('replies to a user message (type 19) and refuses replies to unknown messages', async () => {
    const channel = await fresh('replies');
    const got = new Promise<import('discord.js').Message>((resolve) => client.once(Events.MessageCreate, resolve));
    const posted = w.emu.postUserMessage(channel.id, w.alice.id, { content: 'translate me' });
    const reply = await (await got).reply('translated');
    expect(reply.reference?.messageId).toBe(posted.id);
    expect(w.emu.message(reply.id)).toMatchObject({ type: 19, referencedMessageId: posted.id, content: 'translated' });
    const body = { content: 'x', message_reference: { message_id: '1234567890123456789' } };
    expect(await codeOf(client.rest.post(Routes.channelMessages(channel.id), { body }))).toBe(50035);
  });

  it('signs CDN URLs: a forged or expired one is 404, a refetched message carries a fresh one', async () => {
    const posted = w.emu.postUserMessage(w.channel.id, w.alice.id, { files: [{ name: 'clip.ogg', data: ogg, contentType: 'audio/ogg' }] });
    const fetched = await channel.messages.fetch({ message: posted.id, force: true });
    const url = fetched.attachments.first()!.url;
    expect(url).toMatch(/\/attachments\/\d+\/\d+\/clip\.ogg\?ex=[0-9a-f]+&is=[0-9a-f]+&hm=[0-9a-f]{64}&$/);
    expect((await fetch(url)).status).toBe(200);
    expect((await fetch(url.replace(/hm=[0-9a-f]/, 'hm=x'))).status).toBe(404);
    w.emu.advanceTime(24 * 60 * 60 * 1000 + 1000);
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect(await gone.text()).toBe('This content is no longer available.');
    const again = await channel.messages.fetch({ message: posted.id, force: true });
    expect((await fetch(again.attachments.first()!.url)).status).toBe(200);
  });

  it('delivers reactions on uncached messages as partials; fetch() returns the attachments', async () => {
    const posted = w.emu.postUserMessage(w.channel.id, w.alice.id, {
      files: [{ name: 'voice-message.ogg', data: ogg, contentType: 'audio/ogg', durationSecs: 2, waveform: waveform() }],
      voiceMessage: true,
    });
    await w.emu.waitFor(() => channel.messages.cache.get(posted.id));
    channel.messages.cache.delete(posted.id);
    const got = new Promise<MessageReaction | PartialMessageReaction>((resolve) => client.once(Events.MessageReactionAdd, (r) => resolve(r)));
    w.emu.addReaction(w.channel.id, posted.id, w.alice.id, '🇯🇵');
    const reaction = await got;
    expect(reaction.partial).toBe(true);
    expect(reaction.emoji.name).toBe('🇯🇵');
    const message = await reaction.message.fetch();
    expect(message.attachments.first()).toMatchObject({ contentType: 'audio/ogg', duration: 2 });
    await message.react('👀');
    expect(w.emu.message(posted.id)?.reactions).toEqual({ '🇯🇵': [w.alice.id], '👀': [w.emu.botUserId] });
    await expect(client.rest.put(Routes.channelMessageOwnReaction(w.channel.id, posted.id, 'notanemoji'))).rejects.toMatchObject({ code: 10014 });
  });
});

describe('discord emulator: MessageContent not enabled for the app', () => {
  it('hides other users’ content in REST reads, but not in a context-menu target', async () => {
    const v = await startWorld({ grantMessageContent: false });
    try {
      const bot = await v.connect({
        intents: [GatewayIntentBits.Guilds, GatewayIntentBits.GuildMessages, GatewayIntentBits.GuildMessageReactions],
        partials: REACTION_PARTIALS,
      });
      await bot.application!.commands.set([{ name: 'Translate', type: 3 }]);
      const posted = v.emu.postUserMessage(v.channel.id, v.alice.id, { content: 'secret', files: [{ name: 'a.ogg', data: ogg, contentType: 'audio/ogg' }] });
      const got = new Promise<MessageReaction | PartialMessageReaction>((resolve) => bot.once(Events.MessageReactionAdd, (r) => resolve(r)));
      v.emu.addReaction(v.channel.id, posted.id, v.alice.id, '🇺🇸');
      const fetched = await (await got).message.fetch(true);
      expect(fetched.content).toBe('');
      expect(fetched.attachments.size).toBe(0);

      const menu = new Promise<import('discord.js').Interaction>((resolve) => bot.once(Events.InteractionCreate, resolve));
      await v.emu.messageCommand({ userId: v.alice.id, channelId: v.channel.id, name: 'Translate', targetMessageId: posted.id });
      const i = await menu;
      if (!i.isMessageContextMenuCommand()) throw new Error('expected a context menu command');
      expect(i.targetMessage.content).toBe('secret');
      expect(i.targetMessage.attachments.first()?.name).toBe('a.ogg');
    } finally {
      await v.close();
    }
  });
});

describe('nonce', () => {
  it('enforce_nonce: a repeat of a recent nonce answers the message already made; without it, a second message', async () => {
    const c = await fresh('nonce');
    const post = (body: Record<string, unknown>) => client.rest.post(Routes.channelMessages(c.id), { body }) as Promise<{ id: string; nonce?: string }>;
    const first = await post({ content: 'once', nonce: 'job1:p0', enforce_nonce: true });
    const again = await post({ content: 'once', nonce: 'job1:p0', enforce_nonce: true });
    expect(again.id).toBe(first.id);
    expect(first.nonce).toBe('job1:p0');
    const loose = await post({ content: 'twice', nonce: 'job1:p0' });
    expect(loose.id).not.toBe(first.id);
    const other = await post({ content: 'other', nonce: 'job1:p1', enforce_nonce: true });
    expect(other.id).not.toBe(first.id);
    expect(w.emu.messages(c.id).filter((m) => m.content === 'once')).toHaveLength(1);
  });
});
