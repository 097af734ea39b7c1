// Interactions against the real discord.js Client: commands, resolved attachments, defer/edit/followUp, the 3 s
// and 15 min limits, context menus, components and autocomplete.

import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  DiscordAPIError,
  Events,
  MessageFlags,
  PermissionFlagsBits,
  Routes,
  type ApplicationCommandDataResolvable,
  type Client,
  type Interaction,
} from 'discord.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fakeOggOpus, startWorld, waveform, type TestWorld } from './test-support.js';

const COMMANDS: ApplicationCommandDataResolvable[] = [
  {
    name: 'translate',
    description: 'Translate a voice note',
    options: [
      { type: ApplicationCommandOptionType.Attachment, name: 'file', description: 'audio or video', required: true },
      { type: ApplicationCommandOptionType.String, name: 'to', description: 'target language', autocomplete: true },
      { type: ApplicationCommandOptionType.Boolean, name: 'private', description: 'only you see it' },
    ],
  },
  { name: 'Translate', type: ApplicationCommandType.Message },
];

let w: TestWorld;
let client: Client;
const ogg = fakeOggOpus(4096);

beforeAll(async () => {
  w = await startWorld();
  client = await w.connect();
  await client.application!.commands.set(COMMANDS);
});
afterAll(() => w.close());

/** The next interaction discord.js emits. */
const next = <T extends Interaction = Interaction>(): Promise<T> =>
  new Promise((resolve) => client.once(Events.InteractionCreate, (i) => resolve(i as T)));

const translate = (extra: Record<string, string | boolean> = {}) =>
  w.emu.slashCommand({
    userId: w.alice.id,
    channelId: w.channel.id,
    name: 'translate',
    options: { to: 'en', ...extra },
    attachments: { file: { name: 'note.ogg', data: ogg, contentType: 'audio/ogg', durationSecs: 3, waveform: waveform() } },
  });

