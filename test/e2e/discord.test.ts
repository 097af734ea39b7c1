import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OggOpusDecoder } from 'ogg-opus-decoder';
import type { MessageView } from '../emulators/discord/index.js';
import { ffmpegDecode, fixtures, frequencyOf } from '../support/media-fixtures.js';
import { botMessages, startDiscordStack, type DiscordStack } from './discord-stack.js';

let s: DiscordStack;
const wavFile = (seconds = 2) => ({ name: 'meeting.wav', data: fixtures.wav(seconds), contentType: 'audio/wav' });
const buttons = (m: { components: unknown[] }) =>
  (m.components as { components: { custom_id: string; label: string }[] }[]).flatMap((r) => r.components.map((c) => c.label));
const isFinal = (m?: MessageView) => !!m && !m.loading && !m.content.includes('translating…') && m.content.length > 0;

beforeAll(async () => {
  s = await startDiscordStack();
});
afterAll(() => s.close());
beforeEach(() => s.model.reset());

async function voiceMessageAfter(count: number, channel = s.channel): Promise<MessageView> {
  return s.discord.waitFor(() => botMessages(s, channel).filter((m) => m.voiceMessage).at(count), 15_000);
}

describe('Discord: /translate', () => {
  it('streams the translation into one reply, then posts a real voice message that plays at the right pitch and length', async () => {
    const text = 'Good morning everyone. The meeting moves to three o’clock. Please bring the draft.';
    s.model.configure({ text, audioSeconds: 2.5, chunkDelayMs: 60 });
    const voicesBefore = botMessages(s).filter((m) => m.voiceMessage).length;
    // what goes through the bot's own REST client (the one discord.js holds to the 50/s global limit)
    const counted: string[] = [];
    const onResponse = (request: { method: string; path: string }) => counted.push(`${request.method.toUpperCase()} ${request.path}`);
    s.bot.client.rest.on('response', onResponse);
    const callsBefore = s.discord.calls.length;
    const h = await s.discord.slashCommand({ userId: s.alice.id, channelId: s.channel.id, name: 'translate', options: { to: 'en', from: 'zh' }, attachments: { file: wavFile() } });
    const reply = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return isFinal(o) ? o : undefined; }, 15_000);
    expect(s.discord.interaction(h).responses[0]).toMatchObject({ type: 5, status: 204 });
    // what the user saw: header at once, the text growing under a marker with Cancel, then the final text and footer
    const versions = reply.history.filter((v) => v.content.length > 0);
    expect(versions.length).toBeGreaterThanOrEqual(3);
    expect(versions[0]!.content).toContain('⏳ *translating…*');
    expect(buttons(versions[0]!)).toEqual(['Cancel']);
    const growing = versions.filter((v) => v.content.includes('translating…')).map((v) => v.content.length);
    expect(growing.length).toBeGreaterThanOrEqual(2);
    expect(new Set(growing).size).toBeGreaterThan(1);
    expect(reply.content).toContain('**🇨🇳 Chinese → 🇺🇸 English** · 🗣️ Cherry · `meeting.wav`');
    expect(reply.content).toContain('Good morning everyone. The meeting moves to three o’clock. Please bring the draft.');
    expect(reply.content).toMatch(new RegExp(`-# ${text.length} characters · \\d+ tokens · 2\\.5 s of speech$`));
    expect(reply.components).toEqual([]);
    // the voice message: flag, audio/ogg, metadata, replying to the streamed reply, decodable by independent decoders
    const voice = await voiceMessageAfter(voicesBefore);
    expect(voice.flags & 8192).toBe(8192);
    expect(voice.content).toBe('');
    expect(voice.referencedMessageId).toBe(reply.id);
    const att = voice.attachments[0]!;
    expect(att).toMatchObject({ filename: 'voice-message.ogg', contentType: 'audio/ogg' });
    expect(att.durationSecs).toBeCloseTo(2.5, 3);
    expect(Buffer.from(att.waveform!, 'base64').length).toBeGreaterThan(0);
    const ogg = s.discord.file(att.id)!;
    const { samples, stderr } = ffmpegDecode(ogg, 48000);
    expect(stderr).toBe('');
    expect(samples.length / 48000).toBeCloseTo(2.5, 2);
    expect(frequencyOf(samples, 48000)).toBeCloseTo(440, 0);
    const decoder = new OggOpusDecoder();
    await decoder.ready;
    const decoded = await decoder.decodeFile(new Uint8Array(ogg));
    decoder.free();
    expect(decoded.samplesDecoded / decoded.sampleRate).toBeCloseTo(2.5, 2);
    // no 429 storm on the way
    expect(s.discord.rateLimited).toHaveLength(0);
    // the order users see: the reply (header in its first version), its final view with the whole text sent, then the
    // voice message replying to it (sent as soon as that final edit is on its way, not after its round trip)
    expect(versions[0]!.content).toContain('**🇨🇳 Chinese → 🇺🇸 English**');
    const calls = s.discord.calls.slice(callsBefore);
    const finalEdit = calls.findIndex((c) => c.route.startsWith('PATCH /webhooks') && JSON.stringify(c.body).includes('characters ·'));
    const voicePost = calls.findIndex((c) => c.route === 'POST /channels/:channel/messages' && c.files?.some((f) => f.filename === 'voice-message.ogg'));
    expect(finalEdit).toBeGreaterThanOrEqual(0);
    expect(voicePost, calls.map((c) => `${c.route} ${JSON.stringify(c.files?.map((f) => f.filename))}`).join('\n')).toBeGreaterThan(finalEdit);
    expect(calls.findIndex((c) => c.route.startsWith('PATCH /webhooks'))).toBeLessThan(voicePost);
    // interaction webhook routes (every write of the reply) do not go through the bot's globally limited client
    s.bot.client.rest.off('response', onResponse);
    expect(counted.filter((c) => c.includes('/webhooks/'))).toEqual([]);
    expect(counted.some((c) => c.startsWith('POST /channels/'))).toBe(true); // the voice message, with the bot token
  });

  it('gives a text-only language the text and a note, and no voice message', async () => {
    s.model.configure({ text: 'Selamat pagi.' });
    const before = botMessages(s).filter((m) => m.voiceMessage).length;
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'id' }, attachments: { file: wavFile(1) } });
    const reply = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return isFinal(o) ? o : undefined; }, 10_000);
    expect(reply.content).toContain('Indonesian can be written but not spoken: text only.');
    expect(reply.content).toContain('Selamat pagi.');
    await new Promise((r) => setTimeout(r, 300));
    expect(botMessages(s).filter((m) => m.voiceMessage)).toHaveLength(before);
    expect((s.model.requests[0]!.body as { modalities: string[] }).modalities).toEqual(['text']);
  });

  it('answers a file that is not audio or video with a clear error, without calling the model', async () => {
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'ja' }, attachments: { file: { name: 'notes.mp3', data: Buffer.from('not audio at all, just words '.repeat(20)), contentType: 'audio/mpeg' } } });
    const reply = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return isFinal(o) ? o : undefined; }, 10_000);
    expect(reply.content).toContain('⚠️ That file is not audio or video, so there is nothing to translate.');
    expect(buttons(reply)).toEqual([]);
    expect(s.model.requests).toHaveLength(0);
  });

  it('keeps the partial text on a provider failure mid-stream, offers Retry, and Retry works', async () => {
    s.model.configure({ text: 'First words arrive, then the connection breaks before the end of this sentence.', chunkDelayMs: 40 });
    s.model.inject({ kind: 'cut', afterChunks: 6 });
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'fr', text_only: true }, attachments: { file: wavFile(1) } });
    const reply = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return isFinal(o) ? o : undefined; }, 10_000);
    expect(reply.content).toContain('⚠️ The connection to the translation service broke off');
    expect(reply.content).toMatch(/First words/);
    expect(buttons(reply)).toEqual(['Retry']);
    const retryId = (reply.components as { components: { custom_id: string }[] }[])[0]!.components[0]!.custom_id;
    const retry = await s.discord.clickButton({ userId: s.bob.id, channelId: s.channel.id, messageId: reply.id, customId: retryId });
    const again = await s.discord.waitFor(() => { const o = s.discord.interaction(retry).original; return isFinal(o) ? o : undefined; }, 10_000);
    expect(again.content).toContain('First words arrive, then the connection breaks before the end of this sentence.');
    expect(again.content).toMatch(/characters/);
  });

  it('lets the requester cancel, and refuses other users', async () => {
    s.model.configure({ text: 'word '.repeat(60), chunkDelayMs: 100 });
    const h = await s.discord.slashCommand({ userId: s.alice.id, channelId: s.channel.id, name: 'translate', options: { to: 'de' }, attachments: { file: wavFile(1) } });
    const streaming = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o && buttons(o).includes('Cancel') ? o : undefined; }, 10_000);
    const cancelId = (streaming.components as { components: { custom_id: string }[] }[])[0]!.components[0]!.custom_id;
    const byBob = await s.discord.clickButton({ userId: s.bob.id, channelId: s.channel.id, messageId: streaming.id, customId: cancelId });
    const refusal = await s.discord.waitFor(() => s.discord.interaction(byBob).responses[0]);
    expect(refusal.type).toBe(4);
    expect(JSON.stringify(refusal.data)).toContain('Only the person who asked');
    await s.discord.clickButton({ userId: s.alice.id, channelId: s.channel.id, messageId: streaming.id, customId: cancelId });
    const done = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o?.content.includes('Cancelled') ? o : undefined; }, 10_000);
    expect(done.content).not.toContain('translating…');
    expect(done.components).toEqual([]);
  });

  it('keeps private replies private: ephemeral text and an ephemeral audio file', async () => {
    s.model.configure({ text: 'Just for you.', audioSeconds: 1 });
    const h = await s.discord.slashCommand({ userId: s.alice.id, channelId: s.channel.id, name: 'translate', options: { to: 'en', private: true }, attachments: { file: wavFile(1) } });
    const file = await s.discord.waitFor(() => s.discord.interaction(h).followups.find((f) => f.attachments.length > 0), 10_000);
    const reply = s.discord.interaction(h).original!;
    expect(reply.ephemeral).toBe(true);
    expect(reply.content).toContain('Just for you.');
    expect(file.ephemeral).toBe(true);
    expect(file.voiceMessage).toBe(false);
    expect(file.attachments[0]).toMatchObject({ filename: 'translation.ogg', contentType: 'audio/ogg' });
  });

  it('continues text longer than one message in follow-on messages, losing nothing, and attaches it as .txt', async () => {
    const long = Array.from({ length: 600 }, (_, i) => `word${i}`).join(' ') + '.';
    s.model.configure({ text: long, chunkDelayMs: 1 });
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'es', text_only: true }, attachments: { file: wavFile(1) } });
    const view = await s.discord.waitFor(() => {
      const v = s.discord.interaction(h);
      return v.followups.some((f) => /characters/.test(f.content)) ? v : undefined;
    }, 20_000);
    const parts = [view.original!, ...view.followups.filter((f) => f.attachments.length === 0)];
    expect(parts.length).toBeGreaterThanOrEqual(4);
    for (const p of parts) expect(p.content.length).toBeLessThanOrEqual(2000);
    const body = (p: MessageView) => p.content.split('\n').filter((l) => l.startsWith('word')).join('');
    expect(parts.map(body).join('')).toBe(long);
    const txt = await s.discord.waitFor(() => s.discord.interaction(h).followups.find((f) => f.attachments[0]?.filename === 'translation.txt'), 10_000);
    expect(s.discord.file(txt.attachments[0]!.id)!.toString('utf8')).toBe(long);
  });

  it('autocompletes languages and lists them with /languages', async () => {
    const ac = await s.discord.autocomplete({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', focused: { name: 'to', value: 'jap' } });
    const choices = await s.discord.waitFor(() => s.discord.interaction(ac).choices);
    expect(choices).toEqual([{ name: '🇯🇵 Japanese (日本語)', value: 'ja' }]);
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'languages' });
    const r = await s.discord.waitFor(() => s.discord.interaction(h).responses[0]);
    expect(JSON.stringify(r.data)).toContain('Cantonese');
  });
});

