// files.getUploadURLExternal → POST the bytes to upload_url (file-hosting.ts) → files.completeUploadExternal,
// which shares the file as a message in channel_id (in the thread_ts thread). files.info.
//
//   getUploadURLExternal: filename missing → invalid_arguments; length missing or 0 → missing_argument
//     (documented: "Typically only occurs when the length provided is 0").
//   completeUploadExternal: files missing/malformed → invalid_arguments; an id not issued to this app or whose
//     bytes never arrived → file_not_found; channel → channel_not_found / not_in_channel.
//   files.info: a file the bot cannot see → file_not_found.

import { fileObject } from './api-objects.js';
import { typesForName, randomHex, slackId } from './clock-and-ids.js';
import { fail, invalidArguments, str, type Ctx, type MethodHandler } from './context.js';
import { resolveChannel } from './methods-chat.js';
import { LIMITS, blockErrors, invalidBlocks } from './message-validation.js';
import type { FileState } from './world.js';

export function botCanSee(ctx: Ctx, f: FileState): boolean {
  return f.byBot || !!f.grantedToBot || f.channels.some((id) => ctx.world.channel(id)?.isMember);
}

export function fileMethods(ctx: Ctx): Record<string, MethodHandler> {
  const { world } = ctx;
  return {
    'files.getUploadURLExternal': (args) => {
      const filename = str(args['filename']);
      if (!filename) return invalidArguments('missing required field: filename');
      const length = Number(str(args['length']) ?? 0);
      if (!Number.isInteger(length) || length <= 0) return fail('missing_argument');
      const types = typesForName(filename);
      const f: FileState = {
        id: slackId('F'),
        name: filename,
        title: filename,
        ...types,
        user: world.botUser.id,
        created: Math.floor(ctx.clock.now() / 1000),
        declaredLength: length,
        completed: false,
        byBot: true,
        uploadToken: randomHex(24),
        channels: [],
      };
      world.files.set(f.id, f);
      return { ok: true, upload_url: `${ctx.base()}/upload/v1/${f.uploadToken}`, file_id: f.id };
    },

    'files.completeUploadExternal': (args) => {
      const list = args['files'];
      if (!Array.isArray(list) || list.length === 0) return invalidArguments('missing required field: files');
      const files: FileState[] = [];
      for (const entry of list) {
        const id = typeof entry === 'object' && entry !== null ? str((entry as Record<string, unknown>)['id']) : undefined;
        const f = id ? world.files.get(id) : undefined;
        if (!f || !f.byBot || f.data === undefined) return fail('file_not_found');
        files.push(f);
      }
      const channelArg = str(args['channel_id']) ?? str(args['channels'])?.split(',')[0];
      const channel = channelArg !== undefined ? resolveChannel(ctx, channelArg) : undefined;
      if (channel && 'ok' in channel) return channel;
      const comment = str(args['initial_comment']);
      const blocks = comment === undefined ? args['blocks'] : undefined;
      if (blocks !== undefined) {
        if (!Array.isArray(blocks)) return fail('invalid_blocks');
        const errs = blockErrors(blocks, LIMITS.messageBlocks);
        if (errs.length) return invalidBlocks(errs);
      }
      list.forEach((entry, i) => {
        const title = str((entry as Record<string, unknown>)['title']);
        if (title) files[i]!.title = title;
        files[i]!.completed = true;
      });
      if (channel) {
        const threadTs = str(args['thread_ts']);
        const m = world.addMessage({
          channel: channel.id,
          ...(threadTs ? { threadTs } : {}),
          user: world.botUser.id,
          botId: ctx.botId,
          text: comment ?? '',
          ...(Array.isArray(blocks) ? { blocks } : {}),
          fileIds: files.map((f) => f.id),
          via: 'files.completeUploadExternal',
        });
        for (const f of files) {
          f.channels.push(channel.id);
          f.share = { channel: channel.id, ...(m.threadTs ? { threadTs: m.threadTs } : {}), ...(comment ? { initialComment: comment } : {}), messageTs: m.ts };
        }
      }
      return { ok: true, files: files.map((f) => ({ ...fileObject(ctx, f), channels: [...f.channels] })) };
    },

    'files.info': (args) => {
      const id = str(args['file']);
      const f = id ? world.files.get(id) : undefined;
      if (!f || !f.completed || !botCanSee(ctx, f)) return fail('file_not_found');
      return { ok: true, file: { ...fileObject(ctx, f), channels: [...f.channels] }, comments: [] };
    },
  };
}
