// Native streaming (client.chatStream and the raw methods) and filesUploadV2, through Bolt's client.

import type { App } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeM4a, startWorld, type TestWorld } from './test-support.js';

let w: TestWorld;
let app: App;
beforeEach(async () => {
  w = await startWorld();
  ({ app } = await w.httpApp());
});
afterEach(async () => {
  await w.close();
});

const errorOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'ok',
    (e: { data?: { error?: string } }) => e.data?.error ?? e,
  );

describe('Slack emulator: native streaming', () => {
  it('client.chatStream with recipients streams into the thread; edits are refused while it streams', async () => {
    const parent = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'voice note', deliver: false });
    const streamer = app.client.chatStream({
      channel: w.channel.id,
      thread_ts: parent.ts,
      recipient_user_id: w.alice.id,
      recipient_team_id: w.emu.teamId,
      buffer_size: 10,
    });
    await streamer.append({ markdown_text: 'Hello ' });
    expect(w.emu.calls.some((c) => c.method === 'chat.startStream')).toBe(false);
    await streamer.append({ markdown_text: 'world, this is' });
    await streamer.append({ markdown_text: ' streamed text.' });
    const ts = streamer.ts!;
    expect(w.emu.message(w.channel.id, ts)).toMatchObject({ thread_ts: parent.ts, text: 'Hello world, this is streamed text.', streaming: { state: 'streaming', mode: 'chunks' } });
    expect(await errorOf(app.client.chat.update({ channel: w.channel.id, ts, text: 'edit' }))).toBe('streaming_state_conflict');
    await streamer.stop({ blocks: [{ type: 'context', elements: [{ type: 'mrkdwn', text: 'ja ← en' }] }] });
    const done = w.emu.message(w.channel.id, ts)!;
    expect(done.streaming).toMatchObject({ state: 'stopped', recipientUserId: w.alice.id, recipientTeamId: w.emu.teamId, appends: 1 });
    expect(done.history.map((h) => h.via)).toEqual(['chat.startStream', 'chat.appendStream', 'chat.stopStream']);
    expect(done.blocks).toHaveLength(1);
    expect(w.emu.calls.find((c) => c.method === 'chat.startStream')!.args).toMatchObject({ chunks: [{ type: 'markdown_text', text: 'Hello world, this is' }] });
    expect(await errorOf(app.client.chat.appendStream({ channel: w.channel.id, ts, markdown_text: 'more' }))).toBe('message_not_in_streaming_state');
  });

  it('refuses a stream without thread_ts or, in a channel, without recipients; a DM needs none', async () => {
    const parent = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'x', deliver: false });
    const noThread = await app.client.chat.startStream({ channel: w.channel.id, markdown_text: 'hi' } as never).catch((e: { data: unknown }) => e.data);
    expect(noThread).toMatchObject({ ok: false, error: 'invalid_arguments', response_metadata: { messages: ['[ERROR] missing required field: thread_ts'] } });
    expect(await errorOf(app.client.chat.startStream({ channel: w.channel.id, thread_ts: parent.ts, markdown_text: 'hi' }))).toBe('missing_recipient_user_id');
    expect(await errorOf(app.client.chat.startStream({ channel: w.channel.id, thread_ts: parent.ts, recipient_user_id: w.alice.id, markdown_text: 'hi' }))).toBe(
      'missing_recipient_team_id',
    );
    const dm = w.emu.createIm(w.alice.id);
    const inDm = w.emu.postUserMessage(dm.id, w.alice.id, { text: 'dm', deliver: false });
    const started = await app.client.chat.startStream({ channel: dm.id, thread_ts: inDm.ts, markdown_text: 'Hi' });
    expect(await errorOf(app.client.chat.appendStream({ channel: dm.id, ts: started.ts!, chunks: [{ type: 'markdown_text', text: '!' }] }))).toBe('streaming_mode_mismatch');
    await app.client.chat.appendStream({ channel: dm.id, ts: started.ts!, markdown_text: ' there' });
    w.emu.stopStreamAsUser(dm.id, started.ts!);
    expect(await errorOf(app.client.chat.appendStream({ channel: dm.id, ts: started.ts!, markdown_text: '…' }))).toBe('stopped_by_user');
    expect(w.emu.message(dm.id, started.ts!)!.text).toBe('Hi there');
  });

  it('refuses chat.startStream entirely when the app lacks native streaming', async () => {
    const parent = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'x', deliver: false });
    w.emu.setNativeStreaming(false);
    const args = { channel: w.channel.id, thread_ts: parent.ts, recipient_user_id: w.alice.id, recipient_team_id: w.emu.teamId, markdown_text: 'hi' };
    expect(await errorOf(app.client.chat.startStream(args))).toBe('feature_not_enabled');
    w.emu.setNativeStreaming(true);
    expect(await errorOf(app.client.chat.startStream(args))).toBe('ok');
  });
});

describe('Slack emulator: files', () => {
  it('filesUploadV2 with a Buffer shares the file in the thread; its bytes come back with the token only', async () => {
    const parent = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'voice note', deliver: false });
    const bytes = fakeM4a(20_000);
    const res = await app.client.filesUploadV2({ channel_id: w.channel.id, thread_ts: parent.ts, file: bytes, filename: 'translation.m4a', title: 'Translation (ja)', initial_comment: 'Voice' });
    expect(res.ok).toBe(true);
    expect(w.emu.calls.map((c) => c.method).filter((m) => m.startsWith('files') || m === 'upload_url')).toEqual([
      'files.getUploadURLExternal',
      'upload_url',
      'files.completeUploadExternal',
    ]);
    expect(w.emu.calls.find((c) => c.method === 'upload_url')).toMatchObject({ contentType: 'multipart/form-data', status: 200 });
    const [file] = w.emu.files();
    expect(file).toMatchObject({ name: 'translation.m4a', title: 'Translation (ja)', mimetype: 'audio/mp4', declaredLength: 20_000, channel: w.channel.id, threadTs: parent.ts, initialComment: 'Voice' });
    expect(file!.bytes.equals(bytes)).toBe(true);

    const shared = w.emu.thread(w.channel.id, parent.ts)[1]!;
    expect(shared).toMatchObject({ ts: file!.messageTs, bot_id: w.emu.botId, text: 'Voice', files: [{ id: file!.id, filetype: 'm4a' }] });
    const url = shared.files[0]!.url_private;
    const anonymous = await fetch(url);
    expect(anonymous.headers.get('content-type')).toMatch(/^text\/html/);
    expect((await anonymous.text()).startsWith('<!DOCTYPE html>')).toBe(true);
    const authed = await fetch(url, { headers: { Authorization: `Bearer ${w.emu.botToken}` } });
    expect(Buffer.from(await authed.arrayBuffer()).equals(bytes)).toBe(true);

    const info = await app.client.files.info({ file: file!.id });
    expect(info.file).toMatchObject({ id: file!.id, size: 20_000, channels: [w.channel.id] });
  });
});
