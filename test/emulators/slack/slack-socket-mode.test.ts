// Bolt in Socket Mode against the emulator: apps.connections.open with the app token, hello, envelopes, acks.

import type { MessageShortcut } from '@slack/bolt';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startWorld, type TestWorld } from './test-support.js';

let w: TestWorld;
beforeEach(async () => {
  w = await startWorld();
});
afterEach(async () => {
  await w.close();
});

describe('Slack emulator × Bolt Socket Mode', () => {
  it('delivers a shortcut, an event and a slash command as envelopes and records the acks', async () => {
    const { app } = await w.socketApp();
    expect(w.emu.calls.find((c) => c.method === 'apps.connections.open')).toMatchObject({ token: w.emu.appToken, ok: true });
    const shortcuts: MessageShortcut[] = [];
    const reactions: string[] = [];
    app.shortcut<MessageShortcut>('translate_message', async ({ ack, shortcut }) => {
      await ack();
      shortcuts.push(shortcut);
    });
    app.event('reaction_added', async ({ event }) => {
      reactions.push(event.reaction);
    });
    app.command('/translate', async ({ ack }) => {
      await ack({ response_type: 'ephemeral', text: 'Attach a file in the form.' });
    });

    const msg = w.emu.postUserMessage(w.channel.id, w.alice.id, { text: 'hola', deliver: false });
    const d = await w.emu.messageShortcut({ userId: w.alice.id, channelId: w.channel.id, messageTs: msg.ts, callbackId: 'translate_message' });
    expect(d).toMatchObject({ transport: 'socket', type: 'message_action', acked: true, timedOut: false });
    expect(shortcuts[0]).toMatchObject({ type: 'message_action', callback_id: 'translate_message', message_ts: msg.ts, trigger_id: d.triggerId });

    const r = await w.emu.addReaction(w.channel.id, msg.ts, w.alice.id, 'jp');
    expect(r).toMatchObject({ transport: 'socket', acked: true });
    await w.emu.waitFor(() => reactions.length === 1);
    expect(reactions).toEqual(['jp']);

    const c = await w.emu.slashCommand({ userId: w.alice.id, channelId: w.channel.id, command: '/translate', text: 'to ja' });
    expect(c).toMatchObject({ transport: 'socket', acked: true, response: { response_type: 'ephemeral', text: 'Attach a file in the form.' } });
    expect(w.emu.ephemerals()).toMatchObject([{ user: w.alice.id, text: 'Attach a file in the form.', via: 'ack' }]);
    expect(w.emu.socketMode.acks).toHaveLength(3);
  });

  it('reconnects after a disconnect message with a fresh URL', async () => {
    await w.socketApp({}, 900);
    w.emu.disconnectSocket('refresh_requested');
    await w.emu.waitFor(() => w.emu.calls.filter((c) => c.method === 'apps.connections.open').length === 2 && w.emu.socketMode.connected, 5000);
    expect(w.emu.socketMode.connections).toBe(1);
  });
});
