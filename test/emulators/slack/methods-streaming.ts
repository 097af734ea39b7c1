// Native streaming: chat.startStream, chat.appendStream, chat.stopStream (errors from the methods' reference
// pages; where a page names none we say so).
//
//   startStream: app without the feature → StartOptions.streamingRefusalError (GUESS, default
//     'feature_not_enabled'); thread_ts missing → invalid_arguments (documented as required; the error is Slack's
//     generic one for a missing argument); outside a DM recipient_user_id / recipient_team_id missing →
//     missing_recipient_user_id / missing_recipient_team_id; unknown recipient → user_not_found / team_not_found.
//   markdown_text and chunks together → cannot_provide_both_markdown_text_and_chunks; a stream keeps the shape
//     it was opened with (markdown_text or chunks) → streaming_mode_mismatch; append with neither →
//     markdown_text_or_chunks_required; a bad chunk → invalid_chunks; markdown over 12 000 characters in one
//     call → msg_too_long (GUESS).
//   append/stop on a message that is not streaming → message_not_in_streaming_state; not the app's →
//     message_not_owned_by_app; stopped by the user → stopped_by_user. chat.update while streaming →
//     streaming_state_conflict (methods-chat.ts).

import { messageObject } from './api-objects.js';
import { fail, invalidArguments, str, type ApiResult, type Args, type Ctx, type MethodHandler } from './context.js';
import { isMessage, ownMessage, resolveChannel } from './methods-chat.js';
import { LIMITS, blockErrors, invalidBlocks } from './message-validation.js';
import type { MessageState } from './world.js';

type Mode = 'markdown_text' | 'chunks';
interface StreamInput {
  mode?: Mode;
  chunks: Record<string, unknown>[];
}

const CHUNK_TYPES = new Set(['markdown_text', 'task_update', 'plan_update', 'blocks']);

function streamInput(args: Args, required: boolean): StreamInput | ApiResult {
  const markdown = str(args['markdown_text']);
  const rawChunks = args['chunks'];
  const hasChunks = rawChunks !== undefined && !(Array.isArray(rawChunks) && rawChunks.length === 0);
  if (markdown !== undefined && markdown !== '' && hasChunks) return fail('cannot_provide_both_markdown_text_and_chunks');
  if (markdown !== undefined && markdown !== '') {
    if (markdown.length > LIMITS.markdownText) return fail('msg_too_long');
    return { mode: 'markdown_text', chunks: [{ type: 'markdown_text', text: markdown }] };
  }
  if (!hasChunks) return required ? fail('markdown_text_or_chunks_required') : { chunks: [] };
  if (!Array.isArray(rawChunks)) return fail('invalid_chunks');
  for (const c of rawChunks) {
    if (typeof c !== 'object' || c === null || !CHUNK_TYPES.has(String((c as Args)['type']))) return fail('invalid_chunks');
    const chunk = c as Args;
    if (chunk['type'] === 'markdown_text') {
      if (typeof chunk['text'] !== 'string') return fail('invalid_chunks');
      if (chunk['text'].length > LIMITS.markdownText) return fail('msg_too_long');
    }
    if (chunk['type'] === 'blocks' && (!Array.isArray(chunk['blocks']) || blockErrors(chunk['blocks'], 50).length)) {
      return fail('invalid_blocks');
    }
  }
  return { mode: 'chunks', chunks: rawChunks as Record<string, unknown>[] };
}

function apply(m: MessageState, input: StreamInput): ApiResult | undefined {
  const s = m.stream!;
  if (input.mode) {
    if (s.mode !== 'unset' && s.mode !== input.mode) return fail('streaming_mode_mismatch');
    s.mode = input.mode;
  }
  for (const c of input.chunks) {
    s.chunks.push(c);
    if (c['type'] === 'markdown_text') s.markdown += String(c['text']);
    if (c['type'] === 'blocks') m.blocks = [...(m.blocks ?? []), ...(c['blocks'] as unknown[])];
  }
  m.text = s.markdown;
  return undefined;
}

function streamingMessage(ctx: Ctx, args: Args): MessageState | ApiResult {
  const m = ownMessage(ctx, args, 'message_not_owned_by_app');
  if (!isMessage(m)) return m;
  if (m.stream?.state === 'stopped_by_user') return fail('stopped_by_user');
  if (m.stream?.state !== 'streaming') return fail('message_not_in_streaming_state');
  return m;
}

export function streamingMethods(ctx: Ctx): Record<string, MethodHandler> {
  const { world } = ctx;
  return {
    'chat.startStream': (args) => {
      if (!ctx.nativeStreaming) return fail(ctx.streamingRefusalError);
      const c = resolveChannel(ctx, args['channel']);
      if ('ok' in c) return c;
      const threadTs = str(args['thread_ts']);
      if (!threadTs) return invalidArguments('missing required field: thread_ts');
      const recipientUser = str(args['recipient_user_id']);
      const recipientTeam = str(args['recipient_team_id']);
      if (!c.isIm && !recipientUser) return fail('missing_recipient_user_id');
      if (!c.isIm && !recipientTeam) return fail('missing_recipient_team_id');
      if (recipientUser && !world.users.has(recipientUser)) return fail('user_not_found');
      if (recipientTeam && recipientTeam !== world.teamId) return fail('team_not_found');
      const input = streamInput(args, false);
      if ('ok' in input) return input;
      const m = world.addMessage({ channel: c.id, threadTs, user: world.botUser.id, botId: ctx.botId, text: '', fileIds: [], via: 'chat.startStream' });
      m.stream = {
        state: 'streaming',
        mode: 'unset',
        ...(recipientUser ? { recipientUserId: recipientUser } : {}),
        ...(recipientTeam ? { recipientTeamId: recipientTeam } : {}),
        chunks: [],
        appends: 0,
        markdown: '',
      };
      apply(m, input);
      m.history[0]!.text = m.text;
      return { ok: true, channel: c.id, ts: m.ts };
    },

    'chat.appendStream': (args) => {
      const m = streamingMessage(ctx, args);
      if (!isMessage(m)) return m;
      const input = streamInput(args, true);
      if ('ok' in input) return input;
      const err = apply(m, input);
      if (err) return err;
      m.stream!.appends += 1;
      world.recordVersion(m, 'chat.appendStream');
      return { ok: true, channel: m.channel, ts: m.ts };
    },

    'chat.stopStream': (args) => {
      const m = streamingMessage(ctx, args);
      if (!isMessage(m)) return m;
      const input = streamInput(args, false);
      if ('ok' in input) return input;
      const blocks = args['blocks'];
      if (blocks !== undefined) {
        if (!Array.isArray(blocks)) return fail('invalid_blocks_format');
        const errs = blockErrors(blocks, LIMITS.messageBlocks);
        if (errs.length) return invalidBlocks(errs);
      }
      const err = apply(m, input);
      if (err) return err;
      if (Array.isArray(blocks)) m.blocks = [...(m.blocks ?? []), ...blocks];
      m.stream!.state = 'stopped';
      world.recordVersion(m, 'chat.stopStream');
      return { ok: true, channel: m.channel, ts: m.ts, message: messageObject(ctx, m) };
    },
  };
}