describe('discord emulator: interactions', () => {
  it('records registered commands and validates them like Discord', async () => {
    expect(w.emu.commands().map((c) => [c.name, c.type])).toEqual([['translate', 1], ['Translate', 3]]);
    const route = Routes.applicationCommands(w.emu.applicationId);
    const six = Array.from({ length: 6 }, (_, i) => ({ name: `Menu ${i}`, type: 3 }));
    await expect(client.rest.put(route, { body: six })).rejects.toMatchObject({ status: 400, code: 30032 });
    const bad = [{ name: 'Translate Now', description: 'x', type: 1 }];
    const err = await client.rest.put(route, { body: bad }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DiscordAPIError);
    expect((err as DiscordAPIError).code).toBe(50035);
    expect((err as DiscordAPIError).rawError).toMatchObject({ errors: { '0': { name: { _errors: [{ code: 'APPLICATION_COMMAND_INVALID_NAME' }] } } } });
    expect(w.emu.commands()).toHaveLength(2); // refused overwrites change nothing
  });

  it('delivers a slash command with its attachment resolved and the full interaction payload', async () => {
    const got = next();
    const h = await translate();
    const i = await got;
    if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
    const file = i.options.getAttachment('file', true);
    expect(file).toMatchObject({ name: 'note.ogg', contentType: 'audio/ogg', size: ogg.length, duration: 3 });
    expect(Buffer.from(await (await fetch(file.url)).arrayBuffer())).toEqual(ogg);
    expect(i.options.getString('to')).toBe('en');
    expect(i.locale).toBe('ja');
    expect(i.attachmentSizeLimit).toBe(10 * 1024 * 1024);
    expect(i.appPermissions.has(PermissionFlagsBits.SendVoiceMessages)).toBe(true);
    expect(i.memberPermissions?.has(PermissionFlagsBits.ManageMessages)).toBe(false);
    expect(h.payload).toMatchObject({ version: 1, context: 0, guild_locale: 'en-US', entitlements: [], authorizing_integration_owners: { '0': w.guild.id } });
    await i.reply({ content: 'ok', flags: MessageFlags.Ephemeral });
    expect(w.emu.interaction(h).original).toMatchObject({ content: 'ok', ephemeral: true, type: 20 });
  });

  it('defers, then paces six edits inside the 5-per-5-s bucket without a 429, then follows up', async () => {
    const got = next();
    const h = await translate();
    const i = await got;
    if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
    await i.deferReply();
    expect(w.emu.interaction(h).original).toMatchObject({ loading: true, content: '' });
    const times: number[] = [];
    for (let n = 1; n <= 6; n++) {
      await i.editReply(`part ${n}`);
      times.push(Date.now());
    }
    const view = w.emu.interaction(h);
    expect(view.original?.content).toBe('part 6');
    expect(view.original?.loading).toBe(false);
    expect(view.original?.history.map((v) => v.content)).toEqual(['', 'part 1', 'part 2', 'part 3', 'part 4', 'part 5', 'part 6']);
    const edits = w.emu.calls.filter((c) => c.route === 'PATCH /webhooks/:app/:token/messages/@original' && c.path.includes(h.token));
    expect(edits.map((c) => c.status)).toEqual([200, 200, 200, 200, 200, 200]);
    expect(w.emu.rateLimited).toHaveLength(0); // discord.js read X-RateLimit-Remaining: 0 and waited
    expect(times[5]! - times[0]!).toBeGreaterThan(3500);

    await i.followUp({ content: 'and one more thing', flags: MessageFlags.Ephemeral });
    expect(w.emu.interaction(h).followups).toMatchObject([{ content: 'and one more thing', ephemeral: true }]);
  }, 15_000);

  it('lets the first followup after a deferral replace the "thinking" message', async () => {
    const got = next();
    const h = await translate();
    const i = await got;
    if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
    await i.deferReply({ flags: MessageFlags.Ephemeral });
    await i.followUp('done');
    const view = w.emu.interaction(h);
    expect(view.original).toMatchObject({ content: 'done', loading: false, ephemeral: true });
    expect(view.followups).toHaveLength(0);
  });

  it('refuses a second callback (40060) and a late one (10062)', async () => {
    const got = next();
    const h = await translate();
    await got;
    const post = () =>
      client.rest.post(Routes.interactionCallback(h.id, h.token), { body: { type: 4, data: { content: 'hi' } }, auth: false });
    await post();
    await expect(post()).rejects.toMatchObject({ status: 400, code: 40060 });

    const late = next();
    const h2 = await translate();
    const i2 = await late;
    w.emu.advanceTime(3_001);
    if (!i2.isChatInputCommand()) throw new Error('expected a chat input command');
    await expect(i2.deferReply()).rejects.toMatchObject({ status: 404, code: 10062, message: 'Unknown interaction' });
    expect(w.emu.interaction(h2).responses).toMatchObject([{ type: 5, status: 404, code: 10062 }]);
  });

  it('expires the interaction token after 15 minutes (50027); the bot token can still edit a public reply', async () => {
    const got = next();
    const h = await translate();
    const i = await got;
    if (!i.isChatInputCommand()) throw new Error('expected a chat input command');
    const res = await i.deferReply({ withResponse: true });
    expect(res.interaction.responseMessageLoading).toBe(true);
    w.emu.advanceTime(15 * 60 * 1000 + 1);
    await expect(i.editReply('too late')).rejects.toMatchObject({ status: 401, code: 50027, message: 'Invalid Webhook Token' });
    const channel = client.channels.cache.get(w.channel.id);
    if (!channel?.isTextBased()) throw new Error('no channel');
    await channel.messages.edit(res.interaction.responseMessageId!, 'continued with the bot token');
    expect(w.emu.interaction(h).original).toMatchObject({ content: 'continued with the bot token', loading: false });
  });

  it('passes member permissions set for a user into their interactions', async () => {
    const mod = w.emu.createUser({ username: 'mod' });
    w.emu.setMemberPermissions(w.guild.id, mod.id, PermissionFlagsBits.ViewChannel | PermissionFlagsBits.ManageMessages);
    const got = next();
    await w.emu.slashCommand({ userId: mod.id, channelId: w.channel.id, name: 'translate', attachments: { file: { name: 'a.ogg', data: ogg, contentType: 'audio/ogg' } } });
    const i = await got;
    expect(i.locale).toBe('en-US');
    expect(i.memberPermissions?.has(PermissionFlagsBits.ManageMessages)).toBe(true);
    expect(i.memberPermissions?.has(PermissionFlagsBits.SendMessages)).toBe(false);
    if (i.isChatInputCommand()) await i.reply('ok');
  });

  it('resolves a context-menu target with its attachments and answers with a voice message', async () => {
    const posted = w.emu.postUserMessage(w.channel.id, w.alice.id, {
      files: [{ name: 'voice-message.ogg', data: ogg, contentType: 'audio/ogg', durationSecs: 1.25, waveform: waveform(100) }],
      voiceMessage: true,
    });
    const got = next();
    const h = await w.emu.messageCommand({ userId: w.alice.id, channelId: w.channel.id, name: 'Translate', targetMessageId: posted.id });
    const i = await got;
    if (!i.isMessageContextMenuCommand()) throw new Error('expected a message context menu command');
    const att = i.targetMessage.attachments.first();
    expect(att).toMatchObject({ contentType: 'audio/ogg', duration: 1.25, waveform: waveform(100) });
    expect(i.targetMessage.flags.has(MessageFlags.IsVoiceMessage)).toBe(true);
    // A voice reply must go out as audio/ogg: raw REST call (discord.js would sniff a Buffer as application/ogg).
    await client.rest.post(Routes.interactionCallback(i.id, i.token), {
      auth: false,
      files: [{ name: 'voice-message.ogg', data: ogg, contentType: 'audio/ogg' }],
      body: { type: 4, data: { flags: MessageFlags.IsVoiceMessage, attachments: [{ id: '0', filename: 'voice-message.ogg', duration_secs: 1.25, waveform: waveform(10) }] } },
    });
    const original = w.emu.interaction(h).original;
    expect(original).toMatchObject({ voiceMessage: true, type: 23, attachments: [{ contentType: 'audio/ogg', durationSecs: 1.25 }] });
    expect(w.emu.file(original!.attachments[0]!.id)).toEqual(ogg);
    // Followups are not a documented voice-message route: refused (50035 is the emulator's guess).
    const followup = client.rest.post(Routes.webhook(i.applicationId, i.token), {
      auth: false,
      files: [{ name: 'voice-message.ogg', data: ogg, contentType: 'audio/ogg' }],
      body: { flags: MessageFlags.IsVoiceMessage, attachments: [{ id: '0', filename: 'voice-message.ogg', duration_secs: 1.25, waveform: waveform(10) }] },
    });
    await expect(followup).rejects.toMatchObject({ status: 400, code: 50035 });
  });

  it('handles buttons (update), string selects (deferUpdate + editReply) and autocomplete', async () => {
    const channel = client.channels.cache.get(w.channel.id);
    if (!channel?.isSendable()) throw new Error('no channel');
    const components = [
      { type: 1, components: [{ type: 2, style: 1, custom_id: 'go', label: 'Go' }] },
      { type: 1, components: [{ type: 3, custom_id: 'lang', options: [{ label: 'Japanese', value: 'ja' }, { label: 'German', value: 'de' }] }] },
    ];
    const sent = await channel.send({ content: 'Pick a language', components });
    let got = next();
    const click = await w.emu.clickButton({ userId: w.alice.id, channelId: w.channel.id, messageId: sent.id, customId: 'go' });
    const b = await got;
    if (!b.isButton()) throw new Error('expected a button');
    expect(b.message.id).toBe(sent.id);
    await b.update({ content: 'Going', components: [] });
    expect(w.emu.message(sent.id)).toMatchObject({ content: 'Going', components: [] });
    expect(w.emu.interaction(click).responses).toMatchObject([{ type: 7, status: 204 }]);

    await sent.edit({ content: 'Pick again', components });
    got = next();
    await w.emu.selectMenu({ userId: w.alice.id, channelId: w.channel.id, messageId: sent.id, customId: 'lang', values: ['de'] });
    const s = await got;
    if (!s.isStringSelectMenu()) throw new Error('expected a select');
    expect(s.values).toEqual(['de']);
    await s.deferUpdate();
    await s.editReply({ content: 'German it is', components: [] });
    expect(w.emu.message(sent.id)?.history.map((v) => v.content)).toEqual(['Pick a language', 'Going', 'Pick again', 'German it is']);

    got = next();
    const ac = await w.emu.autocomplete({ userId: w.alice.id, channelId: w.channel.id, name: 'translate', focused: { name: 'to', value: 'ja' } });
    const a = await got;
    if (!a.isAutocomplete()) throw new Error('expected autocomplete');
    expect(a.options.getFocused(true)).toMatchObject({ name: 'to', value: 'ja' });
    await a.respond([{ name: 'Japanese', value: 'ja' }]);
    expect(w.emu.interaction(ac).choices).toEqual([{ name: 'Japanese', value: 'ja' }]);
  });
});
