import { describe, expect, it } from 'vitest';
import { TranslateError } from '../../src/errors.js';
import type { ReplyHeader } from '../../src/jobs/types.js';
import { escapeMrkdwn, renderLines, renderMessage } from './render.js';
import { triggerFiles } from './files.js';
import { slackSettingsChange } from './settings-text.js';

const header: ReplyHeader = { languages: '🇨🇳 Chinese → 🇺🇸 English', voice: 'Cherry', fileName: 'a`b <!here>.wav', notices: ['Note <@U1>'] };

describe('Slack rendering', () => {
  it('escapes model text, file names and notices: no live mention, link or broken code span', () => {
    const { text } = renderMessage({ part: 0, text: 'Hi <!channel> see <https://evil.example|re-verify your account> & go', final: true, continued: false, outcome: { status: 'done', footer: '3 characters' } }, header, 'job1');
    expect(text).toContain('Hi &lt;!channel&gt; see &lt;https://evil.example|re-verify your account&gt; &amp; go');
    expect(text).toContain('`aˋb &lt;!here&gt;.wav`');
    expect(text).toContain('_:information_source: Note &lt;@U1&gt;_');
    expect(text).not.toMatch(/<[!@#]|<https?:/);
    expect(escapeMrkdwn('a<b>&c')).toBe('a&lt;b&gt;&amp;c');
  });

  it('shows Cancel while running and Retry after a retryable failure, with the error clipped and escaped', () => {
    const running = renderMessage({ part: 0, text: 'so far', final: false, continued: false }, header, 'job1');
    expect(running.text).toContain(':hourglass_flowing_sand: _translating…_');
    expect(JSON.stringify(running.blocks)).toContain('"action_id":"lt:cancel:job1"');
    const failed = renderMessage({ part: 1, text: 'rest', final: true, continued: false, outcome: { status: 'failed', error: new TranslateError('STREAM_CUT', '<!everyone>') } }, header, 'job1');
    expect(failed.text.startsWith('_(continued)_\nrest\n:warning: The connection')).toBe(true);
    expect(failed.text).toContain('&lt;!everyone&gt;');
    expect(JSON.stringify(failed.blocks)).toContain('"action_id":"lt:retry:job1"');
    expect(JSON.stringify(failed.blocks)).not.toContain('lt:cancel');
  });

  it('renders structured command lines in mrkdwn', () => {
    expect(renderLines([{ style: 'heading', text: 'Your defaults' }, { style: 'item', text: 'language: Japanese' }, { style: 'note', text: 'small' }]))
      .toBe('*Your defaults*\n• language: Japanese\n_small_');
  });
});

describe('Slack files and settings text', () => {
  it('describes clips by subtype and uploads by their declared type, in order', () => {
    const files = triggerFiles([
      { id: 'F1', name: 'audio_message.webm', mimetype: 'audio/webm', subtype: 'slack_audio', size: 10, url_private_download: 'https://files.slack.com/d/1' },
      { id: 'F2', name: 'notes.pdf', mimetype: 'application/pdf', url_private: 'https://files.slack.com/p/2' },
    ]);
    expect(files).toEqual([
      { id: 'F1', label: 'audio clip', contentType: 'audio/webm', name: 'audio_message.webm', size: 10, url: 'https://files.slack.com/d/1' },
      { id: 'F2', label: 'notes.pdf', contentType: 'application/pdf', name: 'notes.pdf', size: undefined, url: 'https://files.slack.com/p/2' },
    ]);
    expect(triggerFiles(undefined)).toEqual([]);
  });

  it('parses /translate settings text into changes', () => {
    expect(slackSettingsChange(['language', 'ja'])).toEqual({ kind: 'language', value: 'ja' });
    expect(slackSettingsChange(['language', 'clear'])).toEqual({ kind: 'language', value: undefined });
    expect(slackSettingsChange(['text-only', 'on'])).toEqual({ kind: 'text-only', value: true });
    expect(slackSettingsChange(['channel', '<#C123|general>', 'off'])).toEqual({ kind: 'server-channel', channelId: 'C123', enabled: false });
    expect(slackSettingsChange(['auto-translate', '<#C9>', 'en,', 'ja'])).toEqual({ kind: 'auto-translate', channelId: 'C9', languages: 'en, ja' });
    expect(slackSettingsChange(['whatever'])).toEqual({ kind: 'show' });
  });
});
