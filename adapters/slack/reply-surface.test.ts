import type { webApi } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { TranslateError } from '../../src/errors.js';
import type { ReplyView } from '../../src/reply/types.js';
import { SlackReplySurface, StreamingSupport, type SlackPlace } from './reply-surface.js';

const place: SlackPlace = { teamId: 'T1', channelId: 'C1', threadTs: '1.000', userId: 'U1' };
const open: ReplyView = { part: 0, text: '', final: false, continued: false };
const done: ReplyView = { part: 0, text: 'Hello.', final: true, continued: false, outcome: { status: 'done' } };

/** A Web API client that records chat calls; `fail(method)` answers the next call with an error. */
function fakeClient() {
  const calls: string[] = [];
  const args: Array<{ method: string } & Record<string, unknown>> = [];
  const failures: Record<string, unknown[]> = {};
  let ts = 0;
  const method = (name: string) => async (a: Record<string, unknown>) => {
    calls.push(name);
    args.push({ method: name, ...a });
    const err = failures[name]?.shift();
    if (err) throw err;
    return { ok: true, ts: `2.${++ts}` };
  };
  const client = {
    chat: { startStream: method('startStream'), appendStream: method('appendStream'), stopStream: method('stopStream'), postMessage: method('postMessage'), update: method('update') },
  } as unknown as webApi.WebClient;
  return { client, calls, args, fail: (name: string, err: unknown) => (failures[name] ??= []).push(err) };
}

const rateLimited = (retryAfter: number) => Object.assign(new Error('rate limited'), { code: 'slack_webapi_rate_limited_error', retryAfter });

describe('SlackReplySurface: chat.startStream / stopStream', () => {
  it('budgets startStream per workspace: past the budget a reply posts and edits instead, and the workspace keeps streaming', async () => {
    const { client, calls } = fakeClient();
    const streaming = new StreamingSupport({ writes: 2, perMs: 60_000 }, 100);
    const handles = [];
    for (let i = 0; i < 3; i++) handles.push(await new SlackReplySurface(client, place, `j${i}`, streaming, undefined).post(open));
    expect(handles.map((h) => h.startsWith('stream:'))).toEqual([true, true, false]);
    expect(calls).toEqual(['startStream', 'startStream', 'postMessage']); // the third never asked Slack
    expect(streaming.allowed('T1')).toBe(true);
  });

  it('waits out a 429 on startStream, then streams; another error refuses streaming for the workspace', async () => {
    const { client, calls, fail } = fakeClient();
    const streaming = new StreamingSupport();
    fail('startStream', rateLimited(0.05));
    expect(await new SlackReplySurface(client, place, 'a', streaming, undefined).post(open)).toMatch(/^stream:/);
    expect(calls).toEqual(['startStream', 'startStream']);
    expect(streaming.allowed('T1')).toBe(true);
    fail('startStream', Object.assign(new Error('feature_not_enabled'), { data: { error: 'feature_not_enabled' } }));
    expect(await new SlackReplySurface(client, place, 'b', streaming, undefined).post(open)).not.toMatch(/^stream:/);
    expect(streaming.allowed('T1')).toBe(false);
  });

  it('a 429 on stopStream is waited out and the stream still ends', async () => {
    const { client, calls, fail } = fakeClient();
    const surface = new SlackReplySurface(client, place, 'a', new StreamingSupport(), undefined);
    const handle = await surface.post(open);
    fail('stopStream', rateLimited(0.05));
    await surface.edit(handle, done);
    expect(calls).toEqual(['startStream', 'stopStream', 'stopStream']);
  });
  it('a streamed reply ends as the layout says: closing lines appended, its Retry button as blocks of chat.stopStream', async () => {
    const { client, args } = fakeClient();
    const surface = new SlackReplySurface(client, place, 'job1', new StreamingSupport(), undefined);
    const handle = await surface.post(open);
    await surface.edit(handle, { part: 0, text: 'Half', final: true, continued: false, outcome: { status: 'failed', error: new TranslateError('STREAM_CUT') } });
    const stop = args.find((a) => a.method === 'stopStream')!;
    expect(stop.markdown_text).toMatch(/^Half\n\n:warning: The connection to the translation service broke off/);
    expect(stop.blocks).toEqual([{ type: 'actions', elements: [{ type: 'button', action_id: 'lt:retry:job1', text: { type: 'plain_text', text: 'Retry' }, style: 'primary' }] }]);
    const other = new SlackReplySurface(client, place, 'job2', new StreamingSupport(), undefined);
    await other.edit(await other.post(open), done);
    expect(args.filter((a) => a.method === 'stopStream').at(-1)).not.toHaveProperty('blocks');
  });

  it('streams model text as inert Markdown: no mention, no disguised link, in every delta and at the end', async () => {
    const { client, args } = fakeClient();
    const surface = new SlackReplySurface(client, place, 'job1', new StreamingSupport(), undefined);
    const handle = await surface.post(open);
    await surface.edit(handle, { part: 0, text: 'Hi <!channel>, please [re-verify', final: false, continued: false });
    await surface.edit(handle, { part: 0, text: 'Hi <!channel>, please [re-verify](https://evil.example) & go', final: true, continued: false, outcome: { status: 'done' } });
    const sent = args.filter((a) => a.method === 'appendStream' || a.method === 'stopStream').map((a) => a.markdown_text as string).join('');
    expect(sent).toContain('Hi &lt;!channel&gt;, please \\[re-verify\\](https://evil.example) &amp; go');
    expect(sent).not.toMatch(/(^|[^\\])\[[^\]]*\]\(/);
  });
});
