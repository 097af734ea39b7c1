import type { Attachment } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { TranslateError } from '../../src/errors.js';
import type { ReplyHeader } from '../../src/jobs/types.js';
import { parseComponentId } from '../../src/reply/layout.js';
import { triggerFiles } from './attachments.js';
import { CONTENT_LIMIT, renderLines, renderView } from './render.js';

const header: ReplyHeader = { languages: '🇨🇳 Chinese → 🇺🇸 English', voice: 'Cherry', fileName: 'x`y.wav', notices: ['n'.repeat(400)] };

describe('Discord rendering', () => {
  it('lays out header, text, marker and Cancel while running; mentions never ping', () => {
    const p = renderView({ part: 0, text: 'hello @everyone <@123>', final: false, continued: false }, header, 'job1');
    expect(p.content.split('\n')[0]).toBe('**🇨🇳 Chinese → 🇺🇸 English** · 🗣️ Cherry · `xˋy.wav`');
    expect(p.content).toMatch(/-# ℹ️ n{149}…$/m);
    expect(p.content).toContain('hello @everyone <@123>\n⏳ *translating…*');
    expect(p.allowed_mentions).toEqual({ parse: [] });
    expect(JSON.stringify(p.components)).toContain('lt:cancel:job1');
  });

  it('shows a masked link in the translated text as typed, never as a disguised link', () => {
    const p = renderView({ part: 0, text: 'Please [re-verify your account](https://evil.example) and \\[this](https://x.example)', final: false, continued: false }, header, 'j');
    expect(p.content).toContain('Please \\[re-verify your account\\](https://evil.example) and \\\\[this\\](https://x.example)');
    expect(p.content).not.toMatch(/(^|[^\\])\[[^\]]*\]\(/);
  });

  it('ends with the footer, or the error and Retry, within the content limit', () => {
    const done = renderView({ part: 2, text: 'end', final: true, continued: false, outcome: { status: 'done', truncated: true, footer: '3 characters' } }, header, 'j');
    expect(done.content).toBe('-# (continued)\nend\n⚠️ The translation was cut short by the model\'s 4,096-token output limit; translate a shorter piece for the rest.\n-# 3 characters');
    expect(done.components).toEqual([]);
    const failed = renderView({ part: 0, text: 'x'.repeat(1990), final: true, continued: false, outcome: { status: 'failed', error: new TranslateError('RATE_LIMITED') } }, header, 'j');
    expect(failed.content.length).toBeLessThanOrEqual(CONTENT_LIMIT);
    expect(JSON.stringify(failed.components)).toContain('lt:retry:j');
  });

  it('renders structured command lines in Discord markdown', () => {
    expect(renderLines([{ style: 'heading', text: 'Usage' }, { style: 'item', text: 'you: 1' }, { style: 'note', text: 'costs' }])).toBe('**Usage**\n• you: 1\n-# costs');
  });

  it('names voice messages and keeps what the refusals before download need', () => {
    const a = { id: '1', name: 'voice-message.ogg', contentType: 'audio/ogg', size: 99, url: 'https://cdn.discordapp.com/1', waveform: 'AAAA' } as unknown as Attachment;
    const b = { id: '2', name: 'talk.mp3', contentType: null, size: 5, url: 'https://cdn.discordapp.com/2', waveform: null } as unknown as Attachment;
    expect(triggerFiles([a, b])).toEqual([
      { id: '1', label: 'voice message', contentType: 'audio/ogg', name: 'voice-message.ogg', size: 99, url: 'https://cdn.discordapp.com/1' },
      { id: '2', label: 'talk.mp3', contentType: null, name: 'talk.mp3', size: 5, url: 'https://cdn.discordapp.com/2' },
    ]);
  });

  it('parses component ids strictly (they come back typed by whoever clicks)', () => {
    expect(parseComponentId('lt:retry:ab12-cd')).toEqual({ action: 'retry', id: 'ab12-cd' });
    expect(parseComponentId('lt:to:1234567890')).toEqual({ action: 'to', id: '1234567890' });
    for (const bad of ['lt:retry:', 'lt:retry:../x', 'lt:delete:1', `lt:cancel:${'a'.repeat(65)}`, 'lt:cancel:a:b', 'xlt:cancel:a']) {
      expect(parseComponentId(bad)).toBeUndefined();
    }
  });
});
