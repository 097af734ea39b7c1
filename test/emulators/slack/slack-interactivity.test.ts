// Bolt's HTTP receiver against the emulator: shortcuts, reactions, slash command → modal → submission, buttons
// with response_url, and signature checks.

import { stringify } from 'node:querystring';
import type { MessageShortcut, SlackEventMiddlewareArgs, ViewOutput } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LOGIN_PAGE, RESPONSE_URL_LIFETIME_MS, signRequest } from './index.js';
import { fakeM4a, startWorld, type TestWorld } from './test-support.js';

type ReactionAddedEvent = SlackEventMiddlewareArgs<'reaction_added'>['event'];

let w: TestWorld;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

const MODAL = {
  type: 'modal' as const,
  callback_id: 'translate_modal',
  title: { type: 'plain_text' as const, text: 'Translate' },
  submit: { type: 'plain_text' as const, text: 'Translate' },
  blocks: [
    { type: 'input', block_id: 'file', label: { type: 'plain_text', text: 'File' }, element: { type: 'file_input', action_id: 'file', max_files: 1 } },
    {
      type: 'input',
      block_id: 'to',
      label: { type: 'plain_text', text: 'To' },
      element: {
        type: 'static_select',
        action_id: 'lang',
        options: [
          { text: { type: 'plain_text', text: 'Japanese' }, value: 'ja' },
          { text: { type: 'plain_text', text: 'English' }, value: 'en' },
        ],
      },
    },
    { type: 'input', block_id: 'voice', optional: true, label: { type: 'plain_text', text: 'Voice' }, element: { type: 'plain_text_input', action_id: 'name' } },
  ],
};

