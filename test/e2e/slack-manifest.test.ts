import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtures } from '../support/media-fixtures.js';
import { startSlackStack, type SlackStack } from './slack-stack.js';

/**
 * The app manifest users install is the one these tests run: the emulator delivers only the events the manifest
 * subscribes to, as Slack does. Auto-translate and reactions must work with it, and a retried delivery must not
 * translate twice.
 */

interface Manifest {
  features: { slash_commands: { command: string; url?: string }[]; shortcuts: { callback_id: string }[] };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[]; request_url?: string }; socket_mode_enabled: boolean; interactivity: { request_url?: string } };
}
const read = (name: string) => JSON.parse(readFileSync(resolve(import.meta.dirname, '../../adapters/slack', name), 'utf8')) as Manifest;
const http = read('manifest.json');
const socket = read('manifest.socket.json');

let s: SlackStack;
beforeAll(async () => {
  s = await startSlackStack({ storeUrl: `sqlite://${join(mkdtempSync(join(tmpdir(), 'lt-manifest-')), 'bot.sqlite')}`, botEvents: http.settings.event_subscriptions.bot_events });
});
afterAll(() => s.close());

describe('Slack app manifest', () => {
  it('subscribes to every event the bot handles, with the scopes they need; the Socket Mode variant differs only in transport', () => {
    const events = http.settings.event_subscriptions.bot_events;
    expect(events).toEqual(expect.arrayContaining(['reaction_added', 'message.channels', 'message.groups', 'message.im', 'message.mpim']));
    expect(http.oauth_config.scopes.bot).toEqual(expect.arrayContaining(['reactions:read', 'channels:history', 'groups:history', 'im:history', 'mpim:history', 'files:read', 'chat:write']));
    expect(http.features.shortcuts.map((x) => x.callback_id)).toEqual(['translate_message', 'translate_message_to']);
    expect(socket.settings.socket_mode_enabled).toBe(true);
    expect(JSON.stringify(socket)).not.toContain('YOUR-HOST');
    expect(socket.settings.event_subscriptions.bot_events).toEqual(events);
    expect(socket.oauth_config).toEqual(http.oauth_config);
    expect(socket.features.shortcuts).toEqual(http.features.shortcuts);
  });

  it('auto-translate fires on a message event the manifest subscribes to', async () => {
    const team = s.slack.createChannel({ name: 'team-voice' });
    await s.store!.settings.setServer('slack', s.slack.teamId, { autoTranslate: { [team.id]: ['en'] } });
    s.model.configure({ text: 'Translated without asking.', audioSeconds: 1 });
    const note = s.slack.postUserMessage(team.id, s.alice.id, { files: [{ name: 'n.wav', data: fixtures.wav(1.21), mimetype: 'audio/wav' }] });
    const reply = await s.slack.waitFor(() => s.botReplies(team.id, note.ts).find((m) => /characters/.test(m.text)), 15_000);
    expect(reply.text).toContain('Translated without asking.');
    expect(s.slack.deliveries.some((d) => (d.payload as { event?: { type?: string } }).event?.type === 'message')).toBe(true);
  });

  it('a delivery Slack retries (same event_id) starts no second translation', async () => {
    s.model.reset();
    s.model.configure({ text: 'Only once.', audioSeconds: 1, chunkDelayMs: 30 });
    const note = s.slack.postUserMessage(s.channel.id, s.bob.id, { files: [{ name: 'r.wav', data: fixtures.wav(1.22), mimetype: 'audio/wav' }], deliver: false });
    const first = (await s.slack.addReaction(s.channel.id, note.ts, s.alice.id, 'de'))!;
    await s.slack.waitFor(() => s.botReplies(s.channel.id, note.ts).find((m) => /characters/.test(m.text)), 15_000);
    const retried = await s.slack.redeliver(first);
    expect(retried.acked).toBe(true);
    await new Promise((r) => setTimeout(r, 500));
    expect(s.model.requests).toHaveLength(1);
    expect(s.botReplies(s.channel.id, note.ts).filter((m) => !m.files.length)).toHaveLength(1);
    expect(s.slack.ephemerals(s.channel.id).filter((e) => e.user === s.alice.id && e.text.includes('already'))).toEqual([]);
  });
});