describe('Discord: message menus and reactions', () => {
  it('"Translate" on a voice message goes into the user\'s Discord language (ja), decoded in-process', async () => {
    s.model.configure({ text: 'おはようございます。', audioSeconds: 1 });
    const note = s.postVoiceMessage(s.bob, s.channel, 3);
    const h = await s.discord.messageCommand({ userId: s.alice.id, channelId: s.channel.id, name: 'Translate', targetMessageId: note.id });
    const reply = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return isFinal(o) ? o : undefined; }, 10_000);
    expect(reply.content).toContain('→ 🇯🇵 Japanese');
    expect(reply.content).toContain('voice message');
    expect(s.model.requests[0]!.input).toMatchObject({ sniffed: 'wav' });
    expect(s.model.requests[0]!.input!.durationSecs).toBeCloseTo(3, 1);
  });

  it('"Translate to…" asks for the language first', async () => {
    s.model.configure({ text: 'Buongiorno.' });
    const note = s.postVoiceMessage(s.bob);
    const h = await s.discord.messageCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'Translate to…', targetMessageId: note.id });
    const menu = await s.discord.waitFor(() => s.discord.interaction(h).original);
    expect(menu.ephemeral).toBe(true);
    const pick = await s.discord.selectMenu({ userId: s.bob.id, channelId: s.channel.id, messageId: menu.id, customId: `lt:to:${note.id}`, values: ['it'] });
    const reply = await s.discord.waitFor(() => s.discord.interaction(pick).followups.find(isFinal), 10_000);
    expect(reply.content).toContain('→ 🇮🇹 Italian');
    expect(reply.content).toContain('Buongiorno.');
  });

  it('a flag reaction translates as a reply; the same flag twice runs once, and the second user is told', async () => {
    s.model.configure({ text: 'Bonjour à tous.', chunkDelayMs: 40 });
    const note = s.postVoiceMessage(s.bob);
    s.discord.addReaction(s.channel.id, note.id, s.alice.id, '🇫🇷');
    s.discord.addReaction(s.channel.id, note.id, s.bob.id, '🇫🇷');
    const told = await s.discord.waitFor(() => botMessages(s).find((m) => m.referencedMessageId === note.id && m.content.includes('already being translated')), 10_000);
    // the two reactions are handled concurrently: whichever lost the race is the one told
    const loser = told.content.startsWith(`<@${s.alice.id}>`) ? s.alice.id : s.bob.id;
    expect(told.content).toBe(`<@${loser}> That is already being translated into this language.`);
    // it pings only the user it is for, never the author of the voice note
    const post = s.discord.calls.find((c) => c.method === 'POST' && JSON.stringify(c.body ?? {}).includes('already being translated'));
    expect((post!.body as { allowed_mentions: unknown }).allowed_mentions).toEqual({ users: [loser], replied_user: false });
    const reply = await s.discord.waitFor(() => botMessages(s).find((m) => m.referencedMessageId === note.id && m.content.includes('→') && isFinal(m)), 10_000);
    expect(reply.content).toContain('→ 🇫🇷 French');
    expect(reply.content).toContain('Bonjour à tous.');
    await voiceMessageAfter(botMessages(s).filter((m) => m.voiceMessage && m.referencedMessageId !== reply.id).length);
    expect(s.model.requests).toHaveLength(1);
  });

  it('a message with two attachments gets both translated, in order', async () => {
    s.model.configure({ text: 'Translated.', audioSeconds: 1 });
    const channel = s.discord.createChannel(s.guild.id, { name: 'two-files' });
    const note = s.discord.postUserMessage(channel.id, s.bob.id, { files: [{ ...wavFile(1), name: 'first.wav' }, { name: 'second.mp3', data: fixtures.mp3(1), contentType: 'audio/mpeg' }] });
    s.discord.addReaction(channel.id, note.id, s.alice.id, '🇩🇪');
    const replies = await s.discord.waitFor(() => {
      const r = botMessages(s, channel).filter((m) => m.referencedMessageId === note.id && !m.voiceMessage && /characters/.test(m.content));
      return r.length === 2 ? r : undefined;
    }, 20_000);
    expect(replies.map((r) => /`(first\.wav|second\.mp3)`/.exec(r.content)?.[1])).toEqual(['first.wav', 'second.mp3']);
    expect(s.model.requests.map((r) => r.input?.sniffed)).toEqual(['wav', 'mp3']);
  });

  it('lets a moderator (Manage Messages) cancel someone else\'s translation', async () => {
    s.model.configure({ text: 'word '.repeat(60), chunkDelayMs: 100 });
    const mod = s.discord.createUser({ username: 'mod' });
    s.discord.setMemberPermissions(s.guild.id, mod.id, 1n << 13n);
    const h = await s.discord.slashCommand({ userId: s.alice.id, channelId: s.channel.id, name: 'translate', options: { to: 'de' }, attachments: { file: wavFile(1) } });
    const streaming = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o && buttons(o).includes('Cancel') ? o : undefined; }, 10_000);
    const cancelId = (streaming.components as { components: { custom_id: string }[] }[])[0]!.components[0]!.custom_id;
    await s.discord.clickButton({ userId: mod.id, channelId: s.channel.id, messageId: streaming.id, customId: cancelId });
    const done = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o?.content.includes('Cancelled') ? o : undefined; }, 10_000);
    expect(done.components).toEqual([]);
  });

  it('a burst of jobs in one channel all finish within the shared edit budget, without a 429 storm', async () => {
    s.model.configure({ text: 'A short translated sentence for the burst test.', chunkDelayMs: 30, audioSeconds: 1 });
    const channel = s.discord.createChannel(s.guild.id, { name: 'busy' });
    const flags = ['🇯🇵', '🇫🇷', '🇩🇪', '🇪🇸', '🇮🇹', '🇷🇺'];
    const notes = flags.map(() => s.postVoiceMessage(s.bob, channel, 1));
    notes.forEach((n, i) => s.discord.addReaction(channel.id, n.id, s.alice.id, flags[i]!));
    const replies = await s.discord.waitFor(() => {
      const done = notes.map((n) => botMessages(s, channel).find((m) => m.referencedMessageId === n.id && !m.voiceMessage && isFinal(m) && /characters/.test(m.content)));
      return done.every(Boolean) ? done : undefined;
    }, 40_000);
    expect(replies).toHaveLength(6);
    await s.discord.waitFor(() => botMessages(s, channel).filter((m) => m.voiceMessage).length === 6 || undefined, 30_000);
    expect(s.discord.rateLimited.length).toBeLessThanOrEqual(1);
  }, 90_000);

  it('falls back to a plain audio file where voice messages are not allowed', async () => {
    s.model.configure({ text: 'Hello.', audioSeconds: 1 });
    const quiet = s.discord.createChannel(s.guild.id, { name: 'no-voice', allowVoiceMessages: false });
    const note = s.discord.postUserMessage(quiet.id, s.bob.id, { files: [wavFile(1)] });
    s.discord.addReaction(quiet.id, note.id, s.alice.id, '🇬🇧');
    const audio = await s.discord.waitFor(() => botMessages(s, quiet).find((m) => m.attachments.length > 0), 15_000);
    expect(audio.voiceMessage).toBe(false);
    expect(audio.content).toContain('voice messages are not allowed in this channel');
    expect(audio.attachments[0]).toMatchObject({ contentType: 'audio/ogg' });
  });

  it('continues on the bot token when a job outlives the 15-minute interaction token', async () => {
    s.model.configure({ text: 'slow '.repeat(30), chunkDelayMs: 60, audioSeconds: 1 });
    const h = await s.discord.slashCommand({ userId: s.bob.id, channelId: s.channel.id, name: 'translate', options: { to: 'ko' }, attachments: { file: wavFile(1) } });
    await s.discord.waitFor(() => s.discord.interaction(h).original?.content.includes('slow') || undefined, 10_000);
    s.advance(16 * 60_000);
    const reply = await s.discord.waitFor(() => { const o = s.discord.interaction(h).original; return o && /characters/.test(o.content) ? o : undefined; }, 15_000);
    expect(reply.content).not.toContain('translating…');
    const calls = s.discord.calls.filter((c) => c.path.includes(reply.id) || c.path.includes(h.token));
    expect(calls.some((c) => c.route.startsWith('PATCH /channels/'))).toBe(true);
    expect(calls.filter((c) => c.code === 50027)).toHaveLength(0);
  });
});