describe('Slack emulator × Bolt HTTP receiver', () => {
  it('delivers a signed message shortcut with the files, times the ack, and serves the file only with the token', async () => {
    const { app } = await w.httpApp();
    const seen: MessageShortcut[] = [];
    app.shortcut<MessageShortcut>('translate_message', async ({ ack, shortcut }) => {
      await ack();
      seen.push(shortcut);
    });
    const audio = fakeM4a(4096);
    const msg = w.emu.postUserMessage(w.channel.id, w.alice.id, {
      files: [{ name: 'clip.m4a', data: audio, mimetype: 'audio/mp4', subtype: 'slack_audio', transcription: 'hello there' }],
    });
    const d = await w.emu.messageShortcut({ userId: w.alice.id, channelId: w.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
    expect(d).toMatchObject({ transport: 'http', type: 'message_action', status: 200, acked: true, timedOut: false });
    expect(d.ackMs).toBeLessThan(3000);
    expect(seen).toHaveLength(1);
    const file = (seen[0]!.message['files'] as Record<string, unknown>[])[0]!;
    expect(file).toMatchObject({ name: 'clip.m4a', mimetype: 'audio/mp4', filetype: 'm4a', size: 4096, subtype: 'slack_audio' });
    expect(file['transcription']).toMatchObject({ status: 'complete', preview: { content: 'hello there' } });
    expect(seen[0]).toMatchObject({ callback_id: 'translate_message', message_ts: msg.ts, channel: { id: w.channel.id }, user: { id: w.alice.id } });

    const anonymous = await fetch(String(file['url_private']));
    expect(anonymous.status).toBe(200);
    expect(anonymous.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await anonymous.text()).toBe(LOGIN_PAGE);
    const authed = await fetch(String(file['url_private_download']), { headers: { Authorization: `Bearer ${w.emu.botToken}` } });
    expect(authed.headers.get('content-type')).toBe('audio/mp4');
    expect(Buffer.from(await authed.arrayBuffer()).equals(audio)).toBe(true);
    expect(w.emu.downloads.map((r) => r.authorized)).toEqual([false, true]);
  });

  it('delivers reaction_added; the bot finds the message with conversations.replies', async () => {
    const { app } = await w.httpApp();
    const events: ReactionAddedEvent[] = [];
    const found: unknown[] = [];
    app.event('reaction_added', async ({ event, client }) => {
      events.push(event);
      const r = await client.conversations.replies({ channel: event.item.channel, ts: event.item.ts, limit: 1 });
      found.push(r.messages?.[0]);
    });
    const msg = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'voice', files: [{ name: 'v.mp3', data: Buffer.from('ID3xx'), mimetype: 'audio/mpeg' }] });
    const d = await w.emu.addReaction(w.channel.id, msg.ts, w.alice.id, 'flag-jp');
    expect(d).toMatchObject({ type: 'event_callback', status: 200, acked: true });
    await w.emu.waitFor(() => found.length === 1);
    expect(events[0]).toMatchObject({ type: 'reaction_added', user: w.alice.id, reaction: 'flag-jp', item: { type: 'message', channel: w.channel.id, ts: msg.ts }, item_user: w.alice.id });
    expect(found[0]).toMatchObject({ ts: msg.ts, user: w.alice.id, files: [{ name: 'v.mp3', filetype: 'mp3' }] });
  });

  it('slash command → views.open with the trigger → view_submission with the file input; errors keep the view open', async () => {
    const { app } = await w.httpApp();
    const submissions: ViewOutput[] = [];
    const openErrors: string[] = [];
    let triggerId = '';
    app.command('/translate', async ({ ack, body, client }) => {
      await ack();
      triggerId = body.trigger_id;
      await client.views.open({ trigger_id: body.trigger_id, view: MODAL });
      await client.views.open({ trigger_id: body.trigger_id, view: MODAL }).catch((e: { data?: { error?: string } }) => openErrors.push(String(e.data?.error)));
    });
    app.view('translate_modal', async ({ ack, view }) => {
      submissions.push(view);
      await ack(submissions.length === 1 ? { response_action: 'errors', errors: { to: 'Pick a language' } } : undefined);
    });
    const d = await w.emu.slashCommand({ userId: w.alice.id, channelId: w.channel.id, command: '/translate', text: '' });
    expect(d).toMatchObject({ type: 'slash_commands', status: 200, acked: true });
    await w.emu.waitFor(() => openErrors.length === 1);
    expect(openErrors).toEqual(['exchanged_trigger_id']);
    const [opened] = w.emu.views();
    expect(opened).toMatchObject({ userId: w.alice.id, callbackId: 'translate_modal', closed: false });

    const values = { file: { file: [{ name: 'memo.m4a', data: fakeM4a(), mimetype: 'audio/mp4' }] }, to: { lang: 'ja' } };
    const first = await w.emu.viewSubmission({ userId: w.alice.id, viewId: opened!.id, values });
    expect(first.response).toEqual({ response_action: 'errors', errors: { to: 'Pick a language' } });
    expect(w.emu.views()[0]).toMatchObject({ closed: false, errors: { to: 'Pick a language' } });
    const state = submissions[0]!.state.values;
    expect(state['to']!['lang']).toEqual({ type: 'static_select', selected_option: { text: { type: 'plain_text', text: 'Japanese' }, value: 'ja' } });
    expect(state['voice']!['name']).toEqual({ type: 'plain_text_input', value: null });
    const uploaded = state['file']!['file']!.files![0]!;
    expect(uploaded).toMatchObject({ name: 'memo.m4a', mimetype: 'audio/mp4', user: w.alice.id });
    const bytes = await fetch(uploaded.url_private, { headers: { Authorization: `Bearer ${w.emu.botToken}` } });
    expect(Buffer.from(await bytes.arrayBuffer()).equals(fakeM4a())).toBe(true);

    await w.emu.viewSubmission({ userId: w.alice.id, viewId: opened!.id, values: { ...values, file: { file: [uploaded.id] } } });
    expect(w.emu.views()[0]).toMatchObject({ closed: true });
    expect(triggerId).toMatch(/^\d+\.\d+\.[0-9a-f]+$/);
  });

  it('refuses an expired trigger_id', async () => {
    const { app } = await w.httpApp();
    const errors: string[] = [];
    app.command('/translate', async ({ ack, body, client }) => {
      await ack();
      w.emu.advanceTime(3001);
      await client.views.open({ trigger_id: body.trigger_id, view: MODAL }).catch((e: { data?: { error?: string } }) => errors.push(String(e.data?.error)));
    });
    await w.emu.slashCommand({ userId: w.alice.id, channelId: w.channel.id, command: 'translate' });
    await w.emu.waitFor(() => errors.length === 1);
    expect(errors).toEqual(['expired_trigger_id']);
  });

  it('block action → respond() replaces the original through the response_url; slash ack text is ephemeral', async () => {
    const { app } = await w.httpApp();
    app.command('/languages', async ({ ack }) => {
      await ack('18 languages');
    });
    app.action('cancel', async ({ ack, respond }) => {
      await ack();
      await respond({ replace_original: true, text: 'Cancelled.' });
    });
    const posted = await app.client.chat.postMessage({
      channel: w.channel.id,
      text: 'Translating…',
      blocks: [{ type: 'actions', block_id: 'job', elements: [{ type: 'button', action_id: 'cancel', text: { type: 'plain_text', text: 'Cancel' }, value: 'job-1' }] }],
    });
    const d = await w.emu.blockAction({ userId: w.alice.id, channelId: w.channel.id, messageTs: posted.ts!, actionId: 'cancel' });
    expect(d.payload).toMatchObject({ type: 'block_actions', actions: [{ action_id: 'cancel', block_id: 'job', value: 'job-1', type: 'button' }] });
    await w.emu.waitFor(() => w.emu.message(w.channel.id, posted.ts!)?.text === 'Cancelled.');
    expect(w.emu.message(w.channel.id, posted.ts!)!.history.map((h) => h.via)).toEqual(['chat.postMessage', 'response_url']);

    await w.emu.slashCommand({ userId: w.alice.id, channelId: w.channel.id, command: '/languages' });
    expect(w.emu.ephemerals(w.channel.id)).toMatchObject([{ user: w.alice.id, text: '18 languages', via: 'ack' }]);
  });

  it('a badly signed and a stale request are refused by Bolt and no handler runs', async () => {
    const { app } = await w.httpApp();
    let ran = 0;
    app.shortcut('translate_message', async ({ ack }) => {
      ran += 1;
      await ack();
    });
    const msg = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'hi', deliver: false });
    const payload = { type: 'message_action', callback_id: 'translate_message', trigger_id: '1.2.ab', message_ts: msg.ts, message: { type: 'message', ts: msg.ts }, user: { id: w.alice.id }, channel: { id: w.channel.id }, team: { id: w.emu.teamId } };
    const body = stringify({ payload: JSON.stringify(payload) });
    const now = Math.floor(Date.now() / 1000);
    const ct = { 'content-type': 'application/x-www-form-urlencoded' };
    const bad = await w.emu.sendRaw(body, { ...ct, 'x-slack-request-timestamp': String(now), 'x-slack-signature': signRequest('wrong-secret', body, now) });
    const stale = await w.emu.sendRaw(body, { ...ct, 'x-slack-request-timestamp': String(now - 360), 'x-slack-signature': signRequest(w.emu.signingSecret, body, now - 360) });
    const good = await w.emu.sendRaw(body, { ...ct, 'x-slack-request-timestamp': String(now), 'x-slack-signature': signRequest(w.emu.signingSecret, body, now) });
    expect([bad.status, stale.status, good.status]).toEqual([401, 401, 200]);
    expect(ran).toBe(1);
  });

  it('a late ack is recorded as timed out, and a response_url takes 5 posts within 30 minutes', async () => {
    const slow = await startWorld({ ackTimeoutMs: 200 });
    try {
      const { app } = await slow.httpApp();
      app.shortcut('translate_message', async ({ ack }) => {
        await new Promise((r) => setTimeout(r, 400));
        await ack();
      });
      const msg = slow.emu.postUserMessage(slow.channel.id, slow.alice.id, { text: 'hi', deliver: false });
      const d = await slow.emu.messageShortcut({ userId: slow.alice.id, channelId: slow.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
      expect(d).toMatchObject({ acked: false, timedOut: true });
      await slow.emu.waitFor(() => d.ackMs !== undefined);
      expect(d.ackMs).toBeGreaterThanOrEqual(400);

      const post = (text: string) => fetch(d.responseUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) });
      const statuses: number[] = [];
      for (let i = 1; i <= 6; i++) statuses.push((await post(`note ${i}`)).status);
      expect(statuses).toEqual([200, 200, 200, 200, 200, 404]);
      expect(slow.emu.ephemerals(slow.channel.id)).toHaveLength(5);
      const fresh = await slow.emu.messageShortcut({ userId: slow.alice.id, channelId: slow.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
      slow.emu.advanceTime(RESPONSE_URL_LIFETIME_MS + 1);
      const expired = await fetch(fresh.responseUrl!, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"text":"late"}' });
      expect([expired.status, await expired.json()]).toEqual([404, { ok: false, error: 'expired_url' }]);
    } finally {
      await slow.close();
    }
  });
});
