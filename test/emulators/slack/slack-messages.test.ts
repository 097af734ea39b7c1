// The Web API through Bolt's own client: posting and editing (with Slack's errors), the per-workspace Tier 3
// limit on chat.update waited out by the client, reads, auth and injected faults.

import type { App } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from './test-support.js';

let w: TestWorld;
let app: App;
beforeEach(async () => {
  w = await startWorld({ rateLimitWindowMs: 1500 });
  ({ app } = await w.httpApp());
});
afterEach(async () => {
  await w.close();
});

const errorOf = (p: Promise<unknown>): Promise<unknown> =>
  p.then(
    () => 'ok',
    (e: { data?: { error?: string; response_metadata?: unknown } }) => e.data ?? e,
  );

describe('Slack emulator × Bolt WebClient: messages', () => {
  it('Bolt calls auth.test at start with the bot token', async () => {
    const call = await w.emu.waitFor(() => w.emu.calls.find((c) => c.method === 'auth.test'));
    expect(call).toMatchObject({ token: w.emu.botToken, ok: true, contentType: 'application/x-www-form-urlencoded' });
  });

  it('chat.postMessage then chat.update ×55: hits Tier 3 once, the client waits Retry-After and finishes', async () => {
    const first = await app.client.chat.postMessage({ channel: w.channel.id, thread_ts: undefined, text: 'Translating…' });
    for (let i = 1; i <= 55; i++) await app.client.chat.update({ channel: w.channel.id, ts: first.ts!, text: `part ${i}` });
    const view = w.emu.message(w.channel.id, first.ts!)!;
    expect(view.text).toBe('part 55');
    expect(view.edited).toBe(true);
    expect(view.history).toHaveLength(56);
    expect(w.emu.rateLimited.map((c) => [c.method, c.status, c.error])).toEqual([['chat.update', 429, 'ratelimited']]);
    expect(w.emu.rateLimited[0]!.retryAfter).toBeGreaterThanOrEqual(1);
    expect(w.emu.calls.filter((c) => c.method === 'chat.update' && c.ok)).toHaveLength(55);
  });

  it('answers Slack errors for bad posts and edits', async () => {
    const outsider = w.emu.createChannel({ name: 'random', isMember: false });
    expect(await errorOf(app.client.chat.postMessage({ channel: outsider.id, text: 'x' }))).toMatchObject({ error: 'not_in_channel' });
    expect(await errorOf(app.client.chat.postMessage({ channel: 'C0000000000', text: 'x' }))).toMatchObject({ error: 'channel_not_found' });
    expect(await errorOf(app.client.chat.postMessage({ channel: w.channel.id, text: '' }))).toMatchObject({ error: 'no_text' });
    const longSection = [{ type: 'section', text: { type: 'mrkdwn', text: 'a'.repeat(3001) } }];
    expect(await errorOf(app.client.chat.postMessage({ channel: w.channel.id, text: 'x', blocks: longSection }))).toMatchObject({
      error: 'invalid_blocks',
      response_metadata: { messages: ['[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]'] },
    });
    const huge = await app.client.chat.postMessage({ channel: w.channel.id, text: 'b'.repeat(40_010) });
    expect(w.emu.message(w.channel.id, huge.ts!)).toMatchObject({ truncated: true });
    expect(w.emu.message(w.channel.id, huge.ts!)!.text).toHaveLength(40_000);
    expect(await errorOf(app.client.chat.update({ channel: w.channel.id, ts: huge.ts!, text: 'c'.repeat(4001) }))).toMatchObject({ error: 'msg_too_long' });
    expect(await errorOf(app.client.chat.update({ channel: w.channel.id, ts: '1.000001', text: 'x' }))).toMatchObject({ error: 'message_not_found' });
    const users = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'mine', deliver: false });
    expect(await errorOf(app.client.chat.update({ channel: w.channel.id, ts: users.ts, text: 'x' }))).toMatchObject({ error: 'cant_update_message' });
  });

  it('threads, history and users.info look like Slack', async () => {
    const parent = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'parent', deliver: false });
    await app.client.chat.postMessage({ channel: w.channel.id, thread_ts: parent.ts, text: 'reply' });
    const history = await app.client.conversations.history({ channel: w.channel.id, latest: parent.ts, inclusive: true, limit: 1 });
    expect(history.messages).toMatchObject([{ ts: parent.ts, thread_ts: parent.ts, reply_count: 1, user: w.alice.id }]);
    const replies = await app.client.conversations.replies({ channel: w.channel.id, ts: parent.ts });
    expect(replies.messages?.map((m) => m.text)).toEqual(['parent', 'reply']);
    expect(replies.messages?.[1]).toMatchObject({ bot_id: w.emu.botId, thread_ts: parent.ts, parent_user_id: w.alice.id });
    const plain = await app.client.users.info({ user: w.alice.id });
    expect(plain.user?.locale).toBeUndefined();
    const withLocale = await app.client.users.info({ user: w.alice.id, include_locale: true });
    expect(withLocale.user).toMatchObject({ id: w.alice.id, locale: 'ja-JP', is_admin: false });
    expect(w.emu.thread(w.channel.id, parent.ts).map((m) => m.text)).toEqual(['parent', 'reply']);
  });

  it('checks tokens and applies injected faults', async () => {
    const { webApi } = await import('@slack/bolt');
    const stranger = new webApi.WebClient('xoxb-wrong', { slackApiUrl: w.emu.apiUrl });
    expect(await errorOf(stranger.auth.test())).toMatchObject({ error: 'invalid_auth' });
    const appLevel = new webApi.WebClient(w.emu.appToken, { slackApiUrl: w.emu.apiUrl });
    expect(await errorOf(appLevel.chat.postMessage({ channel: w.channel.id, text: 'x' }))).toMatchObject({ error: 'not_allowed_token_type' });
    expect(await errorOf(app.client.apps.connections.open())).toMatchObject({ error: 'not_allowed_token_type' });

    w.emu.inject({ kind: 'error', method: 'chat.postMessage', error: 'is_archived' });
    expect(await errorOf(app.client.chat.postMessage({ channel: w.channel.id, text: 'x' }))).toMatchObject({ error: 'is_archived' });
    const fast = new webApi.WebClient(w.emu.botToken, { slackApiUrl: w.emu.apiUrl, retryConfig: { retries: 2, minTimeout: 10, maxTimeout: 20 } });
    w.emu.inject({ kind: '5xx', method: 'chat.postMessage', status: 503 });
    const posted = await fast.chat.postMessage({ channel: w.channel.id, text: 'after a 503' });
    expect(posted.ok).toBe(true);
    expect(w.emu.calls.filter((c) => c.method === 'chat.postMessage').map((c) => c.status)).toEqual([200, 200, 503, 200]);
  });
});
